/** Connecting the tests to their Redis server: a fresh prefix per store, clients closed after. */
import { Redis } from 'ioredis'
import type { RedisOptions } from 'ioredis'
import { afterAll } from 'vitest'
import type { RedisStoreOptions } from 'tiny-counter/redis'
import { RedisStore } from 'tiny-counter/redis'
import { redisPort } from './redisServer.ts'

const clients: Redis[] = []
afterAll(() => {
  for (const client of clients.splice(0)) client.disconnect()
})

/** Client options for decisions, as docs/REDIS.md gives them: fail at once while disconnected, and never send a command again on its own after a reconnect. */
export const decisionOptions = { maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false, enableOfflineQueue: false } as const

/** A client of the tests' server (disconnected after the file's tests). */
export const client = (options: RedisOptions = {}, port: number = redisPort()): Redis => {
  const made = new Redis({ port, host: '127.0.0.1', ...options })
  made.on('error', () => {})
  clients.push(made)
  return made
}

/** Every key matching `pattern` with its bytes (DUMP) and its expiry, in key order: to compare before and after. */
export const snapshot = async (redis: Redis, pattern: string): Promise<ReadonlyArray<readonly [string, unknown, number]>> =>
  Promise.all((await redis.keys(pattern)).sort().map(async (key) => [key, await redis.dump(key), await redis.pexpiretime(key)] as const))

/** A prefix no other test uses (no ':' in it, so that its key names are as written: see `inKeys`). */
export const freshPrefix = (): string => `test-${crypto.randomUUID()}`

/** A prefix as key names hold it, as docs/REDIS.md says: each ':' and backslash preceded by a backslash. */
export const inKeys = (prefix: string): string => prefix.replace(/[\\:]/g, (c) => `\\${c}`)

/** A store on the tests' server under a fresh prefix (UTC unless told otherwise). */
export const connect = (options: Partial<RedisStoreOptions> = {}): Promise<RedisStore> =>
  RedisStore.connect({ client: options.client ?? client(), prefix: freshPrefix(), timeZone: 'UTC', ...options })
