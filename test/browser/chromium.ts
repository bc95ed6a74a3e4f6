// The real browser for test/browser/*.test.ts: Debian's headless Chromium driven by playwright-core,
// each run in a fresh profile, and a page served from 127.0.0.1 by node:http whose script is an
// entry bundled by esbuild for the browser, as a user's bundler would (`tiny-counter` resolved to
// src/ the way vitest does). No Chromium is a failure, never a skip: `.ci/run` installs it.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'
import { chromium } from 'playwright-core'
import type { BrowserContext, Page } from 'playwright-core'
import type { Harness } from './pages/app.js'

export const CHROMIUM = '/usr/bin/chromium'
const root = fileURLToPath(new URL('../..', import.meta.url))

/** The subpaths a user imports, to the sources they are built from (as in test/vitest.config.ts). */
const SUBPATHS: Readonly<Record<string, string>> = {
  'tiny-counter': 'src/index.ts',
  'tiny-counter/browser': 'src/browser.ts',
  'tiny-counter/zustand': 'src/integrations/zustand.ts',
  'tiny-counter/redux': 'src/integrations/redux.ts'
}

/**
 * Bundles `entry` (an ES module) and what it imports into one browser script. Fails on any warning
 * or on anything that reaches for Node (`node:*` is not resolvable in a page), so a page that runs
 * is a page a user's bundler could build.
 */
export const bundle = async (entry: { readonly path: string } | { readonly contents: string; readonly name: string }, plugins: esbuild.Plugin[] = []): Promise<string> => {
  const result = await esbuild.build({
    ...('path' in entry ? { entryPoints: [entry.path] } : { stdin: { contents: entry.contents, sourcefile: entry.name, resolveDir: root, loader: 'ts' } }),
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
    plugins: [
      ...plugins,
      {
        name: 'tiny-counter-from-src',
        setup(build) {
          build.onResolve({ filter: /^tiny-counter(\/[\w-]+)?$/ }, (args) => {
            const source = SUBPATHS[args.path]
            return source === undefined ? { errors: [{ text: `no such entry in the test bundle: ${args.path}` }] } : { path: join(root, source) }
          })
        }
      }
    ]
  })
  if (result.warnings.length > 0) throw new Error(`esbuild warned:\n${(await esbuild.formatMessages(result.warnings, { kind: 'warning' })).join('\n')}`)
  return result.outputFiles[0]!.text
}

/** A page server: `/` is an empty page that loads `/page.js` as a module; `files` maps paths (`/page.js`) to scripts. */
export interface Site {
  readonly url: string
  readonly close: () => Promise<void>
}

export const serve = async (files: Readonly<Record<string, string>>): Promise<Site> => {
  const html = '<!doctype html><meta charset="utf-8"><title>tiny-counter</title><script type="module" src="/page.js"></script>'
  const server = createServer((request, response) => {
    const script = files[request.url ?? '']
    if (script !== undefined) response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(script)
    else if (request.url === '/') response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html)
    else response.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

export interface Browser {
  readonly context: BrowserContext
  /** A new tab on `url`, once its module script has run (it sets `globalThis.ready`). */
  readonly open: (url: string) => Promise<Page>
  readonly close: () => Promise<void>
}

/** Headless Chromium in a fresh profile; rejects (the test fails) when Chromium is not installed. */
export const launch = async (): Promise<Browser> => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium), as .ci/run does`)
  const profile = mkdtempSync(join(tmpdir(), 'tiny-counter-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
  })
  const errors: string[] = []
  context.on('weberror', (error) => void errors.push(String(error.error())))
  const open = async (url: string): Promise<Page> => {
    const page = await context.newPage()
    page.on('pageerror', (error) => void errors.push(error.message))
    await page.goto(url)
    await ready(page, errors)
    return page
  }
  return {
    context,
    open,
    close: async () => {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    }
  }
}

/** Waits for the page's script to set `globalThis.ready`, failing with the page's errors if it threw. */
export const ready = async (page: Page, errors: ReadonlyArray<string> = []): Promise<void> => {
  try {
    await page.waitForFunction(() => (globalThis as { ready?: boolean }).ready === true, undefined, { timeout: 30_000 })
  } catch (cause) {
    throw new Error(`the page's script did not start: ${errors.join('; ') || String(cause)}`)
  }
}

/** The page of test/browser/pages/app.ts, served and opened in a fresh Chromium. */
export interface HarnessPage {
  readonly browser: Browser
  readonly site: Site
  readonly page: Page
  readonly close: () => Promise<void>
}

export const harnessPage = async (): Promise<HarnessPage> => {
  const site = await serve({ '/page.js': await bundle({ path: fileURLToPath(new URL('./pages/app.ts', import.meta.url)) }) })
  const browser = await launch()
  const page = await browser.open(site.url)
  return {
    browser,
    site,
    page,
    close: async () => {
      await browser.close()
      await site.close()
    }
  }
}

/** Calls `harness[name](...args)` in the page (test/browser/pages/app.ts). */
export const call = <K extends keyof Harness>(page: Page, name: K, ...args: Parameters<Harness[K]>): Promise<Awaited<ReturnType<Harness[K]>>> =>
  page.evaluate(
    ([name, args]) => (globalThis as unknown as { harness: Record<string, (...a: unknown[]) => unknown> }).harness[name]!(...args),
    [name, args] as const
  ) as Promise<Awaited<ReturnType<Harness[K]>>>
