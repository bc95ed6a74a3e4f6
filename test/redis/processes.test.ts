// Several Node processes on one Redis: decisions are exact under contention (8 processes x 2,000
// concurrent checkAndRecord on one key pass exactly 100 per minute bucket, never more), and a
// reservation held in one process is counted by the others.
import type { ChildProcess } from 'node:child_process'
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'
import { afterEach, describe, expect, it } from 'vitest'
import { Calendar, Counter } from 'tiny-counter'
import type { BurstResult, WorkerRequest } from './worker.ts'
import { client, connect, freshPrefix } from './connect.ts'
import { redisPort } from './redisServer.ts'

const workerScript = fileURLToPath(new URL('./worker.ts', import.meta.url))

interface Worker {
  readonly ask: <A>(request: WorkerRequest) => Promise<A>
  readonly child: ChildProcess
}

const running: Worker[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map(async (w) => {
    if (w.child.exitCode === null && w.child.connected) w.child.send({ op: 'exit' } satisfies WorkerRequest)
    await new Promise((resolve) => (w.child.exitCode !== null ? resolve(undefined) : w.child.once('exit', resolve)))
  }))
})

/** Starts a worker process on the tests' Redis under `prefix` (on Redis's clock, or a fixed one). */
const startWorker = (prefix: string, fixedClock?: number): Promise<Worker> =>
  new Promise((resolve, reject) => {
    const child = fork(workerScript, [String(redisPort()), prefix, fixedClock === undefined ? '' : String(fixedClock)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc']
    })
    const replies: Array<(message: { ok?: unknown; failed?: string }) => void> = []
    child.on('message', (message: { ready?: boolean; ok?: unknown; failed?: string }) => {
      if (message.ready === true) {
        const worker: Worker = {
          child,
          ask: <A>(request: WorkerRequest) =>
            new Promise<A>((res, rej) => {
              replies.push((m) => (m.failed !== undefined ? rej(new Error(m.failed)) : res(m.ok as A)))
              child.send(request)
            })
        }
        running.push(worker)
        resolve(worker)
      } else replies.shift()?.(message)
    })
    child.once('exit', (code) => reject(new Error(`worker exited with code ${code}`)))
  })

const PROCESSES = 8
const CALLS = 2_000

/** The non-zero minute buckets of the event, by index, as a store on the prefix exports it. */
const minuteCounts = async (prefix: string, event: string): Promise<Map<number, number>> => {
  const store = await connect({ prefix })
  const exported = await store.exportAll()
  if (E.isLeft(exported)) throw exported.left
  const counter = exported.right[event]
  const out = new Map<number, number>()
  if (counter === undefined) return out
  const minutes = counter.layout.tracks.findIndex((t) => t.unit === 'minutes')
  Counter.toBuckets(counter)[minutes]!.forEach((n, ago) => {
    if (n > 0) out.set(counter.heads[minutes]! - ago, n)
  })
  return out
}

describe('several processes on one Redis', () => {
  it(`pass exactly 100 of ${PROCESSES} x ${CALLS} concurrent calls in one minute bucket (one fixed instant)`, async () => {
    const prefix = freshPrefix()
    const at = Date.UTC(2026, 0, 5, 10, 30, 15)
    const workers = await Promise.all(Array.from({ length: PROCESSES }, () => startWorker(prefix, at)))
    const results = await Promise.all(workers.map((w) => w.ask<BurstResult>({ op: 'burst', event: 'api', calls: CALLS })))
    const passed = results.reduce((s, r) => s + r.passed, 0)
    const refused = results.reduce((s, r) => s + r.refused, 0)
    expect(results.flatMap((r) => r.others)).toEqual([])
    expect(passed).toBe(100)
    expect(refused).toBe(PROCESSES * CALLS - 100)
    // Every refusal says: wait until the next minute (10:31:00), exactly.
    expect(new Set(results.flatMap((r) => r.retryAfters))).toEqual(new Set([45_000]))
    const counts = await minuteCounts(prefix, 'api')
    expect([...counts.entries()]).toEqual([[Calendar.bucketIndex('calendar', 'UTC', 'minutes', at), 100]])
  }, 120_000)

  it(`never pass more than 100 in a minute bucket on Redis's clock (${PROCESSES} x ${CALLS} calls)`, async () => {
    const prefix = freshPrefix()
    const workers = await Promise.all(Array.from({ length: PROCESSES }, () => startWorker(prefix)))
    const results = await Promise.all(workers.map((w) => w.ask<BurstResult>({ op: 'burst', event: 'api', calls: CALLS })))
    const passed = results.reduce((s, r) => s + r.passed, 0)
    expect(results.flatMap((r) => r.others)).toEqual([])
    const counts = await minuteCounts(prefix, 'api')
    // What passed is exactly what was recorded, and no minute bucket holds more than 100.
    expect([...counts.values()].reduce((s, n) => s + n, 0)).toBe(passed)
    for (const n of counts.values()) expect(n).toBeLessThanOrEqual(100)
    // The burst takes seconds, so at most two minute buckets, and one of them received far more
    // than 100 calls: that one passed exactly 100 (a bucket fills up before any refusal).
    expect(counts.size).toBeGreaterThan(0)
    expect(counts.size).toBeLessThanOrEqual(2)
    expect([...counts.values()]).toContain(100)
    expect(results.reduce((s, r) => s + r.refused, 0)).toBe(PROCESSES * CALLS - passed)
  }, 120_000)

  it('count a reservation held in one process in every other', async () => {
    const prefix = freshPrefix()
    const [holder] = await Promise.all([startWorker(prefix)])
    const here = await connect({ prefix })
    const limit = here.limit().atMost('export', 1, 'hours')
    expect(await holder!.ask({ op: 'reserve', event: 'export' })).toEqual({ reserved: true })
    const refused = await limit.check('export')
    expect(E.isLeft(refused) && refused.left._tag).toBe('LimitExceeded')
    expect(await limit.usage('export')).toEqual(E.right({ count: 1, limit: 1, remaining: 0 }))
    const other = await startWorker(prefix)
    expect(await other.ask({ op: 'reserve', event: 'export' })).toEqual({ reserved: false, why: 'LimitExceeded' })
    expect(await holder!.ask({ op: 'cancel' })).toEqual({ cancelled: true })
    expect(E.isRight(await limit.checkAndRecord('export'))).toBe(true)
  }, 120_000)
})
