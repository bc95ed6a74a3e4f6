// Quickstart: record a few events at chosen instants into an immutable counter, then ask it
// questions. Run it with `npm run demo`.
import assert from 'node:assert/strict'
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { pipe } from 'fp-ts/lib/function.js'
import { Counter, Layout, Query, Window } from 'tiny-counter'

const berlin = Layout.standard({ timeZone: 'Europe/Berlin' })
const at = (iso: string): number => Date.parse(iso)

// App launches over a weekend that crosses the end of daylight-saving time (27 October 2024).
const launches = pipe(
  Counter.singleton(berlin, at('2024-10-25T08:30:00+02:00')),
  E.flatMap(Counter.record(at('2024-10-26T23:30:00+02:00'), 2)),
  E.flatMap(Counter.record(at('2024-10-27T02:30:00+01:00'))), // the repeated hour, after the change
  E.flatMap(Counter.record(at('2024-10-27T21:40:00+01:00'), 3)),
  E.flatMap(Counter.record(at('2024-09-30T12:00:00+02:00'))) // last month
)
if (E.isLeft(launches)) throw launches.left
const counter = launches.right

const now = at('2024-10-27T22:00:00+01:00')
const show = (label: string, answer: O.Option<number>): void =>
  console.log(`${label.padEnd(38)} ${pipe(answer, O.match(() => 'no data', String))}`)

show('launches today (Sunday, 25 hours long)', Query.sum(counter, Window.last(1, 'days'), now))
show('launches in the last 7 days', Query.sum(counter, Window.last(7, 'days'), now))
show('launches this month', Query.sum(counter, Window.last(1, 'months'), now))
show('launches ever', Query.sum(counter, Window.ever, now))
show('active days out of the last 28', Query.countNonzero(counter, Window.last(28, 'days'), now))
show('average per active day (28 days)', Query.averageNonzero(counter, Window.last(28, 'days'), now))
show('launches in the last 24 hours', Query.sum(counter, Window.last(24, 'hours'), now))
show('launches in weeks (not tracked)', Query.sum(counter, Window.last(1, 'weeks'), now))
show('minutes since the last launch', pipe(Query.lastSeen(counter, now), O.map((ms) => ms / 60_000)))
console.log('days, newest first:', JSON.stringify(pipe(Query.buckets(counter, Window.last(4, 'days'), now), O.getOrElseW(() => []))))

assert.deepEqual(Query.sum(counter, Window.last(1, 'days'), now), O.some(4))
assert.deepEqual(Query.sum(counter, Window.last(7, 'days'), now), O.some(7))
assert.deepEqual(Query.sum(counter, Window.ever, now), O.some(8))
