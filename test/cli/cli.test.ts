// The tiny-counter CLI end to end: real SQLite and file stores made here, inspected, exported and
// merged in a child process (`node --import tsx src/cli/main.ts`) and in-process.
import { execFile, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import * as O from 'fp-ts/lib/Option.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EventStore, JsonFormat, TestClock } from 'tiny-counter'
import { FilePerEvent } from 'tiny-counter/files'
import type { Storage } from 'tiny-counter'
import { Sqlite } from 'tiny-counter/sqlite'
import { exportStore, inspect, merge } from '../../src/cli/commands.js'
import { root } from '../docs/extract.mjs'

const NOW = Date.UTC(2026, 0, 10, 12)
const NOW_ISO = new Date(NOW).toISOString()
let dir = ''

const cli = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], { cwd: root })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string }
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' }
  }
}

/** Records a few days of launches and purchases with a TestClock into `storage`. */
const fill = async (storage: Storage, launchesPerDay: number, json = false): Promise<void> => {
  const clock = TestClock.at(NOW - 4 * 86_400_000)
  let builder = EventStore.builder().withStorage(storage).withClock(clock).timeZone('UTC').forAnalytics()
  if (json) builder = builder.withFormat(JsonFormat)
  const store = await builder.build()
  for (let day = 0; day < 5; day++) {
    store.recordCount('app_launch', launchesPerDay)
    if (day % 2 === 0) store.record('purchase')
    if (day < 4) clock.advance({ days: 1 })
  }
  const closed = await store.close()
  expect(closed._tag).toBe('Right')
}

