// `export --out`: refused when it is the store itself (or a link to it, its SQLite journal, a file
// inside its directory), and written whole or not at all (a temporary file renamed over it): a
// disk that fills up mid-write leaves the previous output as it was. A full disk is simulated by a
// `writeFileSync` that writes half of the text to any path holding "full" and then fails.
import { chmodSync, existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { EventStore } from 'tiny-counter'
import { FilePerEvent } from 'tiny-counter/files'
import { Sqlite } from 'tiny-counter/sqlite'
import { exportStore } from '../../src/cli/commands.js'

vi.mock('node:fs', async (original) => {
  const fs = await original<typeof import('node:fs')>()
  const writeFileSync = (path: unknown, data: unknown, options?: unknown): void => {
    if (typeof path === 'string' && path.includes('full') && typeof data === 'string') {
      fs.writeFileSync(path, data.slice(0, data.length / 2), options as never)
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
    }
    fs.writeFileSync(path as never, data as never, options as never)
  }
  return { ...fs, default: { ...fs, writeFileSync }, writeFileSync }
})

const dir = mkdtempSync(join(tmpdir(), 'tiny-counter-export-out-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const filled = async (storage: Awaited<ReturnType<typeof Sqlite.open>> | Awaited<ReturnType<typeof FilePerEvent.open>>): Promise<void> => {
  const store = await EventStore.builder().withStorage(storage).build()
  store.recordCount('launch', 2)
  expect((await store.close())._tag).toBe('Right')
}

describe('export --out', () => {
  it('refuses the store itself, a link to it, its journal or a file inside it, and changes nothing', async () => {
    const db = join(dir, 'e.db')
    await filled(await Sqlite.open(db))
    const files = join(dir, 'files')
    await filled(await FilePerEvent.open(files, '.bin'))
    symlinkSync(db, join(dir, 'link.db'))
    const before = readFileSync(db)
    const listed = readdirSync(files)
    for (const [store, out] of [[db, db], [db, join(dir, 'link.db')], [join(dir, 'link.db'), db], [db, `${db}-wal`], [files, files], [files, join(files, 'launch.bin')], [files, join(files, 'new.json')]] as const) {
      const refused = await exportStore(store, { out })
      expect(refused.code).toBe(1)
      expect(refused.stdout).toBe('')
      expect(refused.stderr).toBe(`tiny-counter: ${out}: --out is the store ${store} or inside it; nothing was written\n`)
    }
    expect(readFileSync(db)).toEqual(before)
    expect(readdirSync(files)).toEqual(listed)
    const fine = await exportStore(db, { out: join(dir, 'e.json') })
    expect(fine.code).toBe(0)
    expect(Object.keys(JSON.parse(readFileSync(join(dir, 'e.json'), 'utf8')))).toEqual(['launch'])
  })

  it('leaves the previous output as it was when the write fails (a full disk), and no temporary file', async () => {
    const db = join(dir, 'full-source.db')
    await filled(await Sqlite.open(db))
    const out = join(dir, 'full.json')
    const previous = '{"previous": "export"}\n'
    writeFileSync(join(dir, 'previous.json'), previous) // (the path does not hold "full": a real write)
    renameSync(join(dir, 'previous.json'), out)
    const failed = await exportStore(db, { out })
    expect(failed.code).toBe(1)
    expect(failed.stderr).toMatch(/^tiny-counter: .*full\.json: cannot write \(ENOSPC: no space left on device, write\)/)
    expect(failed.stderr.split('\n').filter((line) => line !== '')).toHaveLength(1)
    expect(readFileSync(out, 'utf8')).toBe(previous)
    expect(readdirSync(dir).filter((name) => name.includes('.tmp'))).toEqual([])
    expect(existsSync(out)).toBe(true)
  })

  it('keeps the permissions (mode) of the file it replaces, through a symbolic link too; a new file gets the default', async () => {
    const db = join(dir, 'modes.db')
    await filled(await Sqlite.open(db))
    const modeOf = (path: string): number => statSync(path).mode & 0o777
    for (const mode of [0o600, 0o640, 0o444]) {
      const out = join(dir, `out-${mode.toString(8)}.json`)
      writeFileSync(out, '{}\n')
      chmodSync(out, mode)
      const written = await exportStore(db, { out })
      expect(written.code).toBe(0)
      expect(Object.keys(JSON.parse(readFileSync(out, 'utf8')))).toEqual(['launch'])
      expect(modeOf(out).toString(8)).toBe(mode.toString(8))
    }
    const target = join(dir, 'linked-target.json')
    writeFileSync(target, '{}\n')
    chmodSync(target, 0o640)
    symlinkSync(target, join(dir, 'linked.json'))
    expect((await exportStore(db, { out: join(dir, 'linked.json') })).code).toBe(0)
    expect(lstatSync(join(dir, 'linked.json')).isSymbolicLink()).toBe(true)
    expect(modeOf(target).toString(8)).toBe('640')
    expect(Object.keys(JSON.parse(readFileSync(target, 'utf8')))).toEqual(['launch'])
    // A new file: the mode any new file gets here (0o666 less the umask).
    writeFileSync(join(dir, 'plain-new-file'), '')
    expect((await exportStore(db, { out: join(dir, 'fresh.json') })).code).toBe(0)
    expect(modeOf(join(dir, 'fresh.json')).toString(8)).toBe(modeOf(join(dir, 'plain-new-file')).toString(8))
    expect(readdirSync(dir).filter((name) => name.includes('.tmp'))).toEqual([])
  })
})
