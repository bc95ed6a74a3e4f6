/**
 * The Redis server of the tests (vitest `globalSetup`). With `TINY_COUNTER_REDIS_PORT` set (as
 * `.ci/run` does), the tests use the server on that loopback port and fail at once when it does not
 * answer; without it, this starts Debian's `redis-server` on a free loopback port, with AOF on, in
 * a temporary directory, and stops it afterwards. Never skips: no Redis, no passing run.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RedisServer, freePort, ping } from './redisServer.ts'

export default async function setup(): Promise<() => Promise<void>> {
  const given = process.env.TINY_COUNTER_REDIS_PORT
  if (given !== undefined && given !== '') {
    const port = Number(given)
    if (!(await ping(port))) throw new Error(`TINY_COUNTER_REDIS_PORT=${given}, but no Redis answers on 127.0.0.1:${given}`)
    return async () => {}
  }
  const dir = mkdtempSync(join(tmpdir(), 'tiny-counter-redis-'))
  const server = await RedisServer.start({ port: await freePort(), dir, appendfsync: 'everysec' })
  process.env.TINY_COUNTER_REDIS_PORT = String(server.port)
  return async () => {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