const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '')

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tiny-counter-cli-'))
  await fill(await Sqlite.open(join(dir, 'phone.db')), 2)
  await fill(await FilePerEvent.open(join(dir, 'laptop'), '.bin'), 3)
  await fill(await FilePerEvent.open(join(dir, 'tablet'), '.json'), 1, true)
  // Corrupt stores: a text file named as a database, and a directory with one bad `.bin` value.
  writeFileSync(join(dir, 'notes.db'), 'these are not the droids you are looking for\n'.repeat(200))
  await fill(await FilePerEvent.open(join(dir, 'broken'), '.bin'), 4)
  const good = readdirSync(join(dir, 'broken')).find((name) => name.endsWith('.bin'))!
  writeFileSync(join(dir, 'broken', 'settings_visit.bin'), 'garbage')
  expect(good).toBeDefined()
})

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('tiny-counter inspect', () => {
  it('lists the events of a SQLite store with sums and a chart of days', async () => {
    const { code, stdout, stderr } = await cli('inspect', join(dir, 'phone.db'), '--now', NOW_ISO, '--days', '7')
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const out = lines(stdout)
    expect(out[0]).toBe(`${join(dir, 'phone.db')}: SQLite, 2 events`)
    expect(out).toContain('app_launch: 10 in all, last seen just now (UTC, calendar)')
    expect(out).toContain('  last 24 hours: 2 · last 56 days: 10 · last 52 weeks: 10 · last 12 months: 10 · last 4 years: 10')
    expect(out).toContain('  last 7 days, oldest first:')
    expect(out).toContain('    2026-01-04 │ 0')
    expect(out.filter((line) => /^ {4}2026-01-(0[6-9]|10) │█+ 2$/.test(line))).toHaveLength(5)
    expect(out).toContain('purchase: 3 in all, last seen just now (UTC, calendar)')
  })

  it('reads directories of .bin and .json files', async () => {
    const bin = await cli('inspect', join(dir, 'laptop'), '--now', NOW_ISO)
    expect(bin.code).toBe(0)
    expect(lines(bin.stdout)[0]).toBe(`${join(dir, 'laptop')}: directory of .bin files, 2 events`)
    expect(bin.stdout).toContain('app_launch: 15 in all')
    const json = await inspect(join(dir, 'tablet'), { now: NOW })
    expect(json.code).toBe(0)
    expect(lines(json.stdout)[0]).toBe(`${join(dir, 'tablet')}: directory of .json files, 2 events`)
    expect(json.stdout).toContain('app_launch: 5 in all')
  })

  it('leaves the database as it was: its journal mode, and no table in a file that is not ours', async () => {
    const Database = (await import('better-sqlite3')).default
    const path = join(dir, 'rollback.db')
    await fill(await Sqlite.open(path), 2) // WAL, as the library writes it
    const raw = new Database(path)
    raw.pragma('journal_mode = DELETE') // as another tool might have left it
    raw.close()
    const inspected = await cli('inspect', path, '--now', NOW_ISO)
    expect(inspected.code).toBe(0)
    const exported = await cli('export', path)
    expect(exported.code).toBe(0)
    const after = new Database(path, { readonly: true })
    expect(after.pragma('journal_mode', { simple: true })).toBe('delete')
    after.close()

    const foreign = join(dir, 'foreign.db')
    const other = new Database(foreign)
    other.exec('CREATE TABLE notes (text TEXT)')
    other.close()
    const refused = await cli('inspect', foreign)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/no events table: not a tiny-counter database/)
    const tables = new Database(foreign, { readonly: true })
    expect(tables.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all()).toEqual(['notes'])
    tables.close()
  })

  it('fails clearly for a missing path', async () => {
    const missing = join(dir, 'nowhere.db')
    const { code, stdout, stderr } = await cli('inspect', missing)
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toBe(`tiny-counter: ${missing}: no such file or directory\n`)
    expect(readdirSync(dir)).not.toContain('nowhere.db') // not created
  })

  it('fails clearly for a text file given as a database', async () => {
    const { code, stdout, stderr } = await cli('inspect', join(dir, 'notes.db'))
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toMatch(/^tiny-counter: .*notes\.db: cannot open the store \(.*not a database.*\)\n$/)
  })

  it('reports a corrupt value with its key, still inspects the rest and exits with 2', async () => {
    const { code, stdout, stderr } = await cli('inspect', join(dir, 'broken'), '--now', NOW_ISO)
    expect(code).toBe(2)
    expect(lines(stdout)[0]).toBe(`${join(dir, 'broken')}: directory of .bin files, 2 events (1 corrupt)`)
    expect(stdout).toContain('app_launch: 20 in all')
    expect(lines(stderr)).toHaveLength(1)
    expect(stderr).toMatch(/: corrupt event "settings_visit": cannot decode "settings_visit"/)
  })

  it('reports a SQLite row whose value is not a BLOB by its type (exit 2), and still lists the rest', async () => {
    const path = join(dir, 'text-row.db')
    await fill(await Sqlite.open(path), 2)
    const other = new Database(path)
    other.prepare("UPDATE events SET data = 'hand-written' WHERE key = 'purchase'").run()
    other.close()
    const { code, stdout, stderr } = await cli('inspect', path, '--now', NOW_ISO)
    expect(code).toBe(2)
    expect(lines(stdout)[0]).toBe(`${path}: SQLite, 1 event (1 corrupt)`)
    expect(stdout).toContain('app_launch: 10 in all')
    expect(lines(stderr)).toEqual([`${path}: corrupt event "purchase": cannot decode "purchase" at the top: the SQLite row's value is TEXT, not BLOB`])
  })

  it('refuses a --days that is not an integer from 1 to 100000 (the most buckets a unit holds) with a usage error', async () => {
    const db = join(dir, 'phone.db')
    for (const days of ['0', '2.5', 'abc', '', '1e3', '100001', '1e300']) {
      const refused = await cli('inspect', db, `--days=${days}`)
      expect(refused.code).toBe(1)
      expect(refused.stdout).toBe('')
      expect(refused.stderr).toMatch(new RegExp(`^tiny-counter: --days must be an integer from 1 to 100000, got ${JSON.stringify(JSON.stringify(days)).slice(1, -1)}\n\nUsage:`))
      expect(refused.stderr).not.toMatch(/\bat .*\.ts:\d+/)
    }
    // The largest: the chart shows every day the layout keeps (56 here).
    const fine = await cli('inspect', db, '--now', NOW_ISO, '--days', '100000')
    expect(fine.code).toBe(0)
    expect(fine.stdout).toContain('  last 56 days, oldest first:')
  })

  it('refuses a --width or --now out of range with a usage error (exit 1, no stack trace)', async () => {
    const db = join(dir, 'phone.db')
    for (const width of ['1e9', 'Infinity', 'abc', '0', '501', '2.5', '-3', '']) {
      const refused = await cli('inspect', db, `--width=${width}`)
      expect(refused.code).toBe(1)
      expect(refused.stdout).toBe('')
      expect(refused.stderr).toMatch(new RegExp(`^tiny-counter: --width must be an integer from 1 to 500, got ${JSON.stringify(JSON.stringify(width)).slice(1, -1)}\n\nUsage:`))
      expect(refused.stderr).not.toMatch(/\bat .*\.ts:\d+/)
    }
    for (const now of ['99999999999999999999', '8640000000000001', '1.5', 'yesterday']) {
      const refused = await cli('inspect', db, '--now', now)
      expect(refused.code).toBe(1)
      expect(refused.stderr).toMatch(/^tiny-counter: --now must be an ISO-8601 instant or integer epoch milliseconds within ±8\.64e15, got /)
      expect(refused.stderr).not.toMatch(/\bat .*\.ts:\d+/)
    }
    const fine = await cli('inspect', db, '--now', String(NOW), '--width', '500', '--days', '3')
    expect(fine.code).toBe(0)
    expect(fine.stdout).toMatch(/█{400,}/)
  })

  it('prints the usage for no arguments or an unknown command', async () => {
    const none = await cli()
    expect(none.code).toBe(1)
    expect(none.stderr).toContain('Usage:')
    const help = await cli('--help')
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('tiny-counter merge <target> <source...>')
    const unknown = await cli('frobnicate')
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/^tiny-counter: unknown command "frobnicate"/)
    const option = await cli('inspect', dir, '--colour', 'red')
    expect(option.code).toBe(1)
    expect(option.stderr).toMatch(/^tiny-counter: unknown option --colour/)
  })

  it('shows a progress line on stderr for more than 1,000 events', async () => {
    const storage = await Sqlite.open(join(dir, 'many.db'))
    const store = await EventStore.builder().withStorage(storage).withClock(TestClock.at(NOW)).timeZone('UTC').trackDays(7).build()
    for (let i = 0; i < 1500; i++) store.record(`event_${String(i).padStart(4, '0')}`)
    await store.close()
    const progress: string[] = []
    const shown = await inspect(join(dir, 'many.db'), { now: NOW, progress: (line) => progress.push(line) })
    expect(shown.code).toBe(0)
    expect(lines(shown.stdout)[0]).toBe(`${join(dir, 'many.db')}: SQLite, 1500 events`)
    expect(progress).toEqual([`${join(dir, 'many.db')}: decoded 1000/1500 events`, `${join(dir, 'many.db')}: decoded 1500/1500 events`])
    const child = await cli('inspect', join(dir, 'many.db'), '--now', NOW_ISO)
    expect(child.code).toBe(0)
    expect(lines(child.stderr)).toEqual(progress)
  })
})

