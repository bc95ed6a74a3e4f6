// An HTTP API in three processes (as behind a load balancer) sharing one rate limit in Redis:
// "3 a second and 10 a minute" per user, decided in one script call against the counts of every
// process, answering 429 with an exact Retry-After. Run it with a Redis on 127.0.0.1:6390 (or
// TINY_COUNTER_REDIS_PORT): `npx tsx --tsconfig test/tsconfig.json docs/examples/redis-http.ts`.
import assert from 'node:assert/strict'
import { fork } from 'node:child_process'
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'
import { Redis } from 'ioredis'
import { RedisStore } from 'tiny-counter/redis'

const redisPort = Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390)

/** One server process: its own Redis client and store, the limit shared through Redis. */
const serve = async (prefix: string): Promise<void> => {
  // Decisions must fail fast and never be sent twice: no offline queue, no automatic resend.
  const client = new Redis({ port: redisPort, maxRetriesPerRequest: 0, enableOfflineQueue: false, autoResendUnfulfilledCommands: false })
  const store = await RedisStore.connect({ client, prefix, preset: 'rateLimiting', timeZone: 'UTC', timeoutMillis: 500 })
  const server = createServer(async (request, response) => {
    const user = new URL(request.url ?? '/', 'http://localhost').searchParams.get('user') ?? 'anonymous'
    const event = `api:${user}`
    const decision = await store.limit().atMost(event, 3, 'seconds').atMost(event, 10, 'minutes').checkAndRecord(event)
    if (E.isRight(decision)) return void response.writeHead(200).end(JSON.stringify({ ok: true, pid: process.pid }))
    if (decision.left._tag === 'LimitExceeded') {
      // The exact wait in milliseconds; the header takes whole seconds, rounded up.
      const ms = decision.left.retryAfter._tag === 'Some' ? decision.left.retryAfter.value : undefined
      const headers = ms === undefined ? {} : { 'Retry-After': String(Math.ceil(ms / 1000)) }
      return void response.writeHead(429, headers).end(JSON.stringify({ retryAfterMs: ms, pid: process.pid }))
    }
    // Redis down or slow (StorageError): refuse, never let the request through unchecked.
    response.writeHead(503).end()
  })
  server.listen(0, '127.0.0.1', () => {
    const address = server.address()
    process.send!({ port: typeof address === 'object' && address !== null ? address.port : 0 })
  })
  process.on('disconnect', () => {
    server.close()
    client.disconnect()
  })
}

/** The primary: starts three servers, then calls them in turn as a load balancer would. */
const main = async (): Promise<void> => {
  const prefix = `example:http:${crypto.randomUUID()}`
  const self = fileURLToPath(import.meta.url)
  // tsx runs the TypeScript; the tsconfig maps 'tiny-counter' to the sources (not needed once installed).
  const tsconfig = fileURLToPath(new URL('../../test/tsconfig.json', import.meta.url))
  const workers = Array.from({ length: 3 }, () =>
    fork(self, ['serve', prefix], { execArgv: ['--import', 'tsx'], env: { ...process.env, TSX_TSCONFIG_PATH: tsconfig }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  )
  try {
    const ports = await Promise.all(
      workers.map(
        (w) =>
          new Promise<number>((resolve, reject) => {
            w.once('message', (m: { port: number }) => resolve(m.port))
            w.once('exit', (code) => reject(new Error(`a server process exited (code ${code})`)))
          })
      )
    )
    let turn = 0
    const call = async (user: string): Promise<{ status: number; retryAfter: string | null; body: { pid: number; retryAfterMs?: number } }> => {
      const response = await fetch(`http://127.0.0.1:${ports[turn++ % ports.length]}/?user=${user}`)
      return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as { pid: number; retryAfterMs?: number } }
    }
    // Alice calls until refused: each of the three processes counts the others' calls.
    const answers = []
    for (let i = 0; i < 8; i++) {
      const answer = await call('alice')
      answers.push(answer)
      if (answer.status === 429) break
    }
    const refused = answers.at(-1)!
    console.log(`alice: ${answers.map((a) => `${a.status} (pid ${a.body.pid})`).join(', ')}`)
    assert.equal(refused.status, 429)
    assert.ok(answers.filter((a) => a.status === 200).length >= 3)
    assert.ok(new Set(answers.map((a) => a.body.pid)).size > 1, 'served by several processes')
    // A second holds 3: the wait ends when the current second does, within a second.
    const ms = refused.body.retryAfterMs!
    assert.ok(ms > 0 && ms <= 1_000)
    assert.equal(refused.retryAfter, String(Math.ceil(ms / 1000)))
    console.log(`refused with Retry-After: ${refused.retryAfter} (exactly ${ms} ms)`)
    // Waiting exactly that long is enough, whichever process answers.
    await new Promise((resolve) => setTimeout(resolve, ms))
    const after = await call('alice')
    console.log(`after ${ms} ms: ${after.status}`)
    assert.equal(after.status, 200)
    assert.equal((await call('bob')).status, 200) // users are counted apart
  } finally {
    // A worker that has exited has no channel left to close (disconnecting it would throw and hide
    // why the example failed).
    for (const w of workers) if (w.connected) w.disconnect()
  }
}

if (process.argv[2] === 'serve') await serve(process.argv[3]!)
else await main()
