// Faults between the processes and Redis, as docs/REDIS.md describes them ("Failure behaviour",
// "Cluster notes"):
// - a reply lost with its connection after the script ran: a decision is recorded once with the
//   client options the docs give, twice with ioredis's defaults (which send the command again); a
//   commit sent again is settled, and counts once;
// - a cluster's master failing over to its replica: by hand (`CLUSTER FAILOVER`: nothing
//   acknowledged is lost, and a limit never passes more than its count while it runs), and killed
//   (StorageErrors within the timeout while no node serves the slots, then the replica answers
//   with what it had copied);
// - Redis Sentinel promoting the replica of a killed master, which runs the store's functions as
//   they are.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { Redis } from 'ioredis'
import type { Cluster, ClusterOptions } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { TestClock } from 'tiny-counter'
import { RedisStore } from 'tiny-counter/redis'
import { client, connect, decisionOptions, freshPrefix } from './connect.ts'
import { ReplyCutter } from './proxy.ts'
import type { ServerOptions } from './redisServer.ts'
import { RedisServer, freePort, redisPort } from './redisServer.ts'
import type { TestCluster } from './testCluster.ts'
import { startCluster } from './testCluster.ts'

const T = Date.UTC(2026, 0, 5, 10, 30, 15)
const proxies: ReplyCutter[] = []
afterEach(async () => {
  for (const proxy of proxies.splice(0)) await proxy.close()
})
const proxyOf = async (port: number): Promise<ReplyCutter> => {
  const proxy = await ReplyCutter.start(port)
  proxies.push(proxy)
  return proxy
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `answer` every 100 ms until it gives a Right, for at most `seconds`. */
const eventually = async <A>(seconds: number, answer: () => Promise<E.Either<unknown, A>>): Promise<A> => {
  for (let tries = 0; ; tries++) {
    const got = await answer()
    if (E.isRight(got)) return got.right
    if (tries === seconds * 10) throw new Error(`still ${JSON.stringify(got.left)} after ${seconds} s`)
    await sleep(100)
  }
}

describe('a reply lost with its connection, after the script ran', () => {
  it('is recorded once, and answered with a StorageError, with the client options the docs give', async () => {
    const proxy = await proxyOf(redisPort())
    const prefix = freshPrefix()
    const store = await connect({ client: client(decisionOptions, proxy.port), prefix })
    const cut = proxy.cutReplyTo('fcall')
    const answer = await store.limit().atMost('api', 10, 'minutes').checkAndRecord('api')
    await cut
    expect(E.isLeft(answer) && answer.left._tag).toBe('StorageError')
    await sleep(300) // the client reconnects meanwhile, and sends nothing again
    const reader = await connect({ prefix })
    expect(await reader.query('api').lastMinutes(1).sum()).toEqual(E.right(O.some(1)))
  })

  it("is sent again after the reconnection with ioredis's defaults: the caller sees one pass, and two are counted", async () => {
    const proxy = await proxyOf(redisPort())
    const prefix = freshPrefix()
    const store = await connect({ client: client({}, proxy.port), prefix })
    const cut = proxy.cutReplyTo('fcall')
    const answer = await store.limit().atMost('api', 10, 'minutes').checkAndRecord('api')
    await cut
    expect(answer).toEqual(E.right(undefined))
    const reader = await connect({ prefix })
    expect(await reader.query('api').lastMinutes(1).sum()).toEqual(E.right(O.some(2)))
  })

  it('counts a commit once when its reply is lost and the caller commits again (the retry answers ReservationSettled)', async () => {
    const proxy = await proxyOf(redisPort())
    const prefix = freshPrefix()
    const store = await connect({ client: client(decisionOptions, proxy.port), prefix })
    const held = await store.limit().atMost('upload', 5, 'minutes').reserve('upload')
    if (E.isLeft(held)) throw held.left
    const cut = proxy.cutReplyTo('fcall')
    const first = await held.right.commit()
    await cut
    expect(E.isLeft(first) && first.left._tag).toBe('StorageError')
    // Committed again once the client is back (until then it fails at once: no offline queue).
    let again = await held.right.commit()
    for (let tries = 0; E.isLeft(again) && again.left._tag === 'StorageError' && tries < 50; tries++) {
      await sleep(100)
      again = await held.right.commit()
    }
    expect(E.isLeft(again) && again.left._tag).toBe('ReservationSettled')
    const reader = await connect({ prefix })
    expect(await reader.query('upload').lastMinutes(1).sum()).toEqual(E.right(O.some(1)))
    expect(await reader.limit().atMost('upload', 5, 'minutes').usage('upload')).toEqual(E.right({ count: 1, limit: 5, remaining: 4 }))
  })
})

describe('a Redis Cluster whose master fails over to its replica', () => {
  let servers: TestCluster
  beforeAll(async () => {
    // Three masters (a majority can vote a replica in), the first with a replica; a node that does
    // not answer for 3 s counts as failing.
    servers = await startCluster({ masters: 3, replicasOf: [0], nodeTimeoutMillis: 3_000 })
  }, 60_000)
  afterAll(() => servers?.stop())

  /** A cluster client that reaches the master of slot range 0 through `proxy`, the others directly. */
  const throughProxy = async (proxy: ReplyCutter, options: ClusterOptions): Promise<Cluster> =>
    servers.connect({ ...options, natMap: { [`127.0.0.1:${servers.nodes[0]!.port}`]: { host: '127.0.0.1', port: proxy.port } } })

  /** An event whose keys sit in a slot that the master on `port` serves. */
  const eventOn = async (cluster: Cluster, prefix: string, port: number): Promise<{ readonly event: string; readonly slot: number }> => {
    for (let i = 0; ; i++) {
      const event = `event-${i}`
      const slot = (await cluster.cluster('KEYSLOT', `{${prefix}:${event}}`)) as number
      if ((await servers.masterOf(slot)) === port) return { event, slot }
    }
  }

  /** The replica of the master on `port`. */
  const replicaOf = async (port: number): Promise<number> => {
    const id = (await servers.node(port).cluster('MYID')) as string
    const line = ((await servers.node(port).cluster('NODES')) as string).split('\n').find((l) => l.includes(` slave ${id} `) || l.includes(`,slave ${id} `))
    if (line === undefined) throw new Error(`the master on ${port} has no replica`)
    return Number(/:(\d+)@/.exec(line)![1])
  }

  /**
   * A store on the cluster (with `retryDelayOnFailover: 0`, as the docs give it), the master that
   * serves slot range 0 now and its replica, and an event in a slot of that master.
   */
  const onReplicatedMaster = async (timeoutMillis: number) => {
    const cluster = await servers.connect({ retryDelayOnFailover: 0 })
    const prefix = freshPrefix()
    const master = await servers.masterOf(0)
    const { event, slot } = await eventOn(cluster, prefix, master)
    const replica = await replicaOf(master)
    const store = await RedisStore.connect({ client: cluster, prefix, timeZone: 'UTC', clock: TestClock.at(T), timeoutMillis })
    return { store, master, replica, event, slot }
  }

  it("records a decision whose reply is lost once with retryDelayOnFailover: 0, and twice with ioredis's default", async () => {
    const counts: number[] = []
    const answers: string[] = []
    for (const options of [{ retryDelayOnFailover: 0 }, {}] as const) {
      const proxy = await proxyOf(servers.nodes[0]!.port)
      const cluster = await throughProxy(proxy, options)
      const prefix = freshPrefix()
      const { event } = await eventOn(cluster, prefix, servers.nodes[0]!.port)
      const store = await RedisStore.connect({ client: cluster, prefix, timeZone: 'UTC', clock: TestClock.at(T) })
      const cut = proxy.cutReplyTo('evalsha')
      const answer = await store.limit().atMost(event, 10, 'minutes').checkAndRecord(event)
      await cut
      await sleep(300)
      answers.push(E.isRight(answer) ? 'passed' : answer.left._tag)
      const sum = await store.query(event).lastMinutes(1).sum()
      counts.push(E.isRight(sum) && O.isSome(sum.right) ? sum.right.value : -1)
    }
    expect(answers).toEqual(['StorageError', 'passed'])
    expect(counts).toEqual([1, 2])
  })

  it('loses no acknowledged decision in a manual failover, and never passes a limit beyond its count while the failover runs', async () => {
    const { store, master, replica, event, slot } = await onReplicatedMaster(5_000)
    // A count the lanes do not reach before the failover is over (they pass about 10,000 a second).
    const limit = store.limit().atMost(event, 30_000, 'hours')
    const tally = { passed: 0, refused: 0, failed: [] as string[] }
    const decide = async (): Promise<void> => {
      const answer = await limit.checkAndRecord(event)
      if (E.isRight(answer)) tally.passed++
      else if (answer.left._tag === 'LimitExceeded') tally.refused++
      else tally.failed.push(answer.left.message)
    }
    for (let i = 0; i < 50; i++) await decide()
    let over = false
    const lane = async (): Promise<void> => {
      while (!over) await decide()
    }
    const lanes = Array.from({ length: 4 }, lane)
    while (tally.passed < 150) await sleep(5) // the lanes are deciding when the failover begins
    await servers.node(replica).cluster('FAILOVER')
    for (let tries = 0; (await servers.masterOf(slot, master)) !== replica; tries++) {
      if (tries === 200) throw new Error('the replica did not take over within 20 s')
      await sleep(100)
    }
    const atSwitch = tally.passed
    // Decisions go on against the new master until the limit refuses.
    while (tally.refused < 20) await sleep(20)
    over = true
    await Promise.all(lanes)
    expect(tally.failed).toEqual([])
    expect(atSwitch).toBeLessThan(30_000) // the lanes had not reached the limit when the failover was over
    expect(tally.passed).toBe(30_000)
    expect(await store.query(event).lastHours(1).sum()).toEqual(E.right(O.some(30_000)))
    expect((await servers.node(replica).info('replication')) as string).toMatch(/role:master/)
  })

  it('answers a StorageError within the timeout while the killed master has no successor, and then the replica answers with the counts it had', async () => {
    const { store, master, replica, event, slot } = await onReplicatedMaster(1_000)
    const limit = store.limit().atMost(event, 30, 'hours')
    for (let i = 0; i < 20; i++) expect(await limit.checkAndRecord(event)).toEqual(E.right(undefined))
    // Replication is asynchronous: the test waits until the replica has the 20 decisions (the store
    // does not; see docs/REDIS.md, "Cluster notes").
    expect(await servers.node(master).call('WAIT', 1, 5_000)).toBe(1)
    await servers.nodes.find((server) => server.port === master)!.kill('SIGKILL')
    const started = Date.now()
    const during = [await limit.checkAndRecord(event), await store.query(event).lastHours(1).sum()]
    expect(during.map((answer) => E.isLeft(answer) && answer.left._tag)).toEqual(['StorageError', 'StorageError'])
    expect(Date.now() - started).toBeLessThan(2 * 1_000 + 500)
    // The other masters count the master as failed and vote its replica in.
    const sum = await eventually(30, () => store.query(event).lastHours(1).sum())
    expect((await servers.node(replica).info('replication')) as string).toMatch(/role:master/)
    expect(await servers.masterOf(slot, master)).toBe(replica)
    // The 20 copied decisions; the one that failed never reached Redis.
    expect(sum).toEqual(O.some(20))
    const answers = []
    for (let i = 0; i < 15; i++) answers.push(await limit.checkAndRecord(event))
    expect(answers.filter(E.isRight)).toHaveLength(10)
    expect(await store.query(event).lastHours(1).sum()).toEqual(E.right(O.some(30)))
  })
})

describe('Redis Sentinel, which promotes the replica of a killed master', () => {
  const servers: Array<{ readonly server: RedisServer; readonly dir: string }> = []
  afterAll(async () => {
    for (const { server, dir } of servers.splice(0)) {
      await server.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  })
  const start = async (options: Pick<ServerOptions, 'replicaOf' | 'sentinelOf'>): Promise<RedisServer> => {
    const dir = mkdtempSync(join(tmpdir(), 'tiny-counter-redis-sentinel-'))
    const server = await RedisServer.start({ port: await freePort(), dir, appendfsync: 'everysec', ...options })
    servers.push({ server, dir })
    return server
  }

  it('answers StorageErrors while the master is gone, then decides on the promoted replica, which has the functions and every copied count', async () => {
    const master = await start({})
    const replica = await start({ replicaOf: master.port })
    const admin = (port: number): Redis => client({}, port)
    for (let tries = 0; !/master_link_status:up/.test((await admin(replica.port).info('replication')) as string); tries++) {
      if (tries === 100) throw new Error('the replica did not catch up within 10 s')
      await sleep(100)
    }
    const sentinel = await start({ sentinelOf: { master: master.port, downAfterMillis: 1_000 } })
    // The sentinel learns of the replica from the master's INFO.
    for (let tries = 0; ((await admin(sentinel.port).call('SENTINEL', 'REPLICAS', 'mymaster')) as unknown[]).length !== 1; tries++) {
      if (tries === 100) throw new Error('the sentinel did not find the replica within 10 s')
      await sleep(100)
    }
    const redis = new Redis({ sentinels: [{ host: '127.0.0.1', port: sentinel.port }], name: 'mymaster', ...decisionOptions })
    redis.on('error', () => {})
    try {
      const store = await RedisStore.connect({ client: redis, prefix: freshPrefix(), timeZone: 'UTC', clock: TestClock.at(T), timeoutMillis: 1_000 })
      const limit = store.limit().atMost('api', 30, 'hours')
      for (let i = 0; i < 20; i++) expect(await limit.checkAndRecord('api')).toEqual(E.right(undefined))
      expect(await admin(master.port).call('WAIT', 1, 5_000)).toBe(1)
      const loads = async (port: number): Promise<number> => Number(/cmdstat_function\|load:calls=(\d+)/.exec((await admin(port).info('commandstats')) as string)?.[1] ?? 0)
      const loadsBefore = await loads(replica.port)
      await master.kill('SIGKILL')
      const started = Date.now()
      const during = [await limit.checkAndRecord('api'), await store.query('api').lastHours(1).sum()]
      expect(during.map((answer) => E.isLeft(answer) && answer.left._tag)).toEqual(['StorageError', 'StorageError'])
      expect(Date.now() - started).toBeLessThan(2 * 1_000 + 500)
      // The sentinel counts the master as down after a second, promotes the replica, and ioredis
      // asks it where the master is now.
      const sum = await eventually(30, () => store.query('api').lastHours(1).sum())
      expect((await admin(replica.port).info('replication')) as string).toMatch(/role:master/)
      expect(sum).toEqual(O.some(20))
      const answers = []
      for (let i = 0; i < 15; i++) answers.push(await limit.checkAndRecord('api'))
      expect(answers.filter(E.isRight)).toHaveLength(10)
      // Redis Functions are copied to replicas: the new master runs them without loading them again.
      expect(await loads(replica.port)).toBe(loadsBefore)
    } finally {
      redis.disconnect()
    }
  })
})
