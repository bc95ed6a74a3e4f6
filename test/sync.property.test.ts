// Two devices that record on their own and now and then exchange `exportDirty` deltas converge to
// the counts of one store that recorded everything, whatever the interleaving.
import fc from 'fast-check'
import * as O from 'fp-ts/lib/Option.js'
import { describe, expect, it } from 'vitest'
import { EventStore, TestClock } from 'tiny-counter'

const H = 3_600_000
const EVENTS = ['launch', 'purchase', 'sync'] as const

type Step =
  | { readonly kind: 'record'; readonly device: 0 | 1; readonly event: string; readonly count: number; readonly ago: number }
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'send'; readonly from: 0 | 1 }

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('record' as const), device: fc.constantFrom(0 as const, 1 as const), event: fc.constantFrom(...EVENTS), count: fc.integer({ min: 0, max: 9 }), ago: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 72 * H })) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.oneof(fc.integer({ min: 1, max: 2 * H }), fc.integer({ min: 1, max: 20 * 24 * H })) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('send' as const), from: fc.constantFrom(0 as const, 1 as const) }) }
)

/** Device `from` sends what it recorded since its last send; the other merges it. */
const send = (from: EventStore, to: EventStore): void => {
  const delta = JSON.parse(JSON.stringify(from.exportDirty())) as Record<string, unknown>
  to.mergeAll(delta)
  from.resetDirty()
}

describe('two-device sync through exportDirty deltas', () => {
  it('converges to the counts of one store that recorded everything', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2027, 0, 1) }), fc.array(step, { maxLength: 40 }), (start, steps) => {
        const clock = TestClock.at(start)
        const build = () => EventStore.builder().withClock(clock.copy()).timeZone('Europe/Berlin').build()
        const devices = [build(), build()] as const
        const reference = build()
        for (const s of steps) {
          if (s.kind === 'record') {
            devices[s.device].recordCountAgo(s.event, s.count, s.ago)
            reference.recordCountAgo(s.event, s.count, s.ago)
          } else if (s.kind === 'advance') clock.advance(s.ms)
          else send(devices[s.from], devices[1 - s.from]!)
        }
        send(devices[0], devices[1])
        send(devices[1], devices[0])
        for (const event of EVENTS) {
          for (const read of [(st: EventStore) => st.query(event).lastMinutes(60), (st: EventStore) => st.query(event).lastHours(24), (st: EventStore) => st.query(event).lastDays(32), (st: EventStore) => st.query(event).lastMonths(12)]) {
            const expected = read(reference).sum()
            for (const device of devices) expect(read(device).sum()).toEqual(expected)
          }
        }
        expect(devices[0].events().length).toBe(reference.events().length)
        expect(O.isSome(reference.query('launch').ever().sum()) || !devices[0].events().includes('launch')).toBe(true)
      }),
      { numRuns: 300 }
    )
  })
})
