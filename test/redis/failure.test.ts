// Redis failing: a server killed with SIGKILL and restarted from its AOF (appendfsync always) keeps
// every acknowledged decision; a server that hangs or is gone gives a typed StorageError within the
// configured timeout, never a pass; a server out of memory refuses every write with a StorageError
// and still answers every read; the opt-in fallback answers from a local store instead.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { afterEach, describe, expect, it } from 'vitest'
import { EventStore } from 'tiny-counter'
import type { StorageError } from 'tiny-counter'
import { client, connect, decisionOptions as strict, snapshot } from './connect.ts'
import { RedisServer, freePort } from './redisServer.ts'

const servers: Array<{ server: RedisServer; dir: string }> = []
afterEach(async () => {
  for (const { server, dir } of servers.splice(0)) {
    server.signal('SIGCONT')
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
})

/** A server of this test alone, with AOF fsynced before every reply. */
const ownServer = async (): Promise<RedisServer> => {
  const dir = mkdtempSync(join(tmpdir(), 'tiny-counter-redis-kill-'))
  const server = await RedisServer.start({ port: await freePort(), dir, appendfsync: 'always' })
  servers.push({ server, dir })
  return server
}

describe('when Redis fails', () => {
  it('loses nothing acknowledged when the server is killed (SIGKILL) and restarted from its AOF', async () => {
    const server = await ownServer()
    const prefix = `kill:${crypto.randomUUID()}`
    const store = await connect({ client: client(strict, server.port), prefix, timeoutMillis: 2_000 })
    const limit = store.limit().atMost('order', 1_000_000, 'hours').atMost('order', 1_000_000, 'days')
    let attempted = 0
    let acknowledged = 0
    let failed = 0
    let killed = false
    const lane = async (): Promise<void> => {
      while (!killed || attempted < 50) {
        if (killed) return
        attempted++
        const r = await limit.checkAndRecord('order')
        if (E.isRight(r)) acknowledged++
        else if (r.left._tag === 'StorageError') failed++
        else throw r.left
      }
    }
    const lanes = Array.from({ length: 16 }, lane)
    while (acknowledged < 300) await new Promise((r) => setTimeout(r, 10))
    await server.kill('SIGKILL')
    killed = true
    await Promise.all(lanes)
    expect(acknowledged).toBeGreaterThanOrEqual(300)
    await server.restart()
    const again = await connect({ client: client(strict, server.port), prefix })
    const kept = await again.query('order').lastHours(1).sum()
    expect(E.isRight(kept)).toBe(true)
    const count = E.isRight(kept) ? O.getOrElse(() => -1)(kept.right) : -1
    // Every acknowledged decision survived; at most the calls cut off by the kill were also kept.
    expect(count).toBeGreaterThanOrEqual(acknowledged)
    expect(count).toBeLessThanOrEqual(attempted)
    expect(count - acknowledged).toBeLessThanOrEqual(failed)
  }, 60_000)

  it('gives a StorageError within the timeout when the server hangs (SIGSTOP) or is gone', async () => {
    const server = await ownServer()
    const timeoutMillis = 300
    const store = await connect({ client: client({}, server.port), timeoutMillis })
    expect(await store.record('api')).toEqual(E.right(undefined))
    const timed = async <A>(call: () => Promise<A>): Promise<readonly [A, number]> => {
      const t0 = performance.now()
      const result = await call()
      return [result, performance.now() - t0]
    }
    const isStorageError = (r: E.Either<{ readonly _tag: string }, unknown>): boolean => E.isLeft(r) && r.left._tag === 'StorageError'
    server.signal('SIGSTOP')
    const limit = store.limit().atMost('api', 100, 'minutes')
    for (const [result, ms] of [
      await timed(() => limit.checkAndRecord('api')),
      await timed(() => limit.check('api')),
      await timed(() => store.record('api')),
      await timed(() => store.query('api').lastDays(1).sum()),
      await timed(() => limit.reserve('api'))
    ] as const) {
      expect(isStorageError(result)).toBe(true)
      expect(ms).toBeGreaterThanOrEqual(timeoutMillis - 5)
      expect(ms).toBeLessThan(timeoutMillis + 700)
    }
    expect(await limit.allowed('api')).toBe(false)
    server.signal('SIGCONT')
    await server.kill('SIGKILL')
    const [gone, ms] = await timed(() => limit.checkAndRecord('api'))
    expect(isStorageError(gone)).toBe(true)
    expect(ms).toBeLessThan(timeoutMillis + 700)
  }, 60_000)

  it('lets timers run while a caller retries at once against a server that is gone (no offline queue)', async () => {
    const server = await ownServer()
    const store = await connect({ client: client(strict, server.port), timeoutMillis: 300 })
    const limit = store.limit().atMost('api', 100, 'minutes')
    expect(await limit.checkAndRecord('api')).toEqual(E.right(undefined))
    await server.kill('SIGKILL')
    let ticked = false
    setTimeout(() => (ticked = true), 20)
    // ioredis refuses each call at once; without a turn of the event loop per failure, the timer
    // would not fire before the loop gives up.
    let failures = 0
    while (!ticked && failures < 200_000) {
      const r = await limit.checkAndRecord('api')
      expect(E.isLeft(r) && r.left._tag).toBe('StorageError')
      failures++
    }
    expect(ticked).toBe(true)
  }, 60_000)

  it('still answers queries, events and exports when Redis is out of memory (maxmemory, noeviction), and refuses every write with a StorageError that writes nothing', async () => {
    const server = await ownServer()
    const admin = client({}, server.port)
    const store = await connect({ client: client(strict, server.port), prefix: `oom:${crypto.randomUUID()}`, timeoutMillis: 2_000 })
    const limit = store.limit().atMost('api', 100, 'minutes').atMost('api', 1_000, 'hours')
    expect(await limit.checkAndRecord('api')).toEqual(E.right(undefined))
    expect(await store.recordCount('report', 2)).toEqual(E.right(undefined))
    const held = await limit.reserve('api')
    if (E.isLeft(held)) throw held.left
    const exported = await store.exportAll()
    if (E.isLeft(exported)) throw exported.left
    // Every byte is over the limit now; Redis evicts nothing (its default policy) and refuses writes.
    await admin.config('SET', 'maxmemory-policy', 'noeviction')
    await admin.config('SET', 'maxmemory', '1')
    const dump = () => snapshot(admin, '*')
    const before = await dump()
    const refused: Record<string, E.Either<Error, unknown>> = {
      record: await store.record('api'),
      checkAndRecord: await limit.checkAndRecord('api'),
      reserve: await limit.reserve('api'),
      mergeAll: await store.mergeAll({ api: exported.right.api! }),
      commit: await held.right.commit()
    }
    for (const [name, answer] of Object.entries(refused)) expect([name, E.isLeft(answer) && answer.left.name, E.isLeft(answer) && /OOM/.test(answer.left.message)]).toEqual([name, 'StorageError', true])
    expect(await dump()).toEqual(before)
    // What only reads answers as before.
    expect(await store.query('api').lastMinutes(1).sum()).toEqual(E.right(O.some(1)))
    expect(await store.queryMany(['api', 'report']).lastHours(1).sum()).toEqual(E.right(O.some(3)))
    expect(await limit.usage('api')).toMatchObject(E.right({ count: 2, limit: 100 })) // one recorded, one held
    expect(await store.events()).toEqual(E.right(['api', 'report']))
    expect(await store.exportAll()).toEqual(exported)
    // Deleting frees memory: Redis allows it.
    expect(await store.delete('report')).toEqual(E.right(undefined))
    expect(await store.events()).toEqual(E.right(['api']))
    // With memory again, writes go through, and the reservation is still held.
    await admin.config('SET', 'maxmemory', '0')
    expect(await limit.checkAndRecord('api')).toEqual(E.right(undefined))
    expect(await held.right.commit()).toEqual(E.right(undefined))
    expect(await store.query('api').lastMinutes(1).sum()).toEqual(E.right(O.some(3)))
  })

  it('answers from the opt-in fallback store while Redis fails, and says so', async () => {
    const server = await ownServer()
    const local = EventStore.builder().timeZone('UTC').build()
    const used: StorageError[] = []
    const store = await connect({ client: client(strict, server.port), timeoutMillis: 300, fallback: { store: local, onUse: (e) => used.push(e) } })
    const limit = store.limit().atMost('api', 2, 'hours')
    expect(await limit.checkAndRecord('api')).toEqual(E.right(undefined))
    await server.kill('SIGKILL')
    expect(await limit.checkAndRecord('api')).toEqual(E.right(undefined)) // the local store: empty so far
    expect(await limit.checkAndRecord('api')).toEqual(E.right(undefined))
    const refused = await limit.checkAndRecord('api')
    expect(E.isLeft(refused) && refused.left._tag).toBe('LimitExceeded')
    expect(await store.query('api').lastHours(1).sum()).toEqual(E.right(O.some(2)))
    expect(await store.record('api')).toEqual(E.right(undefined))
    expect(local.query('api').lastHours(1).sum()).toEqual(O.some(3))
    expect(used.length).toBe(5)
    expect(used.every((e) => e._tag === 'StorageError')).toBe(true)
    // Reservations never fall back.
    const held = await limit.reserve('other')
    expect(E.isLeft(held) && held.left._tag).toBe('StorageError')
  }, 60_000)
})