describe('tiny-counter export', () => {
  it('prints every counter as JSON that a store imports', async () => {
    const { code, stdout } = await cli('export', join(dir, 'laptop'))
    expect(code).toBe(0)
    const copy = EventStore.builder().withClock(TestClock.at(NOW)).timeZone('UTC').forAnalytics().build()
    expect(copy.importAll(JSON.parse(stdout))._tag).toBe('Right')
    expect(copy.query('app_launch').lastDays(7).sum()).toEqual(O.some(15))
    expect(copy.query('purchase').ever().sum()).toEqual(O.some(3))
  })

  it('writes to --out and reports corrupt values', async () => {
    const out = join(dir, 'broken.json')
    const { code, stdout, stderr } = await cli('export', join(dir, 'broken'), '--out', out)
    expect(code).toBe(2)
    expect(stdout).toBe(`wrote 2 events to ${out}\n`)
    expect(stderr).toMatch(/corrupt event "settings_visit"/)
    expect(Object.keys(JSON.parse(readFileSync(out, 'utf8')))).toEqual(['app_launch', 'purchase'])
  })

  it('ends quietly with its code when the reader closes the pipe early (export | head -c 10)', async () => {
    const path = join(dir, 'piped.db')
    const store = await EventStore.builder().withStorage(await Sqlite.open(path)).withClock(TestClock.at(NOW)).timeZone('UTC').trackDays(7).build()
    for (let i = 0; i < 1500; i++) store.record(`event_${String(i).padStart(4, '0')}`)
    await store.close()
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'export', path], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const first = await new Promise<string>((done) => child.stdout.once('data', (chunk: Buffer) => done(chunk.toString())))
    child.stdout.destroy() // as `head -c 10` does once it has its bytes
    const code = await new Promise<number | null>((done) => child.on('close', done))
    expect(first.slice(0, 10)).toBe('{\n  "event')
    expect(stderr).not.toMatch(/EPIPE|Unhandled|\bat /)
    expect(code).toBe(0)
  })

  it('fails for a missing path in-process', async () => {
    const missing = await exportStore(join(dir, 'missing'))
    expect(missing).toEqual({ code: 1, stdout: '', stderr: `tiny-counter: ${join(dir, 'missing')}: no such file or directory\n` })
  })
})

