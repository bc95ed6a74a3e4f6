// Runs inside a worker (node:worker_threads) for test/fuzz/hostile.test.ts: for each input it is
// sent, decodes it with its format and, when accepted, runs every query, record, rotate, merge,
// convert, limit and store operation on the value, and the CLI's `inspect` and `merge` on a folder
// holding it. Posts the outcome and the slowest operation; the test's watchdog terminates the
// worker when an input takes too long, and a crash (a V8 abort, a stack overflow) ends it too.
import * as E from 'fp-ts/lib/Either.js'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { parentPort } from 'node:worker_threads'
import {
  type DecodeError,
  BincodeFormat,
  Calendar,
  Counter,
  EventStore,
  JsonFormat,
  Layout,
  Limit,
  MemoryStorage,
  Query,
  TestClock,
  TinyCounterError,
  Window
} from '../../src/index.js'
import { inspect, merge } from '../../src/cli/commands.js'

export interface Verdict {
  readonly name: string
  readonly outcome: 'refused' | 'accepted'
  /** What went wrong: an untyped error, a wrong answer. Empty when all is well. */
  readonly problems: ReadonlyArray<string>
  /** The slowest operation and its time (ms, best of three tries when over budget). */
  readonly slowest: readonly [string, number]
}

const NOW = Date.UTC(2026, 5, 1, 12, 30)
const BUDGET_MS = 100
const other = E.getOrElseW(() => Layout.utc)(Layout.make({ seconds: 60, days: 7, weeks: 4 }, { timeZone: 'Europe/Berlin' }))
const uniform = Layout.standard({ timeZone: 'UTC', alignment: 'uniform' })

/** Runs `op`, checking it finishes within the budget (retried twice before a slow run counts) and throws nothing but typed errors. */
const timed = async (ops: Array<[string, number]>, problems: string[], name: string, op: () => unknown): Promise<void> => {
  let best = Infinity
  for (let attempt = 0; attempt < 3 && best > BUDGET_MS; attempt++) {
    const started = performance.now()
    try {
      await op()
    } catch (error) {
      if (!(error instanceof TinyCounterError)) problems.push(`${name} threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`)
      else if (error._tag !== 'InvalidInstant' && error._tag !== 'InvalidWindow') problems.push(`${name} threw ${error._tag}: ${error.message}`)
    }
    best = Math.min(best, performance.now() - started)
  }
  ops.push([name, best])
}

