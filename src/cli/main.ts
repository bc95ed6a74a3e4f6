#!/usr/bin/env node
/**
 * The `tiny-counter` command: parses the arguments, runs a command of ./commands.ts, prints what it
 * returns and exits with its code (see `USAGE`).
 */
import { isInstant } from '../Counter.js'
import { MAX_BUCKETS } from '../Layout.js'
import { USAGE, exportStore, inspect, merge } from './commands.js'
import type { Outcome } from './commands.js'

/** An ISO-8601 date or date-time (`Date.parse` alone takes much else: "1.5" is 5 January 2001). */
const ISO_8601 = /^[+-]?\d{4,6}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d{1,9})?)?(Z|[+-]\d\d:?\d\d)?)?$/i

/** The widest chart `--width` accepts, in cells. */
const MAX_WIDTH = 500

const usageError = (message: string): Outcome => ({ code: 1, stdout: '', stderr: `tiny-counter: ${message}\n\n${USAGE}\n` })

/** Splits `args` into positionals and `--name value` (or `--name=value`) options. */
const parse = (args: ReadonlyArray<string>): { readonly positionals: string[]; readonly flags: Map<string, string> } | string => {
  const positionals: string[] = []
  const flags = new Map<string, string>()
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === '--') {
      positionals.push(...args.slice(i + 1))
      break
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg)
      continue
    }
    const eq = arg.indexOf('=')
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq)
    const value = eq < 0 ? args[++i] : arg.slice(eq + 1)
    if (value === undefined) return `--${name} needs a value`
    flags.set(name, value)
  }
  return { positionals, flags }
}

const run = async (args: ReadonlyArray<string>): Promise<Outcome> => {
  if (args.length === 0 || args.includes('--help') || args.includes('-h') || args[0] === 'help') return { code: args.length === 0 ? 1 : 0, stdout: args.length === 0 ? '' : `${USAGE}\n`, stderr: args.length === 0 ? `${USAGE}\n` : '' }
  const parsed = parse(args.slice(1))
  if (typeof parsed === 'string') return usageError(parsed)
  const { positionals, flags } = parsed
  const allow = (...names: string[]): string | undefined => [...flags.keys()].find((name) => !names.includes(name))
  const progress = (line: string): void => void process.stderr.write(`${line}\n`)
  const command = args[0]
  switch (command) {
    case 'inspect': {
      const unknown = allow('days', 'now', 'width')
      if (unknown !== undefined) return usageError(`unknown option --${unknown}`)
      if (positionals.length !== 1) return usageError('inspect takes one store path')
      // The chart shows at most the buckets its unit has, and no layout gives a unit more than
      // MAX_BUCKETS (100,000): a larger --days would be a typo, not a request.
      const days = flags.get('days')
      const buckets = days === undefined ? undefined : /^\d+$/.test(days) ? Number(days) : Number.NaN
      if (buckets !== undefined && !(buckets >= 1 && buckets <= MAX_BUCKETS)) return usageError(`--days must be an integer from 1 to ${MAX_BUCKETS}, got ${JSON.stringify(days)}`)
      const nowText = flags.get('now')
      const now = nowText === undefined ? undefined : /^-?\d+$/.test(nowText) ? Number(nowText) : ISO_8601.test(nowText) ? Date.parse(nowText) : Number.NaN
      if (now !== undefined && !isInstant(now)) return usageError(`--now must be an ISO-8601 instant or integer epoch milliseconds within ±8.64e15, got ${JSON.stringify(nowText)}`)
      const widthText = flags.get('width')
      const width = widthText === undefined ? undefined : /^\d+$/.test(widthText) ? Number(widthText) : Number.NaN
      if (width !== undefined && !(width >= 1 && width <= MAX_WIDTH)) return usageError(`--width must be an integer from 1 to ${MAX_WIDTH}, got ${JSON.stringify(widthText)}`)
      return inspect(positionals[0]!, {
        progress,
        ...(buckets === undefined ? {} : { buckets }),
        ...(now === undefined ? {} : { now }),
        ...(width === undefined ? {} : { width })
      })
    }
    case 'export': {
      const unknown = allow('out')
      if (unknown !== undefined) return usageError(`unknown option --${unknown}`)
      if (positionals.length !== 1) return usageError('export takes one store path')
      const out = flags.get('out')
      return exportStore(positionals[0]!, out === undefined ? { progress } : { progress, out })
    }
    case 'merge': {
      const unknown = allow()
      if (unknown !== undefined) return usageError(`unknown option --${unknown}`)
      if (positionals.length < 2) return usageError('merge takes a target and at least one source')
      return merge(positionals[0]!, positionals.slice(1), { progress })
    }
    default:
      return usageError(`unknown command ${JSON.stringify(command)}`)
  }
}

// A reader that stops early (`tiny-counter export db | head -c 10`) closes the pipe: the rest of
// the output has nobody to read it, so the command ends quietly (as `cat` does) with its code.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') process.stderr.write(`tiny-counter: cannot write the output (${error.message})\n`)
  process.exit(error.code === 'EPIPE' ? (process.exitCode ?? 0) : 1)
})

run(process.argv.slice(2)).then(
  (outcome) => {
    process.stdout.write(outcome.stdout)
    process.stderr.write(outcome.stderr)
    process.exitCode = outcome.code
  },
  (error: unknown) => {
    process.stderr.write(`tiny-counter: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exitCode = 1
  }
)
