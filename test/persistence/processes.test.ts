// Several processes, one storage (issue 14, item 4): 4 processes record and persist into one SQLite
// file, and 4 into one folder, for 5 s each, all at once. Persisting adds each store's changes
// since its last persist to what is stored, in one transaction (`Storage.update`), so the final
// counts are the sum of everything the processes recorded: nothing is lost to a last writer. The
// same with replicated stores (issue 16), each process under its own replica id: a persist joins
// what is stored by maximum, so the final counts are again the sum of what was recorded.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import * as O from 'fp-ts/lib/Option.js'
import { afterAll, describe, expect, it } from 'vitest'
import { EventStore } from 'tiny-counter'
import { FilePerEvent } from 'tiny-counter/files'
import { Sqlite } from 'tiny-counter/sqlite'
import { root } from '../docs/extract.mjs'
import { cleanUp, temporaryDirectory } from '../storage/backends.js'

afterAll(cleanUp)

const loop = join(root, 'test/persistence/fixtures/record-loop.ts')

/** Runs 4 record loops at once into the storage at `path` for `seconds`; returns what they recorded and what the storage then holds. */
const runProcesses = async (kind: string, path: string, seconds: number, replicated: boolean) => {
  if (kind === 'files') await FilePerEvent.open(path, '.bin')
  const outputs = await Promise.all(
    [1, 2, 3, 4].map((seed) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', loop, kind, path, String(seconds), String(seed), ...(replicated ? [`worker-${seed}`] : [])], { cwd: root, maxBuffer: 1 << 20 })
    )
  )
  const expected: Record<string, number> = {}
  for (const { stdout } of outputs) for (const [event, n] of Object.entries(JSON.parse(stdout) as Record<string, number>)) expected[event] = (expected[event] ?? 0) + n
  const storage = kind === 'sqlite' ? await Sqlite.open(path) : await FilePerEvent.open(path, '.bin')
  const builder = EventStore.builder().withStorage(storage).timeZone('UTC')
  const store = await (replicated ? builder.replicaId('reader') : builder).build()
  const stored = Object.fromEntries(store.events().map((event) => [event, O.getOrElse(() => -1)(store.query(event).ever().sum())]))
  await store.close()
  return { expected, stored }
}

const places = [
  ['SQLite file', 'sqlite', 'events.db'],
  ['folder', 'files', 'events']
] as const

describe('4 processes x 5 s recording and persisting into one storage', () => {
  it.each(places)('one %s: the final counts equal the sum of what was recorded', async (name, kind, file) => {
    const { expected, stored } = await runProcesses(kind, join(temporaryDirectory(), file), 5, false)
    console.log(`4 processes into one ${name}: ${Object.values(expected).reduce((a, b) => a + b, 0)} events recorded`)
    expect(stored).toEqual(expected)
  }, 120_000)
})

describe('4 replicated processes x 3 s, each under its own replica id, persisting into one storage', () => {
  it.each(places)('one %s: the final counts equal the sum of what was recorded', async (_name, kind, file) => {
    const { expected, stored } = await runProcesses(kind, join(temporaryDirectory(), file), 3, true)
    expect(stored).toEqual(expected)
  }, 120_000)
})
