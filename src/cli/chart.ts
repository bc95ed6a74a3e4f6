/**
 * Terminal bar charts from numbers: pure functions returning text, used by the `tiny-counter` CLI
 * and the demo. Bars are drawn with Unicode block characters in eighths of a cell.
 */

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'] as const

/**
 * A bar of `value` scaled so that `max` fills `width` cells; any value above 0 shows at least a
 * sliver, 0 (or a `max` of 0) draws nothing.
 *
 * @example
 * import { bar } from 'tiny-counter/cli/chart'
 * assert.equal(bar(10, 10, 4), '████')
 * assert.equal(bar(5, 10, 4), '██')
 * assert.equal(bar(1, 1000, 4), '▏')
 * assert.equal(bar(0, 10, 4), '')
 */
export const bar = (value: number, max: number, width: number): string => {
  if (!(value > 0) || !(max > 0) || !(width > 0)) return ''
  const eighths = Math.max(1, Math.round(Math.min(value / max, 1) * width * 8))
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8]!
}

/** Options of {@link bars}. */
export interface BarsOptions {
  /** Cells of the longest bar (default 40). */
  readonly width?: number
}

/**
 * One line per `[label, value]`: the label padded to the longest, a bar scaled to the largest
 * value, and the value.
 *
 * @example
 * import { bars } from 'tiny-counter/cli/chart'
 * assert.deepEqual(bars([['mon', 4], ['tue', 2], ['wed', 0]], { width: 4 }), [
 *   'mon │████ 4',
 *   'tue │██ 2',
 *   'wed │ 0'
 * ])
 */
export const bars = (rows: ReadonlyArray<readonly [string, number]>, options: BarsOptions = {}): ReadonlyArray<string> => {
  const width = options.width ?? 40
  const max = Math.max(0, ...rows.map(([, value]) => value))
  const labelWidth = Math.max(0, ...rows.map(([label]) => label.length))
  return rows.map(([label, value]) => {
    return `${label.padEnd(labelWidth)} │${bar(value, max, width)} ${value}`
  })
}

/**
 * One line of vertical eighth-blocks, one character per value, scaled to the largest value.
 *
 * @example
 * import { sparkline } from 'tiny-counter/cli/chart'
 * assert.equal(sparkline([0, 1, 2, 4, 8]), ' ▁▂▄█')
 */
export const sparkline = (values: ReadonlyArray<number>): string => {
  const max = Math.max(0, ...values)
  const levels = ' ▁▂▃▄▅▆▇█'
  return values.map((value) => (value > 0 && max > 0 ? levels[Math.max(1, Math.round((value / max) * 8))]! : ' ')).join('')
}
