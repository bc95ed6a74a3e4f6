/**
 * The Redis section: `checkAndRecord` of a limit with two windows (`atMost(key, 10, 'minutes')` and
 * `atMost(key, 100, 'hours')`, decided together in one script call) on a `RedisStore`, side by side
 * with rate-limiter-flexible on the same Redis server: `RateLimiterRedis.consume` with one window
 * (10 points per 60 s) and `RateLimiterUnion` of two (10 per 60 s, 100 per hour: two calls, not
 * atomic together). The section starts its own `redis-server` on a free loopback port (no
 * persistence: the library is measured, not the disk) and every case talks to it over TCP.
 *
 * Each case runs in its own process (see `harness.ts`); the cases take turns, one round each, so
 * they never compete for the server. A round is `REDIS_OPS` calls over 100,000 keys taken in turn
 * under a new prefix per process: a process makes at most 44,000 calls, so every call decides on a
 * key never seen (the path of a new event) and passes; `oursAgain`/`rlfAgain` measure keys that
 * come back (1,000 keys, most calls refused). With 1 call in flight (each awaited
 * before the next) or 64 (64 lanes, each awaiting its own calls). Reported: throughput (calls per
 * second, the median round), the ratio to rate-limiter-flexible (the median of the round-by-round
 * ratios, and the median of each pass: how far apart passes with fresh processes land), the share
 * passed, p50 and p99 latency of single calls (timed rounds only), and round trips per decision
 * (commands the client sent, counted on the client).
 *
 * This store is measured as users run it: the built package (`dist`, made by `npm run bench`
 * before it starts), not the source as tsx compiles it on the fly. tsx turns on esbuild's
 * `keepNames`, which wraps every named closure made in a call (`const f = () => ...`) in an
 * `Object.defineProperty`: a cost the build does not have and the peers, plain JavaScript from
 * node_modules, never pay (it showed as 4-7% of this store's throughput with 1 call in flight).
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { RateLimiterRedis, RateLimiterUnion } from 'rate-limiter-flexible'
import type * as Package from 'tiny-counter'
import type * as RedisEntry from 'tiny-counter/redis'
import type { AsyncBody, CaseProcess, Prepared } from './harness.ts'
import { interleave, median } from './harness.ts'
import type { TableRow } from './readme.ts'
import { REDIS_SERVER, freePort } from '../redis/redisServer.ts'

export type RedisVariant = 'ours' | 'rlf' | 'union' | 'oursAgain' | 'rlfAgain' | 'floor' | 'fcall0' | 'evalsha0'
/**
 * `oursAgain` and `rlfAgain`: the same two limiters on 1,000 keys instead of 100,000, so that every
 * key comes back many times a minute and most calls are refused (what a rate limiter under load
 * sees); reported beside the target, not as one.
 */
export const REDIS_VARIANTS: ReadonlyArray<RedisVariant> = ['ours', 'rlf', 'union', 'oursAgain', 'rlfAgain']
const KEYS_AGAIN = 1_000
/**
 * With `--redis-floor`, references called through ioredis as the others are: `floor`, a Redis
 * Function deciding two windows exactly and atomically with the least work that reads and then
 * writes (`TIME`, `HMGET` of the two current buckets, `HSET` of both, `PEXPIREAT`; no heads, no
 * trimming, no reservations: the client names the buckets; the store's new-event path runs one
 * command fewer, see docs/REDIS.md); `fcall0` and `evalsha0`, a function and a script that return
 * at once (the cost of a round trip of each kind of call).
 */
export const FLOOR_VARIANTS: ReadonlyArray<RedisVariant> = ['floor', 'fcall0', 'evalsha0']
const ALL_VARIANTS: ReadonlyArray<RedisVariant> = [...REDIS_VARIANTS, ...FLOOR_VARIANTS]
export const IN_FLIGHT: ReadonlyArray<number> = [1, 64]
const KEYS = 100_000
const PER_MINUTE = 10
const PER_HOUR = 100
const REDIS_OPS = 2_000
const WARMUP_ROUNDS = 2

export const redisCaseId = (variant: RedisVariant, inFlight: number): string => `redis/${variant}/${inFlight}`

