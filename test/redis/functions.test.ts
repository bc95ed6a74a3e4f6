import * as E from 'fp-ts/lib/Either.js'
import type { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { TestClock } from 'tiny-counter'
import { client, connect } from './connect.ts'

/** The names of the commands a client sends from now on. */
const sniff = (redis: Redis): string[] => {
  const names: string[] = []
  const send = redis.sendCommand.bind(redis)
  redis.sendCommand = ((...args: Parameters<typeof send>) => {
    names.push(args[0].name)
    return send(...args)
  }) as typeof redis.sendCommand
  return names
}

/** Three calls under "at most 2 a minute": pass, pass, refused. */
const threeCalls = async (redis: Redis): Promise<ReadonlyArray<string>> => {
  const store = await connect({ client: redis, clock: TestClock.at(Date.UTC(2026, 0, 5, 10, 0, 45)) })
  const api = store.limit().atMost('x', 2, 'minutes')
  const out: string[] = []
  for (let i = 0; i < 3; i++) {
    const r = await api.checkAndRecord('x')
    out.push(E.isRight(r) ? 'passed' : r.left._tag)
  }
  return out
}

describe('RedisStore scripts', () => {
  it('run as a Redis Functions library on Redis 7, loaded again when Redis has lost it', async () => {
    const redis = client()
    const sent = sniff(redis)
    expect(await threeCalls(redis)).toEqual(['passed', 'passed', 'LimitExceeded'])
    const called = sent.filter((name) => name === 'fcall' || name === 'evalsha')
    expect(called).toEqual(['fcall', 'fcall', 'fcall'])
    // Redis forgets the library (FUNCTION DELETE, FUNCTION FLUSH, a restart without persistence).
    const store = await connect({ client: redis, clock: TestClock.at(Date.UTC(2026, 0, 5, 10, 0, 45)) })
    const api = store.limit().atMost('y', 1, 'minutes')
    expect(await api.checkAndRecord('y')).toEqual(E.right(undefined))
    const library = (await redis.call('FUNCTION', 'LIST', 'LIBRARYNAME', 'tiny_counter_')) as ReadonlyArray<ReadonlyArray<unknown>>
    for (const entry of library) await redis.call('FUNCTION', 'DELETE', String(entry[1]))
    const refused = await api.checkAndRecord('y')
    expect(E.isLeft(refused) && refused.left._tag).toBe('LimitExceeded')
  })

  it('run as scripts (EVALSHA) where the user may not load functions, with the same answers', async () => {
    const admin = client()
    const user = `tc-${crypto.randomUUID()}`
    await admin.call('ACL', 'SETUSER', user, 'on', '>secret', '~*', '&*', '+@all', '-function')
    try {
      const redis = client({ username: user, password: 'secret' })
      const sent = sniff(redis)
      expect(await threeCalls(redis)).toEqual(['passed', 'passed', 'LimitExceeded'])
      expect(sent.filter((name) => name === 'fcall' || name === 'evalsha')).toEqual(['evalsha', 'evalsha', 'evalsha'])
    } finally {
      await admin.call('ACL', 'DELUSER', user)
    }
  })

  it('are written to the socket a few at a time while many calls are in flight, and one by one otherwise', async () => {
    const redis = client()
    const store = await connect({ client: redis })
    const api = store.limit().atMost('z', 100, 'minutes')
    // The socket's writes from now on: how many, and how many commands each carried.
    const writes: number[] = []
    const socket = redis.stream as unknown as { _writev: (chunks: unknown[], cb: unknown) => void; _write: (chunk: unknown, encoding: unknown, cb: unknown) => void }
    const writev = socket._writev.bind(socket)
    const write = socket._write.bind(socket)
    socket._writev = (chunks, cb) => (writes.push(chunks.length), writev(chunks, cb))
    socket._write = (chunk, encoding, cb) => (writes.push(1), write(chunk, encoding, cb))
    const answers = await Promise.all(Array.from({ length: 150 }, () => api.checkAndRecord('z')))
    expect(answers.filter(E.isRight)).toHaveLength(100)
    expect(answers.filter((a) => E.isLeft(a) && a.left._tag === 'LimitExceeded')).toHaveLength(50)
    // The first call at once, then the others eight to a write.
    expect(writes).toEqual([1, ...Array.from({ length: 18 }, () => 8), 5])
    writes.length = 0
    for (let i = 0; i < 3; i++) expect(E.isLeft(await api.check('z'))).toBe(true)
    expect(writes).toEqual([1, 1, 1])
  })
})
