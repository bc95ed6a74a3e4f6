// The Redis store on a real Redis Cluster of three masters (Debian's redis-server, started here on
// loopback ports and stopped after), through ioredis's Cluster: the scripts run by EVALSHA on the
// shard of each event's slot (sent again with their text on a shard that lost them), records and
// limits of events spread over every shard answer as the in-memory store does, events() and
// exportAll() gather every master, and a call that would read two slots (CROSSSLOT) is a
// StorageError that writes nothing (docs/REDIS.md, "Cluster notes").
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import type { Cluster } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EventStore, TestClock } from 'tiny-counter'
import { RedisStore } from 'tiny-counter/redis'
import type { TestCluster } from './testCluster.ts'
import { startCluster } from './testCluster.ts'

let servers: TestCluster
let cluster: Cluster

beforeAll(async () => {
  servers = await startCluster({ masters: 3 })
  cluster = await servers.connect()
}, 60_000)

afterAll(() => servers.stop())

/** Event names, `count` in all, a third on each master (by their keys' slots under `prefix`). */
const spread = async (prefix: string, count: number): Promise<ReadonlyArray<string>> => {
  const each = Math.ceil(count / 3)
  const byMaster = new Map<string, string[]>()
  const full = (): number => [...byMaster.values()].filter((names) => names.length === each).length
  for (let i = 0; full() < 3; i++) {
    const name = `event-${i}`
    const slot = (await cluster.cluster('KEYSLOT', `{${prefix}:${name}}`)) as number
    const master = String(cluster.slots[slot]?.[0])
    const names = byMaster.get(master) ?? []
    if (names.length < each) names.push(name)
    byMaster.set(master, names)
  }
  return [...byMaster.values()].flat()
}