interface CaseData {
  readonly port: number
}

/** A client that counts the commands it sends (round trips, as ioredis pipelines nothing here). */
const countingClient = (port: number): { client: Redis; sent: () => number } => {
  const client = new Redis({ port, host: '127.0.0.1' })
  // The harness ends a case by disconnecting from it: let the process exit then.
  process.once('disconnect', () => client.disconnect())
  let sent = 0
  const send = client.sendCommand.bind(client)
  client.sendCommand = ((...args: Parameters<typeof send>) => {
    sent++
    return send(...args)
  }) as typeof client.sendCommand
  return { client, sent: () => sent }
}

/** One decision: resolves true (passed) or false (refused); rejects on anything else. */
type Decide = (key: string) => Promise<boolean>

/** The functions of the floor variants (see `FLOOR_VARIANTS`). */
const FLOOR_LIBRARY = `#!lua name=tiny_counter_bench_floor
redis.register_function('floor_decide', function(KEYS, ARGV)
  local tm = redis.call('TIME')
  local t = tonumber(tm[1]) * 1000 + math.floor(tonumber(tm[2]) / 1000)
  if t < tonumber(ARGV[1]) or t >= tonumber(ARGV[2]) then return {2, t} end
  local v = redis.call('HMGET', KEYS[1], ARGV[4], ARGV[5])
  local m, h = tonumber(v[1]) or 0, tonumber(v[2]) or 0
  if m >= ${PER_MINUTE} or h >= ${PER_HOUR} then return {1, t} end
  redis.call('HSET', KEYS[1], ARGV[4], m + 1, ARGV[5], h + 1)
  redis.call('PEXPIREAT', KEYS[1], ARGV[3])
  return {0, t}
end)
redis.register_function('floor_noop', function(KEYS, ARGV) return 0 end)
`

/** The floor's frame: the UTC minute and hour of an instant, the last one remembered. */
const floorFrame = (() => {
  let frame: ReadonlyArray<string> = []
  let lo = 0
  let hi = 0
  return (now: number): ReadonlyArray<string> => {
    if (now < lo || now >= hi) {
      const minute = Math.floor(now / 60_000)
      lo = minute * 60_000
      hi = lo + 60_000
      const hour = Math.floor(now / 3_600_000)
      frame = [String(minute * 60_000), String(hi), String((hour + 2) * 3_600_000), `m${minute}`, `h${hour}`]
    }
    return frame
  }
})()

/** The built package's main entry and Redis entry (see the header). */
const built = async (): Promise<{ readonly Limit: typeof Package.Limit; readonly RedisStore: typeof RedisEntry.RedisStore }> => {
  const main = (await import(new URL('../../dist/index.js', import.meta.url).href)) as typeof Package
  const redis = (await import(new URL('../../dist/redis/index.js', import.meta.url).href)) as typeof RedisEntry
  return { Limit: main.Limit, RedisStore: redis.RedisStore }
}