describe('tiny-counter merge', () => {
  it('merges SQLite and file stores into a new SQLite target and persists', async () => {
    const target = join(dir, 'all.db')
    const { code, stdout, stderr } = await cli('merge', target, join(dir, 'phone.db'), join(dir, 'laptop'), join(dir, 'tablet'))
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(lines(stdout)).toEqual([
      `merged 6 counters from 3 stores into ${target} (2 events)`,
      'counts were added (plain counters merge by addition): merging the same sources again would add them again'
    ])
    const shown = await cli('inspect', target, '--now', NOW_ISO)
    expect(shown.code).toBe(0)
    expect(shown.stdout).toContain('app_launch: 30 in all') // 10 + 15 + 5
    expect(shown.stdout).toContain('purchase: 9 in all')
    // Merging again adds again: merge is a sum.
    expect((await merge(target, [join(dir, 'phone.db')])).code).toBe(0)
    expect((await inspect(target, { now: NOW })).stdout).toContain('app_launch: 40 in all')
  })

  it('merges into a new directory in the format of the sources', async () => {
    const target = join(dir, 'merged-files')
    const merged = await merge(target, [join(dir, 'tablet')])
    expect(merged.code).toBe(0)
    expect(readdirSync(target).sort()).toEqual(['app_launch.json', 'purchase.json'])
  })

  it('refuses to merge a store into itself through a symbolic link, changing nothing', async () => {
    const path = join(dir, 'self.db')
    await fill(await Sqlite.open(path), 2)
    symlinkSync(path, join(dir, 'self-link.db'))
    for (const [target, source] of [[path, join(dir, 'self-link.db')], [join(dir, 'self-link.db'), path]] as const) {
      const refused = await merge(target, [source])
      expect(refused).toEqual({ code: 1, stdout: '', stderr: `tiny-counter: ${source}: cannot merge a store into itself\n` })
    }
    const store = await EventStore.builder().withStorage(await Sqlite.open(path)).withClock(TestClock.at(NOW)).timeZone('UTC').forAnalytics().build()
    expect(store.query('app_launch').lastDays(7).sum()).toEqual(O.some(10))
    await store.close()
  })

  it('refuses a source given twice, directly or through a symbolic link, writing nothing', async () => {
    const source = join(dir, 'twice.db')
    await fill(await Sqlite.open(source), 2)
    symlinkSync(source, join(dir, 'twice-link.db'))
    const target = join(dir, 'twice-target.db')
    for (const second of [source, join(dir, 'twice-link.db')]) {
      const refused = await merge(target, [source, second])
      expect(refused).toEqual({ code: 1, stdout: '', stderr: `tiny-counter: ${second}: given twice (its counts would be added twice)\n` })
    }
    expect(readdirSync(dir)).not.toContain('twice-target.db')
  })

  it('writes nothing when a source is corrupt or missing', async () => {
    const target = join(dir, 'untouched')
    mkdirSync(target)
    const corrupt = await cli('merge', target, join(dir, 'laptop'), join(dir, 'broken'))
    expect(corrupt.code).toBe(2)
    expect(corrupt.stdout).toBe('')
    expect(lines(corrupt.stderr)).toEqual([
      expect.stringMatching(/broken: corrupt event "settings_visit"/),
      'tiny-counter: nothing merged: 1 value do not decode'
    ])
    expect(readdirSync(target)).toEqual([])
    const missing = await cli('merge', target, join(dir, 'nope'))
    expect(missing.code).toBe(1)
    expect(missing.stderr).toBe(`tiny-counter: ${join(dir, 'nope')}: no such file or directory\n`)
    const usage = await cli('merge', target)
    expect(usage.code).toBe(1)
    expect(usage.stderr).toMatch(/merge takes a target and at least one source/)
  })
})

