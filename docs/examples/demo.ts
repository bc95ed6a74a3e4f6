// Demo: a month of app usage and API traffic, simulated with a TestClock into an embedded SQLite
// file, then the questions tiny-counter answers and terminal charts. Run it with `npm run demo`.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { EventStore, TestClock } from 'tiny-counter'
import { Sqlite } from 'tiny-counter/sqlite'
import { bars, sparkline } from 'tiny-counter/cli/chart'

const dir = mkdtempSync(join(tmpdir(), 'tiny-counter-demo-'))
try {
  const start = Date.UTC(2026, 2, 2) // Monday 2 March 2026, midnight UTC
  const clock = TestClock.at(start)
  const open = async (): Promise<EventStore> =>
    EventStore.builder()
      .withStorage(await Sqlite.open(join(dir, 'app.db')))
      .withClock(clock)
      .timeZone('UTC')
      .trackSeconds(60)
      .trackMinutes(60)
      .trackHours(24)
      .trackDays(56)
      .trackWeeks(52)
      .trackMonths(12)
      .build()
  const store = await open()
  const api = store.limit().atMost('api_call', 5, 'minutes').atMost('api_call', 40, 'hours')

  // Three users with a daily rhythm: morning, lunch and evening sessions; some skip weekends.
  const users = [
    { name: 'ana', hours: [8, 12, 19], weekends: true, buysEvery: 4 },
    { name: 'bo', hours: [9, 21], weekends: false, buysEvery: 7 },
    { name: 'cy', hours: [7, 13, 18, 22], weekends: true, buysEvery: 10 }
  ]
  let refused = 0
  let lastRefusal: O.Option<number> = O.none
  const days = 30
  for (let day = 0; day < days; day++) {
    const weekday = new Date(start + day * 86_400_000).getUTCDay()
    for (let hour = 0; hour < 24; hour++) {
      clock.set(start + day * 86_400_000 + hour * 3_600_000 + 60_000)
      for (const user of users) {
        if (!user.hours.includes(hour) || (!user.weekends && (weekday === 0 || weekday === 6))) continue
        store.record('app_launch')
        store.record(`app_launch:${user.name}`)
        if ((day + hour) % 3 === 0) store.record('settings_visit')
        if (hour === user.hours[user.hours.length - 1] && day % user.buysEvery === 0) store.record('purchase')
      }
      // API traffic: a burst of calls at busy hours, through a limit of 5 a minute and 40 an hour.
      const calls = hour >= 8 && hour <= 22 ? (hour % 4 === 0 ? 8 : 3) : 1
      for (let i = 0; i < calls; i++) {
        const decision = api.checkAndRecord('api_call')
        if (E.isLeft(decision)) {
          refused++
          store.record('api_refused')
          if (decision.left._tag === 'LimitExceeded') lastRefusal = decision.left.retryAfter
        }
      }
    }
  }
  clock.set(start + (days - 1) * 86_400_000 + 23 * 3_600_000) // the last evening, 23:00
  await store.close()

  // Reopen from the SQLite file: everything below is read back from disk.
  const again = await open()
  const show = (label: string, answer: string): void => console.log(`${label.padEnd(42)} ${answer}`)
  const value = (answer: O.Option<number>, unit = ''): string => (O.isSome(answer) ? `${Math.round(answer.value * 100) / 100}${unit}` : 'no data')

  console.log(`tiny-counter demo: ${days} days of 3 users and their API calls, stored in SQLite\n`)
  show('launches this week', value(again.query('app_launch').lastWeeks(1).sum()))
  show('launches today', value(again.query('app_launch').lastDays(1).sum()))
  show("bo's active days out of the last 28", value(again.query('app_launch:bo').lastDays(28).countNonzero()))
  show('conversion (purchases / launches, 28 days)', value(O.map((r: number) => r * 100)(again.queryRatio('purchase', 'app_launch').lastDays(28)), ' %'))
  show('settings visits per active day (7 days)', value(again.query('settings_visit').lastDays(7).averageNonzero()))
  show('minutes since the last launch', value(O.map((ms: number) => ms / 60_000)(again.query('app_launch').lastSeen())))
  show('API calls accepted this month', value(again.query('api_call').lastMonths(1).sum()))
  show('API calls refused (5/min, 40/h)', `${refused}`)
  show('retry-after of the last refusal', value(O.map((ms: number) => ms / 1000)(lastRefusal), ' s'))
  const limit = again.limit().atMost('api_call', 5, 'minutes').atMost('api_call', 40, 'hours')
  show('an API call allowed now?', String(limit.allowed('api_call')))

  const daily = O.getOrElse((): ReadonlyArray<readonly [number, number]> => [])(again.query('app_launch').lastDays(days).buckets())
  console.log('\napp launches per day, oldest first:')
  for (const line of bars([...daily].reverse().map(([i, n]) => [new Date(clock.now() - i * 86_400_000).toISOString().slice(5, 10), n] as const), { width: 30 })) console.log(`  ${line}`)
  const hourly = O.getOrElse((): ReadonlyArray<readonly [number, number]> => [])(again.query('api_call').lastHours(24).buckets())
  console.log('\nAPI calls per hour of the last day, oldest first:')
  for (const line of bars([...hourly].reverse().map(([i, n]) => [`${String((23 - i + 24) % 24).padStart(2, '0')}:00`, n] as const), { width: 30 })) console.log(`  ${line}`)
  console.log(`\nlaunches, last 24 hours: ${sparkline([...O.getOrElse((): ReadonlyArray<readonly [number, number]> => [])(again.query('app_launch').lastHours(24).buckets())].reverse().map(([, n]) => n))}`)

  assert.equal(daily.length, days)
  assert.ok(refused > 0)
  assert.ok(O.isSome(lastRefusal))
  assert.deepEqual(again.query('app_launch').ever().sum(), O.some(daily.reduce((sum, [, n]) => sum + n, 0)))
  await again.close()
} finally {
  rmSync(dir, { recursive: true, force: true })
}
