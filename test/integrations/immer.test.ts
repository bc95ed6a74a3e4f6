// Counters with Immer: the core functions take drafts as inputs inside `produce` and give what
// they give outside it, their results can be assigned back into the draft, nothing of a draft
// leaks into the produced state, auto-freeze leaves values the core still accepts, and patches
// of counters replay. Drawn with tiny-counter/testing's arbitraries.
import * as fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { applyPatches, enablePatches, isDraft, produce, produceWithPatches } from 'immer'
import type { Draft } from 'immer'
import { describe, expect, it } from 'vitest'
import { Counter, CounterCodec, JsonFormat, Layout, Limit, Query, Window } from 'tiny-counter'
import { anchorsOf, counters, instantNear, scene, build } from 'tiny-counter/testing'

enablePatches()

type C = Counter.Counter

interface State {
  readonly counters: Readonly<Record<string, C>>
}

const right = <A>(result: E.Either<Error, A>): A => {
  if (E.isLeft(result)) throw result.left
  return result.right
}

/** Two counters of one layout and an instant near where they were built. */
const pairAndInstant = scene({ histories: 2 }).chain((s) =>
  fc.tuple(instantNear(anchorsOf(s.layout), s.focal), fc.integer({ min: 0, max: 1000 })).map(([at, n]) => {
    const [a, b] = s.histories.map((steps) => build(s.layout, steps))
    return { a: a!, b: b!, at, n, layout: s.layout }
  })
)

/** Every node of a value, to check that none is a draft and all are frozen. */
const nodes = (value: unknown): unknown[] =>
  typeof value === 'object' && value !== null ? [value, ...Object.values(value).flatMap(nodes)] : []

describe('counters inside produce', () => {
  it('record, rotate, merge and convert take drafts and agree with the same calls outside (200 runs)', () => {
    fc.assert(
      fc.property(pairAndInstant, fc.constantFrom(Layout.utc, Layout.standard({ timeZone: 'Asia/Kolkata' })), ({ a, b, at, n }, other) => {
        const base: State = { counters: { a, b } }
        const next = produce(base, (draft) => {
          const recorded = Counter.record(draft.counters.a!, at, n)
          if (E.isRight(recorded)) draft.counters.recorded = recorded.right as Draft<C>
          draft.counters.rotated = Counter.rotate(draft.counters.a!, at) as Draft<C>
          draft.counters.merged = Counter.merge(draft.counters.a!, draft.counters.b!) as Draft<C>
          draft.counters.converted = Counter.convert(draft.counters.b!, other) as Draft<C>
        })
        const outside = { recorded: right(Counter.record(a, at, n)), rotated: Counter.rotate(a, at), merged: Counter.merge(a, b), converted: Counter.convert(b, other) }
        for (const [name, expected] of Object.entries(outside)) expect(Counter.Eq.equals(next.counters[name]!, expected)).toBe(true)
        expect(nodes(next).some(isDraft)).toBe(false)
        expect(nodes(next).every((node) => Object.isFrozen(node))).toBe(true)
        // The inputs are untouched and unchanged counters are shared, not copied.
        expect(next.counters.a).toBe(a)
        expect(next.counters.b).toBe(b)
      }),
      { numRuns: 200 }
    )
  })

  it('queries and limit checks on drafts answer as on plain values', () => {
    fc.assert(
      fc.property(pairAndInstant, ({ a, at, layout }) => {
        const answers = (c: C) => [
          Query.sum(c, Window.last(7, 'days'), at),
          Query.sum(c, Window.ever, at),
          Query.countNonzero(c, Window.last(24, 'hours'), at),
          Query.buckets(c, Window.last(3, 'days'), at),
          Query.lastSeen(c, at),
          Query.firstSeen(c, at),
          Limit.check([Limit.atMost('a', 3, 'days')], { a: c }, 'a', at, layout)
        ]
        let inside: unknown[] = []
        produce({ counters: { a } } as State, (draft) => {
          inside = answers(draft.counters.a!)
        })
        expect(inside).toEqual(answers(a))
      }),
      { numRuns: 200 }
    )
  })

  it('a record that changes nothing gives back the very same state', () => {
    fc.assert(
      fc.property(pairAndInstant, ({ a, at }) => {
        const base: State = { counters: { a } }
        const next = produce(base, (draft) => {
          draft.counters.a = right(Counter.record(draft.counters.a!, at, 0)) as Draft<C>
        })
        // Recording 0 at or before the newest bucket changes nothing: the state is the same object.
        expect(next === base).toBe(right(Counter.record(a, at, 0)) === a)
      }),
      { numRuns: 200 }
    )
  })
})

describe('after produce', () => {
  it('auto-frozen counters go on through the core, the codec and the formats', () => {
    fc.assert(
      fc.property(counters(2), instantNear(anchorsOf(Layout.utc), Date.UTC(2026, 0, 1)), ([a, b], at) => {
        const frozen = produce({ counters: {} } as State, (draft) => {
          draft.counters.a = a as Draft<C>
          draft.counters.b = b as Draft<C>
        })
        const [fa, fb] = [frozen.counters.a!, frozen.counters.b!]
        expect(Object.isFrozen(fa.newest) && Object.isFrozen(fa.older) && fa.older.every(Object.isFrozen) && Object.isFrozen(fa.layout.tracks)).toBe(true)
        expect(Counter.Eq.equals(right(Counter.record(fa, at, 2)), right(Counter.record(a!, at, 2)))).toBe(true)
        expect(Counter.Eq.equals(Counter.merge(fa, fb), Counter.merge(a!, b!))).toBe(true)
        expect(Counter.Eq.equals(Counter.convert(fa, Layout.utc), Counter.convert(a!, Layout.utc))).toBe(true)
        expect(E.map((c: C) => Counter.Eq.equals(c, fa))(CounterCodec.Counter.decode(fa))).toEqual(E.right(true))
        expect(E.map((c: C) => Counter.Eq.equals(c, fa))(JsonFormat.deserialize('a', JsonFormat.serialize(fa)))).toEqual(E.right(true))
      }),
      { numRuns: 200 }
    )
  })

  it('patches of counters are plain data: replayed on the old state they give the new one', () => {
    fc.assert(
      fc.property(pairAndInstant, ({ a, b, at, n }) => {
        const base: State = { counters: { a } }
        const [next, patches] = produceWithPatches(base, (draft) => {
          draft.counters.a = Counter.merge(draft.counters.a!, b) as Draft<C>
          const recorded = Counter.record(draft.counters.a, at, n)
          if (E.isRight(recorded)) draft.counters.a = recorded.right as Draft<C>
        })
        const replayed = applyPatches(base, JSON.parse(JSON.stringify(patches)))
        expect(Counter.Eq.equals(replayed.counters.a!, next.counters.a!)).toBe(true)
        expect(O.isSome(Query.sum(replayed.counters.a!, Window.ever, at))).toBe(true)
      }),
      { numRuns: 100 }
    )
  })
})