describe('tiny-counter merge when the target fails to write some events', () => {
  const ADDED = 'counts were added (plain counters merge by addition): merging the same sources again would add them again'

  it('into a directory: writes the others and says which events were merged, which were not and why (exit 3)', async () => {
    const base = join(dir, 'partial')
    mkdirSync(base)
    await fill(await FilePerEvent.open(join(base, 'source'), '.bin'), 3)
    const target = join(base, 'target')
    mkdirSync(join(target, 'purchase.bin'), { recursive: true }) // the event's file cannot be read nor replaced
    const { code, stdout, stderr } = await cli('merge', target, join(base, 'source'))
    expect(code).toBe(3)
    expect(lines(stdout)).toEqual([`merged 2 counters from 1 store into ${target}, but only 1 of 2 events: "app_launch"`, ADDED])
    expect(lines(stderr)).toEqual([
      `tiny-counter: ${target}: 1 of 2 events not merged (nothing was written for it): "purchase"`,
      expect.stringMatching(/^tiny-counter: .*target: why: storage could not load "purchase": .*purchase\.bin is not a regular file$/),
      'tiny-counter: do not run the same merge again: the counts of the 1 event merged would be added twice'
    ])
    const shown = await inspect(target, { now: NOW })
    expect(lines(shown.stdout)[0]).toBe(`${target}: directory of .bin files, 1 event`)
    expect(shown.stdout).toContain('app_launch: 15 in all')
  })

  it('into SQLite: one transaction, so nothing is merged when one event fails, even past 1,000 events (exit 1)', async () => {
    const source = join(dir, 'all-or-nothing-source.db')
    const writer = await EventStore.builder().withStorage(await Sqlite.open(source)).withClock(TestClock.at(NOW)).timeZone('UTC').trackDays(7).build()
    for (let i = 0; i < 1500; i++) writer.record(`event_${String(i).padStart(4, '0')}`)
    expect((await writer.close())._tag).toBe('Right')
    const target = join(dir, 'all-or-nothing-target.db')
    await (await Sqlite.open(target)).close()
    const other = new Database(target)
    other.exec(`CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.key = 'event_1200' BEGIN SELECT RAISE(ABORT, 'refused by a trigger'); END`)
    other.close()
    const refused = await merge(target, [source], { progress: () => undefined })
    expect(refused.code).toBe(1)
    expect(refused.stdout).toBe('')
    expect(refused.stderr).toMatch(/^tiny-counter: .*all-or-nothing-target\.db: cannot persist \(storage could not update \(rolled back: nothing of this transaction was written\) at "event_1200": refused by a trigger\); nothing was merged\n$/)
    const reader = await Sqlite.open(target, { readOnly: true })
    expect(await reader.listKeys()).toEqual([])
    await reader.close()
  })

  it.each(['SQLite', 'a directory'])('into %s: merges nothing when a value of the target stops decoding between its read and the write, and says so (exit 1)', async (kind) => {
    const base = join(dir, `changed-meanwhile-${kind === 'SQLite' ? 'sqlite' : 'files'}`)
    mkdirSync(base)
    const open = (path: string) => (kind === 'SQLite' ? Sqlite.open(`${path}.db`) : FilePerEvent.open(path, '.bin'))
    const writer = await EventStore.builder().withStorage(await open(join(base, 'source'))).withClock(TestClock.at(NOW)).timeZone('UTC').trackDays(7).build()
    for (let i = 0; i < 1001; i++) writer.record(`event_${String(i).padStart(4, '0')}`)
    expect((await writer.close())._tag).toBe('Right')
    const [source, target] = kind === 'SQLite' ? [join(base, 'source.db'), join(base, 'target.db')] : [join(base, 'source'), join(base, 'target')]
    expect((await merge(target, [source], { progress: () => undefined })).code).toBe(0)
    // Another program rewrites one event of the target once the merge has read it (the progress
    // line of the write comes between the two).
    const damage = (): void => {
      if (kind === 'SQLite') {
        const other = new Database(target)
        other.prepare(`UPDATE events SET data = ? WHERE key = 'event_0500'`).run(Buffer.from('garbage'))
        other.close()
      } else writeFileSync(join(target, 'event_0500.bin'), 'garbage')
    }
    const again = await merge(target, [source], { progress: (line) => (line.includes('writing') ? damage() : undefined) })
    expect(again.code).toBe(1)
    expect(again.stdout).toBe('')
    expect(again.stderr).toMatch(/^tiny-counter: .*target(\.db)?: cannot decode "event_0500" at .*\(it changed since the merge read it\); nothing was merged\n$/)
    const shown = await inspect(target, { now: NOW })
    expect(shown.stdout).toContain('event_0000: 1 in all')
    expect(shown.stdout).toContain('event_1000: 1 in all')
  })

  it('of replicated stores into a directory: says what was not merged; the same merge run again once fixed merges the rest, counting nothing twice', async () => {
    const base = join(dir, 'partial-replicated')
    mkdirSync(base)
    const phone = await EventStore.builder().withStorage(await FilePerEvent.open(join(base, 'phone'), '.rbin')).withClock(TestClock.at(NOW)).timeZone('UTC').replicaId('phone').build()
    phone.recordCount('song_played', 4)
    phone.recordCount('app_launch', 2)
    expect((await phone.close())._tag).toBe('Right')
    const target = join(base, 'all')
    mkdirSync(join(target, 'song_played.rbin'), { recursive: true })
    const first = await cli('merge', target, join(base, 'phone'))
    expect(first.code).toBe(3)
    expect(lines(first.stdout)[0]).toBe(`merged 2 replicated counters from 1 store into ${target}, but only 1 of 2 events: "app_launch"`)
    expect(lines(first.stderr)).toEqual([
      `tiny-counter: ${target}: 1 of 2 events not merged (nothing was written for it): "song_played"`,
      expect.stringMatching(/why: storage could not load "song_played": .*song_played\.rbin is not a regular file$/),
      'tiny-counter: once the cause is fixed, run the same merge again: it merges the others and changes nothing of the events merged'
    ])
    rmSync(join(target, 'song_played.rbin'), { recursive: true })
    const again = await cli('merge', target, join(base, 'phone'))
    expect(again.code).toBe(0)
    const shown = await inspect(target, { now: NOW })
    expect(shown.stdout).toContain('app_launch: 2 in all')
    expect(shown.stdout).toContain('song_played: 4 in all')
  })
})

