// tiny-counter/browser in a real headless Chromium (test/browser/chromium.ts): a page bundled by
// esbuild from test/browser/pages/app.ts records into IndexedDB and into localStorage and answers
// the same after a reload; a full localStorage gives a StorageError and the events stay dirty; two
// tabs on one database converge over a BroadcastChannel with no click counted twice, and re-read
// every shared counter past a key that no store writes.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, harnessPage } from './chromium.js'
import type { Browser, HarnessPage, Site } from './chromium.js'

let harness: HarnessPage
let browser: Browser
let site: Site

beforeAll(async () => {
  harness = await harnessPage()
  ;({ browser, site } = harness)
})

afterAll(async () => {
  await harness?.close()
})

const reload = async (page: Page): Promise<void> => {
  await page.reload()
  await page.waitForFunction(() => (globalThis as { ready?: boolean }).ready === true)
}

describe.each(['indexedDb', 'localStorage'] as const)('a store on %s in Chromium', (kind) => {
  it('records, persists, and answers the same after the page reloads', async () => {
    const page = await browser.open(site.url)
    const before = await call(page, 'recordAndPersist', kind, `reload-${kind}`)
    expect(before).toEqual({
      persisted: true,
      events: ['api_call', 'app_launch'],
      launchesThisWeek: 4,
      activeDays: 4,
      apiLastHour: 42,
      unknown: null,
      loadErrors: 0,
      dirty: false
    })
    await reload(page)
    const { persisted: _, ...expected } = before
    expect(await call(page, 'reopen', kind, `reload-${kind}`)).toEqual(expected)
    if (kind === 'localStorage') {
      const stored = await call(page, 'localStorageUnder', `reload-${kind}`)
      expect(stored.map(([key]) => key)).toEqual(['reload-localStorage:api_call', 'reload-localStorage:app_launch'])
      for (const [, value] of stored) expect(value).toMatch(/^[A-Za-z0-9+/]+=*$/)
    }
    await page.close()
  })
})

describe('IndexedDB in Chromium', () => {
  it('reads bytes stored as an ArrayBuffer or a DataView, and reports values that are no bytes as DecodeErrors', async () => {
    const page = await browser.open(site.url)
    expect(await call(page, 'foreignValues', 'foreign-values')).toEqual({
      events: ['buffer', 'counted', 'view'],
      sums: [3, 3, 3],
      loadErrors: [['DecodeError', 'numbers'], ['DecodeError', 'text']]
    })
    await page.close()
  })
})

describe('IndexedDbStorage.update in Chromium', () => {
  it('hands an update of many keys the same values as a load of each, reading a range in two requests', async () => {
    const page = await browser.open(site.url)
    expect(await call(page, 'updateMany', 'update-many')).toEqual({
      mismatches: [],
      stored: 2, // 1,000 stored keys: their listing and their values, not 1,000 gets
      absent: 1, // 1,000 never stored: the listing finds none
      spread: 11, // 10 keys among 1,000: a listing cut at 21 keys, then a get each
      few: 3
    })
    await page.close()
  })
})

describe('localStorage in Chromium', () => {
  it('refuses a persist into a full localStorage with a StorageError, keeps the stored values and the events dirty', async () => {
    const page = await browser.open(site.url)
    const result = await call(page, 'quota', 'quota')
    expect(result).toMatchObject({
      first: true,
      refused: { isStorageError: true, tag: 'StorageError', cause: 'QuotaExceededError' },
      keptPrevious: true,
      dirtyAfterRefusal: true,
      retried: true,
      dirtyAfterRetry: false,
      stored: 51
    })
    expect(result.refused?.message).toMatch(/^storage could not save "[\w-]+": /)
    await page.close()
  })
})

/**
 * Both tabs' click counts, read every 20 ms until both are `made` (or 20 s passed: messages between
 * tabs are asynchronous); checks that the last read is `made` in both and that no read ever held
 * more than were made.
 */
