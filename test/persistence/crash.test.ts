// Crash safety: a child process persisting in a loop is killed with SIGKILL at random moments.
// Every stored value must still decode, and hold either the old or the new counter: with files each
// event is at the last confirmed round or the one in flight; with SQLite all events agree. Files
// are tried with 20 events (a fsync per file) and with 100 (one syncfs(2) per persist on Linux).
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as O from 'fp-ts/lib/Option.js'
import { afterAll, describe, expect, it } from 'vitest'
import { EventStore } from 'tiny-counter'
import { FilePerEvent } from 'tiny-counter/files'
import type { Storage } from 'tiny-counter'
import { syncfsReportsErrors, syncfsSettings } from '../../src/storage/internal/fileIO.js'
import { Sqlite } from '../../src/storage/Sqlite.js'

const loop = fileURLToPath(new URL('./fixtures/persist-loop.ts', import.meta.url))
const dirs: string[] = []
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })))

/**
 * Runs the loop with `events` events until it has confirmed `rounds` rounds, then kills it after
 * `delay` ms: the last confirmed round, and how many syncfs(2) flushes the child had made by then.
 */
const runAndKill = (kind: 'files' | 'sqlite', path: string, events: number, rounds: number, delay: number): Promise<{ confirmed: number; syncfs: number }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', loop, kind, path, String(events)], { stdio: ['ignore', 'pipe', 'pipe'] })
    let confirmed = 0
    let syncfs = 0
    let stderr = ''
    let killing = false
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) if (line.trim() !== '') [confirmed, syncfs] = line.split(' ').map(Number) as [number, number]
      if (confirmed >= rounds && !killing) {
        killing = true
        setTimeout(() => child.kill('SIGKILL'), delay)
      }
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve({ confirmed, syncfs }) : reject(new Error(`the loop ended by itself: ${stderr}`))))
  })

const reopen = async (kind: 'files' | 'sqlite', path: string): Promise<EventStore> => {
  const storage: Storage = kind === 'sqlite' ? await Sqlite.open(path) : await FilePerEvent.open(path, '.bin')
  return EventStore.builder().timeZone('UTC').withStorage(storage).build()
}

describe.each([
  ['files', 20],
  ['files', 100],
  ['sqlite', 20]
] as const)('a %s store of %i events killed in the middle of persisting', (kind, events) => {
  it('leaves every value readable, holding the old or the new counter', async () => {
    const base = mkdtempSync(join(tmpdir(), 'tiny-counter-crash-'))
    dirs.push(base)
    const runs = [[3, 0], [5, 1], [8, 3], [12, 7], [16, 2]] as const
    for (const [i, [rounds, delay]] of runs.entries()) {
      const path = kind === 'sqlite' ? join(base, `events-${i}.db`) : join(base, `events-${i}`)
      const { confirmed, syncfs } = await runAndKill(kind, path, events, rounds, delay)
      // 100 files are flushed with one syncfs(2) per persist where it can be used.
      expect(syncfs).toBe(kind === 'files' && events >= syncfsSettings.minFiles && syncfsReportsErrors() ? confirmed : 0)
      const store = await reopen(kind, path)
      expect(store.loadErrors).toEqual([])
      const totals = store.events().map((e) => O.getOrElse(() => -1)(store.query(e).ever().sum()))
      expect(totals).toHaveLength(events)
      // Each event holds a round the child persisted, or the one it was writing when killed.
      for (const total of totals) expect(total === confirmed || total === confirmed + 1).toBe(true)
      if (kind === 'sqlite') expect(new Set(totals).size).toBe(1) // one transaction per persist
      await store.close()
      if (kind === 'files') expect(readdirSync(path).filter((name) => name.endsWith('.bin'))).toHaveLength(events)
    }
  })
})