describe('tiny-counter merge of replicated stores', () => {
  /** A replicated store on `storage` (files or SQLite), recording under `id`. */
  const device = async (storage: Storage, id: string, json = false) =>
    (json ? EventStore.builder().withFormat(JsonFormat) : EventStore.builder()).withStorage(storage).withClock(TestClock.at(NOW)).timeZone('UTC').replicaId(id).build()

  it('joins by maximum: the same merge run twice (and a source holding another\'s copy) gives the same target, and says so', async () => {
    const base = join(dir, 'replicated')
    mkdirSync(base)
    const phone = await device(await FilePerEvent.open(join(base, 'phone'), '.rbin'), 'phone')
    const laptop = await device(await Sqlite.open(join(base, 'laptop.db')), 'laptop')
    phone.recordCount('song_played', 2)
    laptop.recordCount('song_played', 3)
    laptop.record('app_launch')
    // The laptop already holds the phone's plays: merging both must not count them twice.
    const news = phone.exportReplicated({ since: laptop.versionVectors() })
    expect(news._tag === 'Right' && laptop.mergeReplicated(news.right)._tag).toBe('Right')
    expect((await phone.close())._tag).toBe('Right')
    expect((await laptop.close())._tag).toBe('Right')

    const target = join(base, 'all')
    const sources = [join(base, 'phone'), join(base, 'laptop.db')]
    const first = await cli('merge', target, ...sources)
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    expect(lines(first.stdout)).toEqual([
      `merged 3 replicated counters from 2 stores into ${target} (2 events)`,
      'replicated counters were joined (by maximum per replica and bucket): merging the same sources again changes nothing'
    ])
    expect(readdirSync(target).sort()).toEqual(['app_launch.rbin', 'song_played.rbin'])
    const bytes = readdirSync(target).sort().map((name) => readFileSync(join(target, name)))
    const second = await cli('merge', target, ...sources)
    expect(second.code).toBe(0)
    expect(readdirSync(target).sort().map((name) => readFileSync(join(target, name)))).toEqual(bytes)

    const shown = await cli('inspect', target, '--now', NOW_ISO)
    expect(shown.code).toBe(0)
    expect(lines(shown.stdout)[0]).toBe(`${target}: directory of .rbin files, 2 events of replicated counters`)
    expect(shown.stdout).toContain('song_played: 5 in all')
    expect(shown.stdout).toContain('app_launch: 1 in all')
    const server = await device(await FilePerEvent.open(target, '.rbin'), 'server')
    expect(server.query('song_played').ever().sum()).toEqual(O.some(5))
    const exported = await cli('export', target)
    const copy = EventStore.builder().withClock(TestClock.at(NOW)).timeZone('UTC').replicaId('copy').build()
    expect(copy.mergeReplicated(JSON.parse(exported.stdout))._tag).toBe('Right')
    expect(copy.query('song_played').ever().sum()).toEqual(O.some(5))
  })

  it('keeps a JSON target in JSON, and refuses to merge plain and replicated stores together, writing nothing', async () => {
    const base = join(dir, 'replicated-json')
    mkdirSync(base)
    const tablet = await device(await FilePerEvent.open(join(base, 'tablet'), '.json'), 'tablet', true)
    tablet.recordCount('song_played', 4)
    await tablet.close()
    const target = join(base, 'all')
    expect((await merge(target, [join(base, 'tablet')])).code).toBe(0)
    expect(readFileSync(join(target, 'song_played.json'), 'utf8')).toMatch(/^\{"version":1,"checksum":"[0-9a-f]{8}","replicated":/)
    const mixed = await cli('merge', target, join(dir, 'laptop'))
    expect(mixed.code).toBe(1)
    expect(mixed.stderr).toMatch(/cannot merge plain and replicated counters \(.*laptop holds plain ones, .*all replicated ones\)/)
    expect(readdirSync(target)).toEqual(['song_played.json'])
  })
})
