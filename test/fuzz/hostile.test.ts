// The hostile-input corpus (test/fixtures/hostile/, written by test/fuzz/hostile.ts: `npm run
// fuzz:hostile`) through both decoders, every operation on what they accept, the store and the CLI,
// in a worker with a watchdog: each input must decode to a typed DecodeError naming the key, or to a
// value that every operation handles within 100 ms (best of three, so that one GC pause on a busy
// machine does not count) with no error but a typed one. A hang is caught by the watchdog (the
// worker is terminated and the input named), a crash (a V8 abort, a stack overflow) by the worker's
// exit.
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { corpusDir } from './hostile.js'
import type { Verdict } from './hostileWorker.js'

/** Longest an input may take in all (its operations run one after another, each within 100 ms). */
const WATCHDOG_MS = 10_000

const startWorker = (): Worker => new Worker(new URL('./hostileWorker.mjs', import.meta.url))

/** Sends one input and waits for its verdict; terminates the worker on timeout or crash. */
const judge = (worker: Worker, name: string, bytes: Uint8Array): Promise<Verdict> =>
  new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(watchdog)
      worker.off('message', onMessage)
      worker.off('error', onError)
      worker.off('exit', onExit)
    }
    const watchdog = setTimeout(() => {
      done()
      void worker.terminate()
      reject(new Error(`${name}: no answer within ${WATCHDOG_MS} ms (the worker was terminated)`))
    }, WATCHDOG_MS)
    const onMessage = (verdict: Verdict): void => {
      done()
      resolve(verdict)
    }
    const onError = (error: Error): void => {
      done()
      reject(new Error(`${name}: the worker crashed: ${error.message}`))
    }
    const onExit = (code: number): void => {
      done()
      reject(new Error(`${name}: the worker exited with code ${code}`))
    }
    worker.on('message', onMessage)
    worker.on('error', onError)
    worker.on('exit', onExit)
    worker.postMessage({ name, bytes })
  })

describe('the hostile-input corpus', () => {
  const names = readdirSync(corpusDir).sort()

  it('holds inputs of both formats, from every family of the fuzzer', () => {
    expect(names.length).toBeGreaterThan(100)
    expect(names.some((n) => n.endsWith('.bin'))).toBe(true)
    for (const family of ['nested-5000', 'structured-v2', 'structured-v3', 'mutated']) expect(names.some((n) => n.includes(family))).toBe(true)
  })

  it('each input is refused with a DecodeError, or every operation handles its value within 100 ms', async () => {
    let worker = startWorker()
    const failures: string[] = []
    const verdicts: Verdict[] = []
    try {
      for (const name of names) {
        try {
          const verdict = await judge(worker, name, new Uint8Array(readFileSync(join(corpusDir, name))))
          verdicts.push(verdict)
          for (const problem of verdict.problems) failures.push(`${name}: ${problem}`)
          if (verdict.slowest[1] > 100) failures.push(`${name}: ${verdict.slowest[0]} took ${verdict.slowest[1].toFixed(1)} ms`)
        } catch (error) {
          failures.push(String(error instanceof Error ? error.message : error))
          worker = startWorker()
        }
      }
    } finally {
      await worker.terminate()
    }
    const accepted = verdicts.filter((v) => v.outcome === 'accepted').length
    console.log(`hostile corpus: ${names.length} inputs, ${accepted} accepted and run through every operation, ${verdicts.length - accepted} refused with a DecodeError`)
    expect(failures).toEqual([])
    // The corpus exercises both sides.
    expect(accepted).toBeGreaterThan(10)
    expect(verdicts.length - accepted).toBeGreaterThan(10)
  })
})