const check = async (name: string, bytes: Uint8Array): Promise<Verdict> => {
  const format = name.endsWith('.json') ? JsonFormat : BincodeFormat
  const problems: string[] = []
  const ops: Array<[string, number]> = []
  let decoded: ReturnType<typeof format.deserialize> | undefined
  await timed(ops, problems, 'deserialize', () => (decoded = format.deserialize('hostile', bytes)))
  if (decoded === undefined) return { name, outcome: 'refused', problems: problems.length > 0 ? problems : ['deserialize threw'], slowest: ops[0]! }
  if (E.isLeft(decoded)) {
    if (decoded.left._tag !== 'DecodeError' || decoded.left.key !== 'hostile') problems.push(`refused with ${decoded.left._tag}, not a DecodeError naming the key`)
    return { name, outcome: 'refused', problems, slowest: ops[0]! }
  }
  const c = decoded.right
  const { layout } = c
  const finest = layout.tracks[0]!.unit
  const headStart = c.heads.length > 0 ? Calendar.bucketStart(layout.alignment, layout.timeZone, finest, c.heads[0]!) : NOW
  const instants = [NOW, Calendar.MIN_INSTANT, Calendar.MAX_INSTANT, Math.max(Calendar.MIN_INSTANT, Math.min(Calendar.MAX_INSTANT, headStart))]
  const windows = [Window.ever, ...layout.tracks.flatMap((t) => [Window.last(1, t.unit), Window.last(t.buckets, t.unit)]), Window.days(0, 7)]
  const plain = E.getOrElseW(() => Counter.empty(layout))(Counter.singleton(layout, NOW, 3))
  const run = (label: string, op: () => unknown): Promise<void> => timed(ops, problems, label, op)

  for (const at of instants) {
    for (const w of windows) {
      const label = `${w._tag === 'Ever' ? 'ever' : `${w.unit} ${w.from}..${w.to}`} at ${at}`
      await run(`sum of ${label}`, () => Query.sum(c, w, at))
      await run(`average of ${label}`, () => Query.average(c, w, at))
      await run(`averageNonzero of ${label}`, () => Query.averageNonzero(c, w, at))
      await run(`countNonzero of ${label}`, () => Query.countNonzero(c, w, at))
      await run(`buckets of ${label}`, () => Query.buckets(c, w, at))
    }
    await run(`lastSeen and firstSeen at ${at}`, () => {
      Query.lastSeen(c, at)
      Query.firstSeen(c, at)
      for (const t of layout.tracks) Query.firstSeenIn(c, t.unit, at)
    })
    await run(`record at ${at}`, () => {
      Counter.record(c, at, 1)
      Counter.record(c, at, Counter.MAX_COUNT)
    })
    await run(`rotate to ${at}`, () => Counter.rotate(c, at))
    await run(`limits at ${at}`, () => {
      const rules = layout.tracks.flatMap((t) => [Limit.atMost('e', 10, t.unit), Limit.atMost('e', 2, [t.buckets, t.unit] as const)])
      Limit.check([...rules, Limit.cooldown('e', { hours: 1 }), Limit.within('e', { days: 3 })], { e: c }, 'e', at, layout)
      for (const rule of rules) if (E.isRight(rule)) Limit.usage([rule.right], { counterOf: () => c }, at, layout)
    })
  }
  await run('merge', () => {
    Counter.merge(c, c)
    Counter.merge(c, plain)
    Counter.merge(plain, c)
    Counter.merge(Counter.empty(Layout.utc), c)
  })
  await run('convert', () => {
    Counter.convert(c, Layout.utc)
    Counter.convert(c, other)
    Counter.convert(c, uniform)
  })
  // The store refuses on load a value whose newest bucket starts more than a day after its clock
  // (DESIGN.md, "Clock steps"): a typed refusal of the event, the others loading. Such a value then
  // goes through the store with a clock at the end of the calendar, where nothing is in the future.
  const throughStore = async (at: number): Promise<ReadonlyArray<DecodeError>> => {
    const storage = new MemoryStorage()
    await storage.save('e', bytes)
    const store = await EventStore.builder().withStorage(storage).withFormat(format).withClock(TestClock.at(at)).build()
    if (store.loadErrors.length > 0) {
      await store.close()
      return store.loadErrors
    }
    store.query('e').ever().sum()
    store.query('e').lastSeen()
    store.record('e')
    store.limit().atMost('e', 5, 'days').checkAndRecord('e')
    store.limit().cooldown('e', { minutes: 5 }).check('e')
    store.exportAll()
    const persisted = await store.persistAll()
    if (E.isLeft(persisted)) problems.push(`persistAll failed: ${persisted.left.message}`)
    await store.close()
    return []
  }
  await run('store', async () => {
    const refused = await throughStore(NOW)
    if (refused.length === 0) return
    if (refused.some((error) => error.key !== 'e' || error.path !== 'heads')) {
      problems.push(`the store refused what the format accepted: ${refused[0]!.message}`)
    } else {
      const later = await throughStore(Calendar.MAX_INSTANT)
      if (later.length > 0) problems.push(`the store refused what the format accepted, even at the end of the calendar: ${later[0]!.message}`)
    }
  })
  await run('cli inspect and merge', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tiny-counter-hostile-'))
    try {
      writeFileSync(join(dir, `e${format.extension}`), bytes)
      const shown = await inspect(dir, { now: NOW })
      if (shown.code !== 0) problems.push(`inspect exited ${shown.code}: ${shown.stderr}`)
      const merged = await merge(join(dir, 'merged'), [dir])
      if (merged.code !== 0) problems.push(`merge exited ${merged.code}: ${merged.stderr}`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
  const slowest = ops.reduce((a, b) => (b[1] > a[1] ? b : a))
  return { name, outcome: 'accepted', problems, slowest }
}

parentPort?.on('message', (message: { readonly name: string; readonly bytes: Uint8Array }) => {
  check(message.name, message.bytes).then(
    (verdict) => parentPort!.postMessage(verdict),
    (error) => parentPort!.postMessage({ name: message.name, outcome: 'refused', problems: [`the check itself failed: ${String(error)}`], slowest: ['', 0] })
  )
})
