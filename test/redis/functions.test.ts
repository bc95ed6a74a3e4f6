import * as E from 'fp-ts/lib/Either.js'
import type { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { Layout, TestClock } from 'tiny-counter'
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

/** The names of the loaded Functions libraries of layouts whose units have these bucket counts. */
const librariesOf = async (redis: Redis, lengths: ReadonlyArray<number>): Promise<ReadonlyArray<string>> => {
  const libraries = (await redis.call('FUNCTION', 'LIST', 'WITHCODE', 'LIBRARYNAME', 'tiny_counter_*')) as ReadonlyArray<ReadonlyArray<unknown>>
  return libraries
    .filter((entry) => String(entry[entry.indexOf('library_code') + 1]).includes(`local LENGTHS = {${lengths.join(', ')}}`))
    .map((entry) => String(entry[entry.indexOf('library_name') + 1]))
}

/**
 * The name of the library of a layout of a test's own (these bucket counts), once its store is
 * connected. The libraries that earlier versions left on a server kept running between test runs
 * are deleted first (by `forget`, before connecting), so that the one found is this version's.
 */
const libraryOf = async (redis: Redis, lengths: ReadonlyArray<number>): Promise<string | undefined> => {
  const names = await librariesOf(redis, lengths)
  if (names.length > 1) throw new Error(`several libraries of the layout ${lengths.join(', ')}: ${names.join(', ')}`)
  return names[0]
}

const forget = async (redis: Redis, lengths: ReadonlyArray<number>): Promise<void> => {
  for (const name of await librariesOf(redis, lengths)) await redis.call('FUNCTION', 'DELETE', name)
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
    // Redis forgets the library (FUNCTION DELETE, FUNCTION FLUSH, a restart without persistence):
    // the library of a layout of this test's own, so that no other test loses its library.
    const layout = Layout.make({ minutes: 9, hours: 3 }, { timeZone: 'UTC' })
    if (E.isLeft(layout)) throw layout.left
    await forget(redis, [9, 3])
    const store = await connect({ client: redis, layout: layout.right, clock: TestClock.at(Date.UTC(2026, 0, 5, 10, 0, 45)) })
    const api = store.limit().atMost('y', 1, 'minutes')
    expect(await api.checkAndRecord('y')).toEqual(E.right(undefined))
    const name = await libraryOf(redis, [9, 3])
    if (name === undefined) throw new Error('the layout has no library loaded')
    await redis.call('FUNCTION', 'DELETE', name)
    expect(await libraryOf(redis, [9, 3])).toBeUndefined()
    const refused = await api.checkAndRecord('y')
    expect(E.isLeft(refused) && refused.left._tag).toBe('LimitExceeded')
    expect(await libraryOf(redis, [9, 3])).toBe(name)
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

  it('give a StorageError, not an exception, when the server answers a decision with something else than the scripts do', async () => {
    // A layout of its own, so that the library replaced here is no other test's.
    const layout = Layout.make({ minutes: 7, hours: 5 }, { timeZone: 'UTC' })
    if (E.isLeft(layout)) throw layout.left
    const redis = client()
    await forget(redis, [7, 5])
    const store = await connect({ client: redis, layout: layout.right })
    const api = store.limit().atMost('x', 2, 'minutes')
    expect(await api.checkAndRecord('x')).toEqual(E.right(undefined))
    const name = await libraryOf(redis, [7, 5])
    if (name === undefined) throw new Error('the layout has no library loaded')
    // Not a list; a refusal by a constraint the limit has not; refusals whose counts are no hash
    // and no meta field.
    for (const [reply, shown] of [
      ["'garbage'", '"garbage"'],
      ['{5, 1, 99}', '[5,1,99]'],
      ["{1, 1, 1, 'not a hash', 0}", '[1,1,1,"not a hash",0]'],
      ['{5, 1, 1, 42, 0, 1, 1}', '[5,1,1,42,0,1,1]']
    ] as const) {
      await redis.call('FUNCTION', 'LOAD', 'REPLACE', `#!lua name=${name}\nredis.register_function('${name}_decide', function() return ${reply} end)`)
      const answer = await api.checkAndRecord('x')
      expect(E.isLeft(answer) && answer.left._tag).toBe('StorageError')
      expect(E.isLeft(answer) && answer.left.message).toContain(`unexpected reply ${shown}`)
    }
    // Its other functions are gone: the store loads its library again, and decides as before.
    expect(await store.record('x')).toEqual(E.right(undefined))
    const refused = await api.checkAndRecord('x')
    expect(E.isLeft(refused) && refused.left._tag).toBe('LimitExceeded')
  })
})