const deciderOf = async (variant: RedisVariant, client: Redis): Promise<Decide> => {
  if (variant === 'oursAgain' || variant === 'rlfAgain') return deciderOf(variant === 'oursAgain' ? 'ours' : 'rlf', client)
  const prefix = `bench:${variant}:${crypto.randomUUID()}`
  if (variant === 'floor' || variant === 'fcall0') {
    await client.function('LOAD', 'REPLACE', FLOOR_LIBRARY)
    if (variant === 'fcall0') return async (key) => (await client.fcall('floor_noop', 1, `{${prefix}:${key}}`)) === 0
    return async (key) => {
      let r = (await client.fcall('floor_decide', 1, `{${prefix}:${key}}`, ...floorFrame(Date.now()))) as [number, number]
      // Redis's clock in another minute than the frame (a call that crossed the minute): again
      // with Redis's minute, as the store does.
      for (let tries = 1; r[0] === 2; tries++) {
        if (tries === 4) throw new Error('the floor function kept seeing another minute than the client')
        r = (await client.fcall('floor_decide', 1, `{${prefix}:${key}}`, ...floorFrame(Number(r[1])))) as [number, number]
      }
      return r[0] === 0
    }
  }
  if (variant === 'evalsha0') {
    const sha = (await client.script('LOAD', 'return 0')) as string
    return async (key) => (await client.evalsha(sha, 1, `${prefix}:${key}`)) === 0
  }
  if (variant === 'ours') {
    const { Limit, RedisStore } = await built()
    const store = await RedisStore.connect({ client, prefix, preset: 'rateLimiting', timeZone: 'Europe/Berlin', timeoutMillis: 10_000 })
    // One key-free policy for every key, as a server limits its users.
    const perKey = store.limit(Limit.policy().atMost(PER_MINUTE, 'minutes').atMost(PER_HOUR, 'hours'))
    return async (key) => {
      const r = await perKey.checkAndRecord(key)
      if (r._tag === 'Right') return true
      if (r.left._tag !== 'LimitExceeded') throw r.left
      return false
    }
  }
  const minute = new RateLimiterRedis({ storeClient: client, keyPrefix: `${prefix}:m`, points: PER_MINUTE, duration: 60 })
  const limiter = variant === 'rlf' ? minute : new RateLimiterUnion(minute, new RateLimiterRedis({ storeClient: client, keyPrefix: `${prefix}:h`, points: PER_HOUR, duration: 3600 }))
  return async (key) => {
    try {
      await limiter.consume(key)
      return true
    } catch (e) {
      if (e instanceof Error) throw e // a refusal rejects with its results, not an Error
      return false
    }
  }
}

const prepareCase = (variant: RedisVariant, inFlight: number) => async (data: CaseData): Promise<Prepared> => {
  const { client, sent } = countingClient(data.port)
  const decide = await deciderOf(variant, client)
  const keys = Array.from({ length: variant === 'oursAgain' || variant === 'rlfAgain' ? KEYS_AGAIN : KEYS }, (_, i) => `user:${i}`)
  let next = 0
  let latencies: number[] = []
  let passed = 0
  let calls = 0
  let sentAtWarmup = 0
  const body: AsyncBody = async (ops) => {
    let left = ops
    let ok = 0
    const lane = async (): Promise<void> => {
      while (left > 0) {
        left--
        const key = keys[next]!
        if (++next === keys.length) next = 0
        const t0 = process.hrtime.bigint()
        if (await decide(key)) ok++
        latencies.push(Number(process.hrtime.bigint() - t0))
      }
    }
    await Promise.all(Array.from({ length: inFlight }, lane))
    passed += ok
    calls += ops
    return ok
  }
  return {
    async: true,
    body,
    afterWarmup: () => {
      latencies = []
      passed = 0
      calls = 0
      sentAtWarmup = sent()
    },
    report: () => {
      const sorted = [...latencies].sort((a, b) => a - b)
      const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
      return { p50: at(0.5), p99: at(0.99), passed, calls, roundTrips: (sent() - sentAtWarmup) / calls }
    }
  }
}

/** The cases of this section, for `child.ts`. */
export const redisCases = ALL_VARIANTS.flatMap((variant) => IN_FLIGHT.map((inFlight) => ({ id: redisCaseId(variant, inFlight), prepare: prepareCase(variant, inFlight) })))

