/**
 * A small hand-rolled benchmark harness, fair to the JIT and to a noisy machine:
 *
 * - every case runs in its own child process (a fresh V8), so no call site of the library ever sees
 *   two alignments, or the library and the baseline: each is measured the way an application runs it;
 * - the cases compared with each other are alive at the same time and take turns, one timed round
 *   each, in an order that rotates every cycle: a slow patch of the machine hits all of them alike,
 *   and ratios are taken round against round;
 * - a round times `ops` operations with `process.hrtime.bigint()`; the loop over operations lives in
 *   the case (so its call sites see only that case), after untimed warm-up rounds; results are medians;
 * - a case whose operations return promises (`async: true`) is timed the same way, its round ending
 *   when its loop of awaited operations has finished;
 * - a case may also report figures that are not timings (a pass share, bytes per event) when asked.
 */
import type { ChildProcess } from 'node:child_process'
import { fork } from 'node:child_process'

/** Runs `ops` operations and returns a value derived from them, so the work cannot be optimised away. */
export type Body = (ops: number) => number

/** Runs `ops` operations, awaiting each, and resolves to a value derived from them. */
export type AsyncBody = (ops: number) => Promise<number>

/** Figures a case reports besides its timings, by name. */
export type Figures = Readonly<Record<string, number>>

/** What a case prepares: a synchronous or an asynchronous body, and optionally more. */
export type Prepared =
  | { readonly async?: false; readonly body: Body; readonly afterWarmup?: () => void; readonly report?: () => Figures }
  | { readonly async: true; readonly body: AsyncBody; readonly afterWarmup?: () => void; readonly report?: () => Figures }

/** Nanoseconds per operation of one round of `body`. */
export const timeRound = (body: Body, ops: number): { readonly ns: number; readonly sink: number } => {
  const t0 = process.hrtime.bigint()
  const sink = body(ops)
  const t1 = process.hrtime.bigint()
  return { ns: Number(t1 - t0) / ops, sink }
}

/** Nanoseconds per operation of one round of an asynchronous `body`. */
export const timeRoundAsync = async (body: AsyncBody, ops: number): Promise<{ readonly ns: number; readonly sink: number }> => {
  const t0 = process.hrtime.bigint()
  const sink = await body(ops)
  const t1 = process.hrtime.bigint()
  return { ns: Number(t1 - t0) / ops, sink }
}

export const median = (values: ReadonlyArray<number>): number => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

// -------------------------------------------------------------------------------------------------
// the protocol between the parent and a case process
// -------------------------------------------------------------------------------------------------

export type Request =
  | { readonly type: 'prepare'; readonly data: unknown }
  | { readonly type: 'warmup'; readonly rounds: number; readonly ops: number }
  | { readonly type: 'round'; readonly ops: number }
  | { readonly type: 'report' }
  | { readonly type: 'exit' }

export type Reply =
  | { readonly type: 'ready' }
  | { readonly type: 'warm' }
  | { readonly type: 'sample'; readonly ns: number }
  | { readonly type: 'figures'; readonly figures: Figures }
  | { readonly type: 'failed'; readonly message: string }

/**
 * Child side: waits for the data of the case, prepares the body once (a bare body is a synchronous
 * case), then answers the parent's requests until told to exit.
 */
