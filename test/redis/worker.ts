/**
 * A Node process of the multi-process tests (forked with tsx): connects a RedisStore to the port
 * and prefix it is given, then obeys the parent's messages: `burst` fires that many concurrent
 * `checkAndRecord` calls at once under `atMost(100, 'minutes')` and `atMost(1000, 'hours')`,
 * `reserve` holds a reservation under `atMost(1, 'hours')`, `cancel` releases it.
 */
import * as E from 'fp-ts/lib/Either.js'
import { Redis } from 'ioredis'
import { TestClock } from '../../src/index.ts'
import type { RedisReservation } from '../../src/redis/index.ts'
import { RedisStore } from '../../src/redis/index.ts'

export type WorkerRequest =
  | { readonly op: 'burst'; readonly event: string; readonly calls: number }
  | { readonly op: 'reserve'; readonly event: string }
  | { readonly op: 'cancel' }
  | { readonly op: 'exit' }

export interface BurstResult {
  readonly passed: number
  readonly refused: number
  /** Tags of other answers (none expected). */
  readonly others: ReadonlyArray<string>
  /** Redis-clock minute of every refusal's retry-after end, to check against the counts. */
  readonly retryAfters: ReadonlyArray<number>
}

const [port, prefix, fixedClock] = process.argv.slice(2)
const client = new Redis({ port: Number(port), host: '127.0.0.1' })
const store = await RedisStore.connect({
  client,
  prefix: prefix!,
  timeZone: 'UTC',
  ...(fixedClock !== undefined && fixedClock !== '' ? { clock: TestClock.at(Number(fixedClock)) } : {}),
  timeoutMillis: 30_000
})
let held: RedisReservation | undefined

const answer = async (request: WorkerRequest): Promise<unknown> => {
  switch (request.op) {
    case 'burst': {
      const limit = store.limit().atMost(request.event, 100, 'minutes').atMost(request.event, 1000, 'hours')
      const results = await Promise.all(Array.from({ length: request.calls }, () => limit.checkAndRecord(request.event)))
      const others: string[] = []
      const retryAfters: number[] = []
      let passed = 0
      let refused = 0
      for (const r of results) {
        if (E.isRight(r)) passed++
        else if (r.left._tag === 'LimitExceeded') {
          refused++
          if (r.left.retryAfter._tag === 'Some') retryAfters.push(r.left.retryAfter.value)
        } else others.push(r.left._tag)
      }
      return { passed, refused, others, retryAfters } satisfies BurstResult
    }
    case 'reserve': {
      const r = await store.limit().atMost(request.event, 1, 'hours').reserve(request.event, { expiresAfter: { minutes: 5 } })
      if (E.isLeft(r)) return { reserved: false, why: r.left._tag }
      held = r.right
      return { reserved: true }
    }
    case 'cancel':
      return { cancelled: E.isRight((await held?.cancel()) ?? E.right(undefined)) }
    case 'exit':
      client.disconnect()
      process.disconnect()
      return undefined
  }
}

process.on('message', (request: WorkerRequest) => {
  answer(request).then(
    (reply) => reply !== undefined && process.send!({ ok: reply }),
    (error: unknown) => process.send!({ failed: String((error as Error)?.stack ?? error) })
  )
})
process.send!({ ready: true })