/** Starts Debian's redis-server for the section; resolves to its port and a way to stop it. */
const startServer = async (): Promise<{ port: number; stop: () => Promise<void> }> => {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'tiny-counter-bench-redis-'))
  const server = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' })
  const exited = new Promise((resolve) => server.once('exit', resolve))
  server.once('error', (error) => {
    throw new Error(`redis-server could not start (install Debian's redis-server): ${error.message}`)
  })
  const probe = new Redis({ port, host: '127.0.0.1', retryStrategy: (times) => (times > 100 ? null : 50) })
  probe.on('error', () => {})
  await probe.ping()
  probe.disconnect()
  return {
    port,
    stop: async () => {
      server.kill()
      await exited
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** A check of the section: a line of the report, and a README row for each target. */
export interface RedisCheck {
  readonly what: string
  readonly ok: boolean | undefined
  readonly value: string
  readonly row?: Omit<TableRow, 'ok'>
}

/**
 * Runs the section: every variant at 1 and 64 calls in flight, `passes` times with fresh processes,
 * `cycles` rounds each; returns its checks.
 */
export const redisSection = async (
  start: (id: string, data: unknown) => Promise<CaseProcess>,
  passes: number,
  cycles: number,
  floor = false
): Promise<ReadonlyArray<RedisCheck>> => {
  const variants = floor ? ALL_VARIANTS : REDIS_VARIANTS
  const server = await startServer()
  console.log(`redis: checkAndRecord under atMost(key, ${PER_MINUTE}, 'minutes') and atMost(key, ${PER_HOUR}, 'hours') (one script call) on a`)
  console.log(`RedisStore (rate-limiting preset, Europe/Berlin, Redis's clock), vs rate-limiter-flexible on the same redis-server`)
  console.log(`(loopback TCP, port ${server.port}, no persistence): RateLimiterRedis.consume (one window: ${PER_MINUTE} per 60 s) and`)
  console.log(`RateLimiterUnion of two (${PER_MINUTE} per 60 s, ${PER_HOUR} per hour); ${KEYS.toLocaleString('en-US')} keys taken in turn;`)
  console.log(`${passes} passes x ${cycles} rounds x ${REDIS_OPS} calls per case, the cases taking turns\n`)
  const checks: RedisCheck[] = []
  try {
    for (const inFlight of IN_FLIGHT) {
      const ids = variants.map((v) => redisCaseId(v, inFlight))
      const samples: number[][] = ids.map(() => [])
      const ratios: number[][] = ids.map(() => [])
      // The median ratio of each pass (fresh processes): how far apart whole passes land.
      const passRatios: number[][] = ids.map(() => [])
      const figures: Array<Record<string, number>> = ids.map(() => ({}))
      for (let pass = 0; pass < passes; pass++) {
        const processes = await Promise.all(ids.map((id) => start(id, { port: server.port } satisfies CaseData)))
        try {
          const result = await interleave(processes, { warmupRounds: WARMUP_ROUNDS, cycles, ops: REDIS_OPS })
          result.forEach((s, i) => {
            samples[i]!.push(...s)
            // Per round: rate-limiter-flexible's time over this variant's (above 1: this one is faster).
            const round = s.map((ns, k) => result[1]![k]! / ns)
            ratios[i]!.push(...round)
            passRatios[i]!.push(median(round))
          })
          const reported = await Promise.all(processes.map((p) => p.figures()))
          reported.forEach((f, i) => {
            for (const [key, value] of Object.entries(f)) figures[i]![key] = (figures[i]![key] ?? 0) + value / passes
          })
        } finally {
          await Promise.all(processes.map((p) => p.close()))
        }
        process.stderr.write('.')
      }
      process.stderr.write('\n')
      const perSecond = (i: number): number => 1e9 / median(samples[i]!)
      const us = (ns: number): string => `${(ns / 1000).toFixed(0)} µs`
      const label: Record<RedisVariant, string> = {
        ours: 'ours, two windows, one script',
        rlf: 'RateLimiterRedis, one window',
        union: 'RateLimiterUnion, two windows',
        oursAgain: 'ours, 1,000 keys (most refused)',
        rlfAgain: 'RateLimiterRedis, 1,000 keys',
        floor: 'floor: minimal two-window function',
        fcall0: 'FCALL of a no-op function',
        evalsha0: 'EVALSHA of a no-op script'
      }
      console.log(`${inFlight} call${inFlight === 1 ? '' : 's'} in flight`)
      console.log(`${'variant'.padEnd(34)} ${'calls/s'.padStart(9)} ${'vs rlf'.padStart(7)} ${'p50'.padStart(8)} ${'p99'.padStart(8)} ${'passed'.padStart(7)} ${'trips'.padStart(6)}`)
      variants.forEach((v, i) => {
        const f = figures[i]!
        console.log(
          `${label[v].padEnd(34)} ${perSecond(i).toFixed(0).padStart(9)} ${`${median(ratios[i]!).toFixed(2)}x`.padStart(7)} ${us(f.p50!).padStart(8)} ${us(f.p99!).padStart(8)} ${`${((100 * f.passed!) / f.calls!).toFixed(1)}%`.padStart(7)} ${f.roundTrips!.toFixed(2).padStart(6)}`
        )
      })
      console.log('')
      const ours = figures[0]!
      const speedup = median(ratios[0]!)
      const byPass = (i: number): string => passRatios[i]!.map((r) => `${r.toFixed(2)}x`).join(', ')
      const overUnion = median(samples[2]!.map((ns, k) => ns / samples[0]![k]!))
      checks.push({
        what: `checkAndRecord, two windows in one script, ${inFlight} in flight: at least the throughput of RateLimiterRedis.consume (one window)`,
        ok: speedup >= 1,
        value: `${speedup.toFixed(2)}x (${perSecond(0).toFixed(0)} vs ${perSecond(1).toFixed(0)} calls/s; passes ${byPass(0)}; RateLimiterUnion of two ${perSecond(2).toFixed(0)}, ours ${overUnion.toFixed(2)}x it)`,
        row: {
          operation: `Redis: \`checkAndRecord\`, two windows in one script, ${inFlight} in flight (p50 / p99)`,
          ours: `${perSecond(0).toFixed(0)}/s (${us(ours.p50!)} / ${us(ours.p99!)})`,
          peers: `RateLimiterRedis, one window ${perSecond(1).toFixed(0)}/s (${us(figures[1]!.p50!)} / ${us(figures[1]!.p99!)}); RateLimiterUnion of two ${perSecond(2).toFixed(0)}/s`,
          ratio: `${speedup.toFixed(2)}× RateLimiterRedis (passes ${byPass(0).replaceAll('x', '×')}), ${overUnion.toFixed(2)}× the union`,
          target: '≥ 1× RateLimiterRedis'
        }
      })
      const at = (v: RedisVariant): number => variants.indexOf(v)
      const again = median(samples[at('rlfAgain')]!.map((ns, k) => ns / samples[at('oursAgain')]![k]!))
      checks.push({
        what: `checkAndRecord on 1,000 keys, most calls refused (${inFlight} in flight): ours vs RateLimiterRedis.consume, both on those keys`,
        ok: undefined,
        value: `${again.toFixed(2)}x (${perSecond(at('oursAgain')).toFixed(0)} vs ${perSecond(at('rlfAgain')).toFixed(0)} calls/s; passed ${((100 * figures[at('oursAgain')]!.passed!) / figures[at('oursAgain')]!.calls!).toFixed(1)}% / ${((100 * figures[at('rlfAgain')]!.passed!) / figures[at('rlfAgain')]!.calls!).toFixed(1)}%)`
      })
      if (floor) {
        checks.push({
          what: `the floor (${inFlight} in flight): a minimal two-window function / a no-op FCALL / a no-op EVALSHA, vs RateLimiterRedis.consume`,
          ok: undefined,
          value: `${median(ratios[at('floor')]!).toFixed(2)}x / ${median(ratios[at('fcall0')]!).toFixed(2)}x / ${median(ratios[at('evalsha0')]!).toFixed(2)}x (${perSecond(at('floor')).toFixed(0)} / ${perSecond(at('fcall0')).toFixed(0)} / ${perSecond(at('evalsha0')).toFixed(0)} calls/s; the floor's passes ${byPass(at('floor'))})`
        })
      }
      checks.push({
        what: `round trips per decision (${inFlight} in flight): ours / RateLimiterRedis / RateLimiterUnion`,
        ok: inFlight === 1 ? ours.roundTrips! <= 1.01 : undefined,
        value: `${ours.roundTrips!.toFixed(3)} / ${figures[1]!.roundTrips!.toFixed(3)} / ${figures[2]!.roundTrips!.toFixed(3)}`,
        ...(inFlight === 1
          ? {
              row: {
                operation: 'Redis: round trips per `checkAndRecord` decision (two windows)',
                ours: ours.roundTrips!.toFixed(3),
                peers: `RateLimiterRedis ${figures[1]!.roundTrips!.toFixed(3)}, RateLimiterUnion ${figures[2]!.roundTrips!.toFixed(3)}`,
                ratio: '',
                target: '1 round trip'
              }
            }
          : {})
      })
    }
  } finally {
    await server.stop()
  }
  return checks
}