export const serve = (prepare: (data: any) => Body | Prepared | Promise<Body | Prepared>): void => {
  const send = (reply: Reply): void => void process.send!(reply)
  let prepared: Prepared | undefined
  let sink = 0 // what the rounds returned: kept, so that their work is never dead code
  const answer = async (request: Request): Promise<Reply | undefined> => {
    if (request.type === 'prepare') {
      const made = await prepare(request.data)
      prepared = typeof made === 'function' ? { body: made } : made
      return { type: 'ready' }
    }
    if (prepared === undefined) throw new Error(`${request.type} before prepare`)
    switch (request.type) {
      case 'warmup':
        for (let r = 0; r < request.rounds; r++) sink += prepared.async ? await prepared.body(request.ops) : prepared.body(request.ops)
        prepared.afterWarmup?.()
        return { type: 'warm' }
      case 'round': {
        const round = prepared.async ? await timeRoundAsync(prepared.body, request.ops) : timeRound(prepared.body, request.ops)
        sink += round.sink
        return { type: 'sample', ns: round.ns }
      }
      case 'report':
        return { type: 'figures', figures: prepared.report?.() ?? {} }
      case 'exit':
        process.disconnect()
        return undefined
    }
  }
  process.on('message', (request: Request) => {
    answer(request).then(
      (reply) => reply !== undefined && send(reply),
      (e) => send({ type: 'failed', message: String((e as Error)?.stack ?? e) })
    )
  })
}

// -------------------------------------------------------------------------------------------------
// parent side
// -------------------------------------------------------------------------------------------------

/** A case process seen from the parent. */
export interface CaseProcess {
  readonly id: string
  request(request: Request): Promise<Reply>
  /** The figures the case reports (its `report`, if any). */
  figures(): Promise<Figures>
  close(): Promise<void>
}

/**
 * Starts `script` with `args` in a fresh Node process that uses the same loader flags as this one
 * (under tsx, its `--import` hooks) plus `nodeFlags` (such as `--expose-gc`), hands it `data` (sent
 * as JSON) and waits until the case is prepared.
 */
export const startCase = async (
  id: string,
  script: string,
  args: ReadonlyArray<string>,
  data: unknown,
  nodeFlags: ReadonlyArray<string> = []
): Promise<CaseProcess> => {
  const child: ChildProcess = fork(script, [...args], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [...process.execArgv, ...nodeFlags]
  })
  const next = (): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const onMessage = (reply: Reply): void => {
        child.off('exit', onExit)
        if (reply.type === 'failed') reject(new Error(`case ${id} failed:\n${reply.message}`))
        else resolve(reply)
      }
      const onExit = (code: number | null): void => {
        child.off('message', onMessage)
        reject(new Error(`case ${id} exited (code ${code})`))
      }
      child.once('message', onMessage)
      child.once('exit', onExit)
    })
  const request = (r: Request): Promise<Reply> => {
    const reply = next()
    child.send(r)
    return reply
  }
  await request({ type: 'prepare', data })
  return {
    id,
    request,
    figures: async () => {
      const reply = await request({ type: 'report' })
      if (reply.type !== 'figures') throw new Error(`case ${id}: unexpected reply ${reply.type}`)
      return reply.figures
    },
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        if (child.connected) child.send({ type: 'exit' } satisfies Request)
      })
  }
}

export interface InterleaveOptions {
  readonly warmupRounds: number
  readonly cycles: number
  readonly ops: number
}

/**
 * Warms each process up, then runs `cycles` cycles; in each, every process times one round, the
 * order rotating (and reversing every other cycle) from one cycle to the next. Returns the samples
 * of each process, in cycle order, so that `samples[a][k] / samples[b][k]` compares one cycle.
 */
export const interleave = async (
  processes: ReadonlyArray<CaseProcess>,
  options: InterleaveOptions
): Promise<ReadonlyArray<ReadonlyArray<number>>> => {
  for (const p of processes) await p.request({ type: 'warmup', rounds: options.warmupRounds, ops: options.ops })
  const samples: number[][] = processes.map(() => [])
  for (let cycle = 0; cycle < options.cycles; cycle++) {
    const order = processes.map((_, i) => (i + cycle) % processes.length)
    if (cycle % 2 === 1) order.reverse()
    for (const i of order) {
      const reply = await processes[i]!.request({ type: 'round', ops: options.ops })
      if (reply.type !== 'sample') throw new Error(`case ${processes[i]!.id}: unexpected reply ${reply.type}`)
      samples[i]!.push(reply.ns)
    }
  }
  return samples
}
