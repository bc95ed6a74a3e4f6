// Model-based test of the store (fc.commands): random recording, recording in the past, clock
// moves, queries, exports, merges and imports between two stores, against a naive model that keeps
// every (event, instant, count) and answers with plain UTC calendar arithmetic. Every answer must match.
import fc from 'fast-check'
import * as O from 'fp-ts/lib/Option.js'
import { describe, it } from 'vitest'
import { EventStore, TestClock } from 'tiny-counter'
import type { TimeUnit } from 'tiny-counter'

type Unit = Extract<TimeUnit.TimeUnit, 'minutes' | 'hours' | 'days' | 'months'>
const UNITS: ReadonlyArray<readonly [Unit, number]> = [['minutes', 60], ['hours', 24], ['days', 32], ['months', 12]]
const EVENTS = ['launch', 'sync', 'api/call', '__proto__'] as const
const M = 60_000
const H = 60 * M
const D = 24 * H

/** The naive model: every occurrence, in both stores, and the time. */
interface Model {
  now: number
  /** The last question asked, for `AskAgain`. */
  asked?: Ask
  a: Array<{ event: string; at: number; n: number }>
  b: Array<{ event: string; at: number; n: number }>
}
interface Real {
  clock: TestClock
  a: EventStore
  b: EventStore
}

const bucketOf = (unit: Unit, t: number): number => {
  switch (unit) {
    case 'minutes':
      return Math.floor(t / M)
    case 'hours':
      return Math.floor(t / H)
    case 'days':
      return Math.floor(t / D)
    case 'months': {
      const date = new Date(t)
      return date.getUTCFullYear() * 12 + date.getUTCMonth()
    }
  }
}

const lengthOf = (unit: Unit): number => UNITS.find(([u]) => u === unit)![1]

/** The model's answer to `query(event).last(n, unit)`: sum and non-zero buckets, or none. */
const modelAnswer = (log: Model['a'], now: number, event: string, unit: Unit, n: number) => {
  const seen = log.filter((o) => o.event === event)
  if (seen.length === 0) return { sum: O.none, nonzero: O.none }
  const window = Math.min(n, lengthOf(unit))
  const perBucket = new Map<number, number>()
  for (const o of seen) {
    const age = bucketOf(unit, now) - bucketOf(unit, o.at)
    if (age >= 0 && age < window) perBucket.set(age, (perBucket.get(age) ?? 0) + o.n)
  }
  const sum = [...perBucket.values()].reduce((s, n) => s + n, 0)
  return { sum: O.some(sum), nonzero: O.some([...perBucket.values()].filter((n) => n > 0).length) }
}

const pick = (side: 'a' | 'b') => ({ model: (m: Model) => m[side], real: (r: Real) => r[side] })

class RecordNow implements fc.Command<Model, Real> {
  constructor(readonly side: 'a' | 'b', readonly event: string, readonly n: number) {}
  check = () => true
  run(m: Model, r: Real): void {
    r[this.side].recordCount(this.event, this.n)
    pick(this.side).model(m).push({ event: this.event, at: m.now, n: this.n })
  }
  toString = () => `${this.side}.recordCount(${this.event}, ${this.n})`
}

class RecordAgo implements fc.Command<Model, Real> {
  constructor(readonly side: 'a' | 'b', readonly event: string, readonly n: number, readonly ago: number) {}
  check = () => true
  run(m: Model, r: Real): void {
    r[this.side].recordCountAgo(this.event, this.n, this.ago)
    pick(this.side).model(m).push({ event: this.event, at: m.now - this.ago, n: this.n })
  }
  toString = () => `${this.side}.recordCountAgo(${this.event}, ${this.n}, ${this.ago})`
}

class RecordAt implements fc.Command<Model, Real> {
  constructor(readonly side: 'a' | 'b', readonly event: string, readonly ago: number) {}
  check = () => true
  run(m: Model, r: Real): void {
    r[this.side].recordAt(this.event, new Date(m.now - this.ago))
    pick(this.side).model(m).push({ event: this.event, at: m.now - this.ago, n: 1 })
  }
  toString = () => `${this.side}.recordAt(${this.event}, now - ${this.ago})`
}

class Advance implements fc.Command<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true
  run(m: Model, r: Real): void {
    r.clock.advance(this.ms)
    m.now += this.ms
  }
  toString = () => `advance(${this.ms})`
}

