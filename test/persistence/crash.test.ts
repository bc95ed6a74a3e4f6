// Crash safety: a child process persisting in a loop is killed with SIGKILL at random moments.
// Every stored value must still decode, and hold either the old or the new counter: with files each
// event is at the last confirmed round or the one in flight; with SQLite all events agree.
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as O from 'fp-ts/lib/Option.js'
import { afterAll, describe, expect, it } from 'vitest'
import { EventStore, FilePerEvent } from 'tiny-counter'
import type { Storage } from 'tiny-counter'
import { Sqlite } from '../../src/storage/Sqlite.js'

const loop = fileURLToPath(new URL('./fixtures/persist-loop.ts', import.meta.url))
const dirs: string[] = []
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })))

/** Runs the loop until it has confirmed `rounds` rounds, then kills it after `delay` ms. */
const runAndKill = (kind: 'files' | 'sqlite', path: string, rounds: number, delay: number): Promise<number> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', loop, kind, path], { stdio: ['ignore', 'pipe', 'pipe'] })
    let confirmed = 0
    let stderr = ''
    let killing = false
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) if (line.trim() !== '') confirmed = Number(line)
      if (confirmed >= rounds && !killing) {
        killing = true
        setTimeout(() => child.kill('SIGKILL'), delay)
      }
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve(confirmed) : reject(new Error(`the loop ended by itself: ${stderr}`))))
  })

const reopen = async (kind: 'files' | 'sqlite', path: string): Promise<EventStore> => {
  const storage: Storage = kind === 'sqlite' ? await Sqlite.open(path) : await FilePerEvent.open(path, '.bin')
  return EventStore.builder().timeZone('UTC').withStorage(storage).build()
}

describe.each(['files', 'sqlite'] as const)('a %s store killed in the middle of persisting', (kind) => {
  it('leaves every value readable, holding the old or the new counter', async () => {
    const base = mkdtempSync(join(tmpdir(), 'tiny-counter-crash-'))
    dirs.push(base)
    const runs = [[3, 0], [5, 1], [8, 3], [12, 7], [16, 2]] as const
    for (const [i, [rounds, delay]] of runs.entries()) {
      const path = kind === 'sqlite' ? join(base, `events-${i}.db`) : join(base, `events-${i}`)
      const confirmed = await runAndKill(kind, path, rounds, delay)
      const store = await reopen(kind, path)
      expect(store.loadErrors).toEqual([])
      const totals = store.events().map((e) => O.getOrElse(() => -1)(store.query(e).ever().sum()))
      expect(totals).toHaveLength(20)
      // Each event holds a round the child persisted, or the one it was writing when killed.
      for (const total of totals) expect(total === confirmed || total === confirmed + 1).toBe(true)
      if (kind === 'sqlite') expect(new Set(totals).size).toBe(1) // one transaction per persist
      await store.close()
      if (kind === 'files') expect(readdirSync(path).filter((name) => name.endsWith('.bin'))).toHaveLength(20)
    }
  })
})
