/**
 * The benchmark tables of README.md: `run.ts` renders one row per target it checked and, after a run
 * of every timed section (or with `--write-readme`), replaces what stands between the markers
 * `<!-- bench:start -->` and `<!-- bench:end -->`; its bundle section writes the bundle table and
 * the import cost between `<!-- bundle:start -->` and `<!-- bundle:end -->`. Plain Markdown: a line
 * naming the run and a table, never a code block (README code blocks run as tests).
 */

export const START_MARKER = '<!-- bench:start -->'
export const END_MARKER = '<!-- bench:end -->'

/** The two comments a generated table stands between. */
export interface Markers {
  readonly start: string
  readonly end: string
}

export const BENCH_MARKERS: Markers = { start: START_MARKER, end: END_MARKER }
export const BUNDLE_MARKERS: Markers = { start: '<!-- bundle:start -->', end: '<!-- bundle:end -->' }

/** One target as the README shows it. */
export interface TableRow {
  readonly operation: string
  readonly ours: string
  /** The peers' figures, or '' when the target has none. */
  readonly peers: string
  /** Ours against the peer the target is about, or ''. */
  readonly ratio: string
  readonly target: string
  readonly ok: boolean
}

/** Where and how the figures were measured. */
export interface RunInfo {
  /** `YYYY-MM-DD`. */
  readonly date: string
  /** CPU model and core count, such as `Intel(R) Xeon(R) CPU @ 2.20GHz, 2 cores`. */
  readonly machine: string
  /** Such as `v20.20.2`. */
  readonly node: string
  /** The command that produced the figures, such as `npm run bench`. */
  readonly command: string
}

const cell = (text: string): string => (text === '' ? '–' : text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' '))

/** The Markdown that goes between the markers (without them). */
export const renderTable = (rows: ReadonlyArray<TableRow>, info: RunInfo): string => {
  const met = rows.filter((r) => r.ok).length
  return [
    `Written by \`${info.command}\` on ${info.date}: ${cell(info.machine)}, Node ${info.node}; ${met} of ${rows.length} targets met.`,
    '',
    '| operation | ours | peers | ratio | target | |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${[r.operation, r.ours, r.peers, r.ratio, r.target, r.ok ? 'PASS' : 'MISS'].map(cell).join(' | ')} |`)
  ].join('\n')
}

/** One bundle as the README shows it: sizes in bytes, the gzip budget if it has one. */
export interface BundleRow {
  readonly entry: string
  readonly minified: number
  readonly gzip: number
  readonly budget: number | undefined
}

const kilobytes = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`

/** The bundle table and, below it, the cost of importing the main entry in Node. */
export const renderBundleTable = (rows: ReadonlyArray<BundleRow>, importCost: string, info: RunInfo): string =>
  [
    `Written by \`${info.command}\` on ${info.date}: esbuild, \`platform: 'browser'\`, ESM, minified; gzip level 9.`,
    '',
    '| bundle | minified | gzip | budget (gzip) | |',
    '|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${[r.entry, kilobytes(r.minified), kilobytes(r.gzip), r.budget === undefined ? '' : `≤ ${kilobytes(r.budget)}`, r.budget === undefined ? '' : r.gzip <= r.budget ? 'PASS' : 'MISS'].map(cell).join(' | ')} |`
    ),
    '',
    `On ${cell(info.machine)}, Node ${info.node}: ${importCost}.`
  ].join('\n')

/**
 * `readme` with the text between the markers replaced by `table`. Throws when the markers are
 * missing, repeated or out of order, or when the table holds a code fence.
 */
export const replaceTable = (readme: string, table: string, markers: Markers = BENCH_MARKERS): string => {
  const start = readme.indexOf(markers.start)
  const end = readme.indexOf(markers.end)
  if (start < 0 || end < 0) throw new Error(`README.md has no ${markers.start} ... ${markers.end} section`)
  if (end < start || readme.indexOf(markers.start, start + 1) >= 0 || readme.indexOf(markers.end, end + 1) >= 0) {
    throw new Error(`README.md must hold exactly one ${markers.start}, followed by one ${markers.end}`)
  }
  if (table.includes('```')) throw new Error('the benchmark table must not hold a code fence: README code blocks run as tests')
  // Blank lines around the table, so that no Markdown reader takes a marker for a row of it.
  return `${readme.slice(0, start + markers.start.length)}\n\n${table.trim()}\n\n${readme.slice(end)}`
}