class Ask implements fc.Command<Model, Real> {
  constructor(readonly side: 'a' | 'b', readonly event: string, readonly unit: Unit, readonly n: number) {}
  check = () => true
  run(m: Model, r: Real): void {
    m.asked = this
    const expected = modelAnswer(pick(this.side).model(m), m.now, this.event, this.unit, this.n)
    const range = r[this.side].query(this.event).last(this.n, this.unit)
    const sum = range.sum()
    const nonzero = range.countNonzero()
    if (JSON.stringify(sum) !== JSON.stringify(expected.sum) || JSON.stringify(nonzero) !== JSON.stringify(expected.nonzero)) {
      throw new Error(`${this}: got sum ${JSON.stringify(sum)} nonzero ${JSON.stringify(nonzero)}, model says ${JSON.stringify(expected)}`)
    }
  }
  toString = () => `${this.side}.query(${this.event}).last(${this.n}, ${this.unit})`
}

class MergeBIntoA implements fc.Command<Model, Real> {
  constructor(readonly through: 'exportAll' | 'json') {}
  check = () => true
  run(m: Model, r: Real): void {
    const exported = this.through === 'json' ? JSON.parse(JSON.stringify(r.b.exportAll())) : r.b.exportAll()
    r.a.mergeAll(exported)
    m.a.push(...m.b)
  }
  toString = () => `a.mergeAll(b.${this.through})`
}

class ImportBIntoA implements fc.Command<Model, Real> {
  check = () => true
  run(m: Model, r: Real): void {
    r.a.importAll(r.b.exportAll())
    const replaced = new Set(m.b.map((o) => o.event))
    m.a = [...m.a.filter((o) => !replaced.has(o.event)), ...m.b]
  }
  toString = () => 'a.importAll(b.exportAll())'
}

/**
 * The previous question again: the store remembers a sum until the counter changes or the clock
 * leaves the bucket it was read at, and a repeat after records, clock moves, merges and imports
 * checks that memory against the model.
 */
class AskAgain implements fc.Command<Model, Real> {
  check = (m: Readonly<Model>) => m.asked !== undefined
  run(m: Model, r: Real): void {
    m.asked!.run(m, r)
  }
  toString = () => 'ask again'
}

/** Sends what changed and forgets it: changes no count, but ends the store's in-place recording. */
class ExportDirty implements fc.Command<Model, Real> {
  constructor(readonly side: 'a' | 'b') {}
  check = () => true
  run(_: Model, r: Real): void {
    r[this.side].exportDirty()
    r[this.side].resetDirty()
  }
  toString = () => `${this.side}.exportDirty(); ${this.side}.resetDirty()`
}

const side = fc.constantFrom<'a' | 'b'>('a', 'b')
const event = fc.constantFrom(...EVENTS)
const count = fc.oneof(fc.constant(1), fc.integer({ min: 0, max: 50 }))
const ago = fc.oneof(fc.integer({ min: 0, max: 2 * H }), fc.integer({ min: 0, max: 90 * D }), fc.constantFrom(M, H, D, 31 * D))
const step = fc.oneof(
  fc.integer({ min: 1, max: 90_000 }),
  fc.integer({ min: 1, max: 3 * H }),
  fc.integer({ min: 1, max: 40 * D }),
  fc.constantFrom(M, H, D, 30 * D)
)
const unit = fc.constantFrom<Unit>('minutes', 'hours', 'days', 'months')

const commands = [
  fc.tuple(side, event, count).map(([s, e, n]) => new RecordNow(s, e, n)),
  fc.tuple(side, event, count, ago).map(([s, e, n, a]) => new RecordAgo(s, e, n, a)),
  fc.tuple(side, event, ago).map(([s, e, a]) => new RecordAt(s, e, a)),
  step.map((ms) => new Advance(ms)),
  fc.tuple(side, event, unit, fc.integer({ min: 0, max: 70 })).map(([s, e, u, n]) => new Ask(s, e, u, n)),
  fc.constant(new AskAgain()),
  fc.constant(new AskAgain()),
  side.map((s) => new ExportDirty(s)),
  fc.constantFrom<'exportAll' | 'json'>('exportAll', 'json').map((through) => new MergeBIntoA(through)),
  fc.constant(new ImportBIntoA())
]

describe('EventStore against a naive model', () => {
  it('answers every query like the model, through records, clock moves, merges and imports', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }), fc.commands(commands, { maxCommands: 60 }), (start, cmds) => {
        const clock = TestClock.at(start)
        const build = () => EventStore.builder().withClock(clock.copy()).timeZone('UTC').build()
        const setup = () => ({ model: { now: start, a: [], b: [] } as Model, real: { clock, a: build(), b: build() } as Real })
        fc.modelRun(setup, cmds)
      }),
      { numRuns: 300 }
    )
  })
})
