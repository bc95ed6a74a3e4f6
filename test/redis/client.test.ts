// The client side of the Redis store against what callers do and what clients go through: a
// client that has ended, a call answered after its deadline, timeouts a timer cannot hold, names
// that are no event names, hold a lone surrogate or are given twice, an event named __proto__, one
// name given to delete, and prefixes nested in each other.
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { Redis } from 'ioredis'
import type { Cluster } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { Counter, EventStore, Limit } from 'tiny-counter'
import { RedisStore } from 'tiny-counter/redis'
import { client, connect, freshPrefix, inKeys } from './connect.ts'
import { freePort, redisPort } from './redisServer.ts'

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

describe('RedisStore, the client side', () => {
  it('fails to connect at once with a StorageError when the client has ended, or ends while connect waits, and leaves no listener behind', async () => {
    const ended = client()
    ended.disconnect()
    const started = Date.now()
    await expect(RedisStore.connect({ client: ended, timeZone: 'UTC', timeoutMillis: 60_000 })).rejects.toMatchObject({ name: 'StorageError' })
    // Nothing listens on this port, and the client gives up after its first try.
    const nowhere = new Redis({ port: await freePort(), host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null })
    nowhere.on('error', () => {})
    await expect(RedisStore.connect({ client: nowhere, timeZone: 'UTC', timeoutMillis: 60_000 })).rejects.toMatchObject({ name: 'StorageError' })
    for (let i = 0; i < 12; i++) await expect(RedisStore.connect({ client: nowhere, timeZone: 'UTC', timeoutMillis: 60_000 })).rejects.toMatchObject({ name: 'StorageError' })
    expect(Date.now() - started).toBeLessThan(10_000)
    expect([nowhere.listenerCount('ready'), nowhere.listenerCount('end')]).toEqual([0, 0])
  })

  it('does not send a call again once its deadline has passed, when Redis answers that it lost the scripts', async () => {
    const shared = client()
    const prefix = freshPrefix()
    const store = await connect({ client: shared, prefix, timeoutMillis: 100 })
    // The first call is answered after its deadline, as a server that lost its functions answers.
    const fcall = shared.fcall.bind(shared)
    let calls = 0
    shared.fcall = ((...args: Parameters<typeof fcall>) => {
      calls++
      if (calls > 1) return fcall(...args)
      return sleep(300).then(() => Promise.reject(new Error('ERR Function not found')))
    }) as typeof shared.fcall
    const decided = await store.limit().atMost('job', 1, 'hours').checkAndRecord('job')
    expect(E.isLeft(decided) && decided.left._tag).toBe('StorageError')
    await sleep(600)
    // The caller was told it failed: nothing was recorded after all, and the next call passes.
    expect(calls).toBe(1)
    const other = await connect({ prefix })
    expect(await other.query('job').ever().sum()).toEqual(E.right(O.none))
    expect(await store.limit().atMost('job', 1, 'hours').checkAndRecord('job')).toEqual(E.right(undefined))
  })

  it('refuses a Redis older than 7.0 at connect, whose scripts would fail at their first write', async () => {
    const old = client()
    await old.ping() // connected: ioredis's own ready check reads INFO too
    old.info = (() => Promise.resolve('# Server\r\nredis_version:6.2.14\r\nredis_mode:standalone\r\n')) as unknown as typeof old.info
    const refused = connect({ client: old })
    await expect(refused).rejects.toMatchObject({ name: 'StorageError' })
    await expect(refused).rejects.toThrow(/Redis 6\.2\.14 is too old/)
  })

  it('refuses a timeout longer than a timer can wait', async () => {
    await expect(connect({ timeoutMillis: 2 ** 32 })).rejects.toMatchObject({ name: 'StorageError' })
    await expect(connect({ timeoutMillis: 2 ** 31 - 1 })).resolves.toBeInstanceOf(RedisStore)
  })

  it('checks event names when a query is made, as EventStore does, and counts a name given twice once', async () => {
    const store = await connect()
    await store.recordCount('a', 2)
    const memory = EventStore.builder().timeZone('UTC').build()
    memory.recordCount('a', 2)
    expect(memory.queryMany(['a', 'a']).ever().sum()).toEqual(O.some(2))
    expect(await store.queryMany(['a', 'a']).ever().sum()).toEqual(E.right(O.some(2)))
    for (const make of [() => store.query(''), () => store.queryMany(['a', '']), () => store.queryRatio('', 'a'), () => store.queryRatio('a', ''), () => store.queryDelta('', 'a'), () => store.queryDelta('a', 42 as unknown as string)])
      expect(make).toThrow(expect.objectContaining({ name: 'InvalidEventName' }))
  })

  it('refuses a name with a lone surrogate everywhere, which Redis would keep under the key of a U+FFFD name, and counts nothing', async () => {
    const store = await connect()
    await store.record('user:\uFFFD') // another user, whose limit a lone surrogate would use up
    const lone = ['user:\uD800', 'user:\uDC00', '\uDFFF']
    const isRefusal = (answer: E.Either<{ readonly _tag: string; readonly message: string }, unknown>): boolean =>
      E.isLeft(answer) && answer.left._tag === 'InvalidEventName' && /lone surrogate/.test(answer.left.message)
    const policy = store.limit(Limit.policy().atMost(1, 'minutes'))
    const local = EventStore.builder().timeZone('UTC').build()
    local.record('x')
    const counter = local.exportAll()['x']!
    for (const name of lone) {
      const answers = [
        await store.record(name),
        await store.recordCount(name, 3),
        await store.limit().atMost(name, 1, 'minutes').checkAndRecord(name),
        await store.limit().atMost('user:\uFFFD', 5, 'minutes').checkAndRecord(name),
        await store.limit().atMost('api', 5, 'minutes').atLeast(name, 1, 'minutes').check('api'),
        await policy.checkAndRecord('api'), // a policy whose plan is made: the next key's name is still checked
        await policy.checkAndRecord(name),
        await policy.reserve(name),
        await policy.usage(name),
        await store.mergeAll({ [name]: counter }),
        await store.importAll(new Map([[name, counter]])),
        await store.delete([name])
      ]
      expect(answers.map((answer) => isRefusal(answer))).toEqual([true, true, true, true, true, false, true, true, true, true, true, true])
      for (const make of [() => store.query(name), () => store.queryMany(['a', name]), () => store.queryRatio(name, 'a'), () => store.queryDelta('a', name)])
        expect(make).toThrow(/lone surrogate/)
    }
    expect(await store.query('user:\uFFFD').lastMinutes(1).sum()).toEqual(E.right(O.some(1)))
    expect(await store.events()).toEqual(E.right(['api', 'user:\uFFFD']))
    // A prefix with one would share the key names of another prefix.
    await expect(connect({ prefix: 'app:\uD800' })).rejects.toMatchObject({ name: 'StorageError', message: expect.stringMatching(/lone surrogate/) })
  })

  it('exports an event named __proto__ as an event, which an EventStore imports', async () => {
    const store = await connect()
    await store.recordCount('__proto__', 7)
    await store.recordCount('b', 1)
    const exported = await store.exportAll()
    expect(E.isRight(exported) && Object.keys(exported.right).sort()).toEqual(['__proto__', 'b'])
    const local = EventStore.builder().timeZone('UTC').build()
    if (E.isRight(exported)) local.importAll(exported.right)
    expect(local.query('__proto__').ever().sum()).toEqual(O.some(7))
  })

  it('deletes the one event a name names, never the events of its characters, and refuses what is no name', async () => {
    const store = await connect()
    for (const event of ['sx', 's', 'x']) await store.record(event)
    expect(await store.delete('sx')).toEqual(E.right(undefined))
    expect(await store.events()).toEqual(E.right(['s', 'x']))
    const refused = await store.delete(null as unknown as string)
    expect(E.isLeft(refused) && refused.left._tag).toBe('InvalidEventName')
    expect(await store.events()).toEqual(E.right(['s', 'x']))
  })

  it("keeps the events of prefixes nested in each other apart ('p' with 'tenant:login', 'p:tenant' with 'login')", async () => {
    const parent = `nest-${crypto.randomUUID()}`
    const child = `${parent}:tenant`
    const outer = await connect({ prefix: parent })
    const inner = await connect({ prefix: child, preset: 'rateLimiting', timeZone: 'Europe/Berlin' })
    await inner.recordCount('login', 3)
    await outer.recordCount('tenant:login', 5)
    expect(await outer.events()).toEqual(E.right(['tenant:login']))
    expect(await inner.events()).toEqual(E.right(['login']))
    expect(await inner.query('login').ever().sum()).toEqual(E.right(O.some(3)))
    expect(await outer.query('tenant:login').ever().sum()).toEqual(E.right(O.some(5)))
    // The keys, as docs/REDIS.md names them: the child's ':' escaped.
    expect(await client().exists(`{${parent}:tenant:login}`, `{${inKeys(child)}:login}`, `{${inKeys(child)}}:layout`)).toBe(3)
    expect(inKeys(child)).toBe(`${parent}\\:tenant`)
    expect(await outer.delete('tenant:login')).toEqual(E.right(undefined))
    expect(await inner.query('login').ever().sum()).toEqual(E.right(O.some(3)))
    const limit = inner.limit(Limit.policy().atMost(3, 'minutes'))
    expect(E.isLeft(await limit.checkAndRecord('login'))).toBe(true)
  })

  it('names the keys of two stores used in turn each after its own prefix (a backslash, glob characters, a colon)', async () => {
    const id = crypto.randomUUID()
    const prefixes = [`glob*?[x]\\back:${id}`, `glob*?[x]\\back${id}`] as const
    const stores = [await connect({ prefix: prefixes[0] }), await connect({ prefix: prefixes[1] })]
    // Every call alternates between the stores: each builds its keys from its own prefix.
    for (const [i, store] of stores.entries()) expect(await store.recordCount('e', i + 1)).toEqual(E.right(undefined))
    const held = await Promise.all(stores.map((store) => store.limit().atMost('e', 10, 'minutes').reserve('e')))
    for (const [i, store] of stores.entries()) {
      expect(await store.events()).toEqual(E.right(['e']))
      expect(await store.query('e').ever().sum()).toEqual(E.right(O.some(i + 1)))
      const names = inKeys(prefixes[i]!)
      expect(await client().exists(`{${names}:e}`, `{${names}:e}:held`, `{${names}}:layout`)).toBe(3)
    }
    expect(inKeys(prefixes[0])).toBe(`glob*?[x]\\\\back\\:${id}`)
    for (const reservation of held) expect(E.isRight(reservation) && (await reservation.right.commit())).toEqual(E.right(undefined))
    const exported = await Promise.all(stores.map((store) => store.exportAll()))
    expect(exported.map((e) => E.isRight(e) && Counter.toBuckets(e.right['e']!)[0]![0])).toEqual([2, 3])
    expect(await stores[0]!.delete('e')).toEqual(E.right(undefined))
    expect(await stores[1]!.events()).toEqual(E.right(['e']))
  })

  it("lists, exports and deletes the events of a client with ioredis's keyPrefix, and only its own", async () => {
    const prefix = `kp-${crypto.randomUUID()}`
    // Two tenants' clients on one server, each with its keyPrefix, under the same store prefix.
    const [alpha, beta] = await Promise.all(['alpha', 'beta'].map((tenant) => connect({ client: client({ keyPrefix: `${tenant}[*]:` }), prefix })))
    expect(await alpha!.recordCount('a', 2)).toEqual(E.right(undefined))
    expect(await alpha!.limit().atMost('b', 5, 'minutes').checkAndRecord('b')).toEqual(E.right(undefined))
    expect(await beta!.record('c')).toEqual(E.right(undefined))
    expect((await client().keys(`*${prefix}*`)).sort()).toEqual(
      [`alpha[*]:{${prefix}:a}`, `alpha[*]:{${prefix}:b}`, `alpha[*]:{${prefix}}:layout`, `beta[*]:{${prefix}:c}`, `beta[*]:{${prefix}}:layout`].sort()
    )
    expect(await alpha!.events()).toEqual(E.right(['a', 'b']))
    expect(await beta!.events()).toEqual(E.right(['c']))
    const exported = await alpha!.exportAll()
    expect(E.isRight(exported) && Object.fromEntries(Object.entries(exported.right).map(([event, counter]) => [event, Counter.toBuckets(counter)[0]![0]]))).toEqual({ a: 2, b: 1 })
    expect(await alpha!.delete('a')).toEqual(E.right(undefined))
    expect(await alpha!.events()).toEqual(E.right(['b']))
  })

  it("lists a cluster's events only while it reaches a master for every slot, never a part of them in silence", async () => {
    const real = client()
    let masters: Redis[] = [real]
    const slots = Array.from({ length: 16_384 }, () => [`127.0.0.1:${redisPort()}`])
    // A cluster of one master, seen through the parts of ioredis's Cluster that the store reads.
    const cluster = new Proxy(real, {
      get: (target, key, receiver) => (key === 'nodes' ? () => masters : key === 'slots' ? slots : Reflect.get(target, key, receiver)),
      has: (target, key) => key === 'nodes' || Reflect.has(target, key)
    }) as unknown as Cluster
    const store = await connect({ client: cluster })
    await store.record('a')
    expect(await store.events()).toEqual(E.right(['a']))
    // The client dropped the master that ended: nothing would be scanned.
    masters = []
    for (const answer of [await store.events(), await store.exportAll()]) expect(E.isLeft(answer) && answer.left._tag).toBe('StorageError')
    // A slot held by a master the client has no connection to.
    masters = [real]
    slots[9_000] = ['10.0.0.9:6379']
    expect(E.isLeft(await store.events())).toBe(true)
  })

  it('refuses a prefix with a ":" whose counts an earlier version keeps under unescaped key names', async () => {
    const prefix = `old:${crypto.randomUUID()}`
    const store = await connect({ prefix: `fresh:${crypto.randomUUID()}` })
    await client().set(`{${prefix}}:layout`, JSON.stringify({ dataModel: 3, layout: store.layout }))
    const refused = connect({ prefix })
    await expect(refused).rejects.toMatchObject({ name: 'RedisLayoutMismatch', prefix })
    await expect(refused).rejects.toThrow(/earlier version/)
  })
})