const converge = async (one: Page, two: Page, made: number): Promise<void> => {
  const seen: Array<readonly [number | null, number | null]> = []
  const deadline = Date.now() + 20_000
  for (;;) {
    const counts = [await call(one, 'tabClicks'), await call(two, 'tabClicks')] as const
    seen.push(counts)
    if ((counts[0] === made && counts[1] === made) || Date.now() > deadline) break
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  expect(seen.at(-1)).toEqual([made, made]) // from the messages alone: no refresh, no further persist
  expect(seen.flat().every((count) => count === null || count <= made)).toBe(true) // never more than were made
}

/** Closes both tabs' stores; a third tab, opened afterwards on database `name`, reads `made` from it. */
const closeAndReopen = async (one: Page, two: Page, name: string, made: number): Promise<void> => {
  await Promise.all([call(one, 'closeTab'), call(two, 'closeTab')])
  const three = await browser.open(site.url)
  await call(three, 'openTab', name)
  expect(await call(three, 'tabClicks')).toBe(made)
  await call(three, 'closeTab')
  await Promise.all([one.close(), two.close(), three.close()])
}

describe('two tabs in Chromium', () => {
  it('converge over a BroadcastChannel, with no click counted twice', async () => {
    const [one, two] = [await browser.open(site.url), await browser.open(site.url)]
    await Promise.all([call(one, 'openTab', 'tabs'), call(two, 'openTab', 'tabs')])
    // Both click and persist at once: their transactions on the shared database interleave.
    await Promise.all([call(one, 'clicks', 30, 3), call(two, 'clicks', 20, 4)])
    await converge(one, two, 50)
    // The documented recovery for missed messages finds nothing more to merge.
    expect([await call(one, 'refreshTab'), await call(two, 'refreshTab')]).toEqual([50, 50])
    await closeAndReopen(one, two, 'tabs', 50)
  })

  it('add all of a tab\'s clicks when it persists the moment it hears of the other tab\'s', async () => {
    const [one, two] = [await browser.open(site.url), await browser.open(site.url)]
    await call(one, 'openTab', 'tabs-racing')
    await call(two, 'openTab', 'tabs-racing', true)
    await call(two, 'recordClicks', 4) // not persisted yet
    await call(one, 'clicks', 3, 3) // tab two hears of these 3 and persists its 4 while it re-reads them
    await converge(one, two, 7) // before the fix: [4, 7] for good, tab two's persist having added only 1
    await closeAndReopen(one, two, 'tabs-racing', 7)
  })

  it('merge every shared counter when the database also holds a key that is no event name, and a new tab reports that key', async () => {
    const [one, two] = [await browser.open(site.url), await browser.open(site.url)]
    // Two channels: tab one never hears of tab two's clicks, as when messages are lost.
    await Promise.all([call(one, 'openTab', 'tabs-foreign'), call(two, 'openTab', 'tabs-foreign', false, 'elsewhere')])
    await call(one, 'clicks', 2, 2)
    await call(two, 'refreshTab')
    await call(one, 'putForeignClicks', 'tabs-foreign')
    await call(two, 'clicks', 3, 3)
    expect(await call(one, 'tabClicks')).toBe(2)
    // The documented recovery re-reads every shared counter: the empty key is passed over, the rest merged.
    expect(await call(one, 'refreshTab')).toBe(5) // before the fix: 2, the whole re-read refused
    expect(await call(one, 'tabEvents')).toEqual({ events: ['click'], loadErrors: [] })
    await Promise.all([call(one, 'closeTab'), call(two, 'closeTab')])
    const three = await browser.open(site.url)
    await call(three, 'openTab', 'tabs-foreign')
    // A tab opened now loads the rest and reports the key (before: an event named '').
    expect(await call(three, 'tabEvents')).toEqual({ events: ['click'], loadErrors: [['DecodeError', '']] })
    expect(await call(three, 'tabClicks')).toBe(5)
    await call(three, 'closeTab')
    await Promise.all([one.close(), two.close(), three.close()])
  })
})
