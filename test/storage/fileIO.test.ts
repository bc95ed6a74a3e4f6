// The blocking, sliced file calls behind FilePerEvent (src/internal/fileIO.ts): reading many files
// into shared blocks (small, large, empty, missing, unreadable), slices that let the event loop
// run, and when syncfs(2) may be used.
import { execFileSync } from 'node:child_process'
import { mkdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { MAX_FILE_BYTES, SLICE_MS, inSlices, readFiles, syncfsReportsErrors } from '../../src/storage/internal/fileIO.js'
import { cleanUp, temporaryDirectory } from './backends.js'

afterAll(cleanUp)

/** Bytes that differ from file to file and from offset to offset. */
const bytes = (length: number, seed: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (i * 31 + seed * 7) & 255)

describe('readFiles', () => {
  it('reads files of every size exactly, across the shared blocks and past them', async () => {
    const dir = temporaryDirectory()
    // Around a page, the 16 KiB of room a block must have left, the 256 KiB of a block, and larger.
    const sizes = [0, 1, 49, 4095, 4096, 4097, 8192, 16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1, 100_000, 200_000, 256 * 1024 - 1, 256 * 1024, 256 * 1024 + 1, 600_000, 3, 0]
    const many = Array.from({ length: 1_200 }, (_, i) => 200 + (i % 400)) // ~480 KiB: several blocks
    const all = [...sizes, ...many]
    const paths = all.map((size, i) => {
      const path = join(dir, `f${i}`)
      writeFileSync(path, bytes(size, i))
      return path
    })
    const data = await readFiles(paths)
    expect(data).toHaveLength(all.length)
    all.forEach((size, i) => {
      expect(data[i]!.length).toBe(size)
      expect(Buffer.compare(Buffer.from(data[i]!), Buffer.from(bytes(size, i)))).toBe(0)
    })
  })

  it('gives undefined for a file that is gone, and rejects at the first file it cannot read', async () => {
    const dir = temporaryDirectory()
    writeFileSync(join(dir, 'a'), 'a')
    writeFileSync(join(dir, 'c'), 'c')
    mkdirSync(join(dir, 'folder'))
    const data = await readFiles([join(dir, 'a'), join(dir, 'missing'), join(dir, 'c')])
    expect(data.map((d) => (d === undefined ? undefined : Buffer.from(d).toString()))).toEqual(['a', undefined, 'c'])
    const failure = await readFiles([join(dir, 'a'), join(dir, 'folder'), join(dir, 'c')]).then(() => undefined, (e: unknown) => e)
    expect(failure).toMatchObject({ index: 1 })
    expect(String((failure as { cause: unknown }).cause)).toMatch(/folder is not a regular file/)
  })

  it('refuses a FIFO and a device at once (neither blocks nor fills memory), and a file over the largest size', async () => {
    const dir = temporaryDirectory()
    execFileSync('mkfifo', [join(dir, 'fifo')]) // no writer: a blocking open or read waits forever
    symlinkSync('/dev/zero', join(dir, 'zero')) // endless
    writeFileSync(join(dir, 'huge'), '')
    truncateSync(join(dir, 'huge'), MAX_FILE_BYTES + 1) // sparse: takes no disk
    for (const [name, reason] of [['fifo', /not a regular file/], ['zero', /not a regular file/], ['huge', /larger than/]] as const) {
      const failure = await readFiles([join(dir, name)]).catch((error: unknown) => error)
      expect(failure).toMatchObject({ index: 0 })
      expect(String((failure as { cause: unknown }).cause)).toMatch(reason)
    }
  })

  it('reads a large file into a buffer of its size and one byte, not twice that', async () => {
    const dir = temporaryDirectory()
    writeFileSync(join(dir, 'large'), bytes(600_000, 1))
    const [data] = await readFiles([join(dir, 'large')])
    expect(data!.length).toBe(600_000)
    expect(data!.buffer.byteLength).toBe(600_001)
  })

  it('reads nothing from no paths', async () => {
    expect(await readFiles([])).toEqual([])
  })
})

describe('inSlices', () => {
  it('runs every step in order and lets the event loop run between slices', async () => {
    const ran: number[] = []
    let turns = 0
    const tick = (): void => {
      turns++
      if (ran.length < 40) setImmediate(tick)
    }
    setImmediate(tick)
    const busy = (ms: number): void => {
      const until = performance.now() + ms
      while (performance.now() < until);
    }
    // 40 steps of 1 ms: the loop must give the event loop a turn at least every SLICE_MS.
    expect(await inSlices(40, (i) => void (ran.push(i), busy(1)))).toBe(40)
    expect(ran).toEqual(Array.from({ length: 40 }, (_, i) => i))
    expect(turns).toBeGreaterThanOrEqual(Math.floor(40 / (SLICE_MS + 1)) - 1)
    expect(turns).toBeGreaterThanOrEqual(2)
  })

  it('stops at the first step that returns false, and says which', async () => {
    const ran: number[] = []
    expect(await inSlices(10, (i) => (ran.push(i), i !== 3))).toBe(3)
    expect(ran).toEqual([0, 1, 2, 3])
    expect(await inSlices(0, () => false)).toBe(0)
  })
})

describe('syncfsReportsErrors', () => {
  it('holds on Linux 5.8 and later only (earlier kernels always report success)', () => {
    expect(syncfsReportsErrors('linux', '6.18.44-fc-v657')).toBe(true)
    expect(syncfsReportsErrors('linux', '5.8.0')).toBe(true)
    expect(syncfsReportsErrors('linux', '5.15.0-91-generic')).toBe(true)
    expect(syncfsReportsErrors('linux', '5.4.0-150-generic')).toBe(false)
    expect(syncfsReportsErrors('linux', '4.19.0')).toBe(false)
    expect(syncfsReportsErrors('linux', 'weird')).toBe(false)
    expect(syncfsReportsErrors('darwin', '23.1.0')).toBe(false)
    expect(syncfsReportsErrors('win32', '10.0.22631')).toBe(false)
  })
})