describe('RedisStore on a Redis Cluster of three masters', () => {
  it('records and decides events on every shard as the in-memory store does, and lists and exports them all', async () => {
    const T = Date.UTC(2026, 0, 5, 10, 30, 15)
    const clock = TestClock.at(T)
    const prefix = `cluster-${crypto.randomUUID()}`
    const store = await RedisStore.connect({ client: cluster, prefix, preset: 'rateLimiting', timeZone: 'Europe/Berlin', clock })
    const memory = EventStore.builder().forRateLimiting().timeZone('Europe/Berlin').withClock(clock).build()
    const events = await spread(prefix, 24)
    const answers: Array<readonly [string, string, string]> = []
    for (let round = 0; round < 3; round++) {
      for (const event of events) {
        const redis = await store.limit().atMost(event, 2, 'minutes').atMost(event, 5, 'hours').checkAndRecord(event)
        const local = memory.limit().atMost(event, 2, 'minutes').atMost(event, 5, 'hours').checkAndRecord(event)
        answers.push([event, E.isRight(redis) ? 'passed' : redis.left._tag, E.isRight(local) ? 'passed' : local.left._tag])
      }
      clock.advance({ seconds: 20 })
    }
    // Two passes a minute per event, then refusals: the same answers from both stores.
    expect(answers.filter(([, redis, local]) => redis !== local)).toEqual([])
    expect(answers.filter(([, redis]) => redis === 'passed')).toHaveLength(2 * events.length)
    for (const event of events) expect(await store.query(event).lastHours(1).sum()).toEqual(E.right(memory.query(event).lastHours(1).sum()))
    expect(await store.events()).toEqual(E.right([...events].sort()))
    const exported = await store.exportAll()
    expect(E.isRight(exported) && Object.keys(exported.right).sort()).toEqual([...events].sort())
    expect(E.isRight(exported) && exported.right).toEqual(memory.exportAll())
  })

  it('holds and commits reservations, and deletes, on the shard of each event', async () => {
    const prefix = `cluster-${crypto.randomUUID()}`
    const store = await RedisStore.connect({ client: cluster, prefix, preset: 'rateLimiting', timeZone: 'UTC' })
    const [a, b, c] = await spread(prefix, 3) // one on each master
    for (const event of [a!, b!, c!]) {
      const one = store.limit().atMost(event, 1, 'minutes')
      const held = await one.reserve(event)
      expect(E.isRight(held)).toBe(true)
      expect(E.isLeft(await one.check(event))).toBe(true) // the reservation counts
      expect(E.isRight(held) && (await held.right.commit())).toEqual(E.right(undefined))
      expect(await store.query(event).lastMinutes(1).sum()).toEqual(E.right(O.some(1)))
    }
    expect(await store.delete([a!, c!])).toEqual(E.right(undefined))
    expect(await store.events()).toEqual(E.right([b!]))
  })

  it("lists and exports the events of a cluster client with ioredis's keyPrefix, on every shard", async () => {
    const prefix = `cluster-${crypto.randomUUID()}`
    const tenant = await servers.connect({ keyPrefix: 'tenant:' })
    const store = await RedisStore.connect({ client: tenant, prefix, preset: 'rateLimiting', timeZone: 'UTC' })
    const events = await spread(prefix, 12)
    for (const event of events) expect(await store.record(event)).toEqual(E.right(undefined))
    expect(await cluster.exists(`tenant:{${prefix}:${events[0]}}`)).toBe(1)
    expect(await store.events()).toEqual(E.right([...events].sort()))
    const exported = await store.exportAll()
    expect(E.isRight(exported) && Object.keys(exported.right).sort()).toEqual([...events].sort())
  })

  it('answers a StorageError and writes nothing for a call that reads events in two slots (CROSSSLOT)', async () => {
    const prefix = `cluster-${crypto.randomUUID()}`
    const store = await RedisStore.connect({ client: cluster, prefix, preset: 'rateLimiting', timeZone: 'UTC' })
    const slotOf = async (event: string): Promise<number> => (await cluster.cluster('KEYSLOT', `{${prefix}:${event}}`)) as number
    const events = await spread(prefix, 3)
    const [api, login] = [events[0]!, events[1]!] // on two masters
    expect(await slotOf(login)).not.toBe(await slotOf(api))
    expect(await store.record(login)).toEqual(E.right(undefined))
    const answers = [
      await store.limit().atMost(api, 10, 'minutes').atLeast(login, 1, 'hours').checkAndRecord(api),
      await store.queryMany([api, login]).lastHours(1).sum(),
      await store.queryRatio(api, login).lastHours(1)
    ]
    expect(answers.map((answer) => E.isLeft(answer) && answer.left._tag)).toEqual(['StorageError', 'StorageError', 'StorageError'])
    expect(answers.every((answer) => E.isLeft(answer) && /CROSSSLOT/.test(answer.left.message))).toBe(true)
    expect(await store.events()).toEqual(E.right([login]))
  })

  it('loads its scripts on every master, and sends one again with its text to a shard that lost it (SCRIPT FLUSH), counting it once', async () => {
    /** How many scripts each master has run from their text (EVAL), not by their SHA. */
    const evals = async (): Promise<number> => {
      let sum = 0
      for (const server of servers.nodes) sum += Number(/cmdstat_eval:calls=(\d+)/.exec((await servers.node(server.port).info('commandstats')) as string)?.[1] ?? 0)
      return sum
    }
    const flush = async (): Promise<void> => {
      for (const server of servers.nodes) await servers.node(server.port).script('FLUSH')
    }
    await flush() // no shard knows the scripts (an EVAL of the tests before would have left them there)
    const before = await evals()
    const prefix = `cluster-${crypto.randomUUID()}`
    const store = await RedisStore.connect({ client: cluster, prefix, preset: 'rateLimiting', timeZone: 'UTC' })
    const events = await spread(prefix, 12)
    for (const event of events) expect(await store.limit().atMost(event, 10, 'minutes').checkAndRecord(event)).toEqual(E.right(undefined))
    expect(await evals()).toBe(before) // every shard knew the scripts: one EVALSHA per decision
    await flush()
    for (const event of events) {
      expect(await store.limit().atMost(event, 10, 'minutes').checkAndRecord(event)).toEqual(E.right(undefined))
      expect(await store.query(event).lastMinutes(1).sum()).toEqual(E.right(O.some(2)))
    }
    expect(await evals()).toBeGreaterThan(before)
  })
})
