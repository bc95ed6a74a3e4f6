/**
 * Turns io-ts's list of errors into one `DecodeError`: the event's key, the dotted path of the first
 * offending field, and io-ts's message or "expected <type>, got <value>". The value is shown by a
 * short preview that never recurses, so a hostile value (JSON nested thousands deep, a huge array)
 * costs a few hundred steps and never overflows the stack.
 */
import type * as t from '#io-ts'
import { DecodeError } from '../errors.js'

/** The longest preview of a value in a message, in characters. */
const PREVIEW = 120
/** How deep a preview shows nested arrays and objects; deeper ones are written `[…]` / `{…}`. */
const DEPTH = 4

/**
 * A short, JSON-like preview of any value for an error message, at most 120 characters: strings
 * quoted, arrays and objects shown to a depth of four and cut with `...`. Iterative (an explicit
 * stack) and bounded by the preview's length, whatever the size or depth of the value.
 */
export const describeValue = (value: unknown): string => {
  let out = ''
  // What is left to write, last first: a value at a depth, or literal text.
  const todo: Array<{ readonly value: unknown; readonly depth: number } | string> = [{ value, depth: 0 }]
  while (todo.length > 0 && out.length <= PREVIEW) {
    const next = todo.pop()!
    if (typeof next === 'string') {
      out += next
      continue
    }
    const { value: v, depth } = next
    if (Array.isArray(v) || (typeof v === 'object' && v !== null)) {
      const isArray = Array.isArray(v)
      if (depth >= DEPTH) {
        out += isArray ? '[…]' : '{…}'
        continue
      }
      const entries: Array<readonly [string | undefined, unknown]> = []
      if (isArray) for (let i = 0; i < v.length && i < PREVIEW; i++) entries.push([undefined, v[i]])
      else for (const key of Object.keys(v).slice(0, PREVIEW)) entries.push([key, (v as Record<string, unknown>)[key]])
      out += isArray ? '[' : '{'
      todo.push(isArray ? ']' : '}')
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, item] = entries[i]!
        todo.push({ value: item, depth: depth + 1 })
        if (key !== undefined) todo.push(`${JSON.stringify(key)}:`)
        if (i > 0) todo.push(',')
      }
      continue
    }
    out += typeof v === 'string' ? JSON.stringify(v.length > PREVIEW ? v.slice(0, PREVIEW) : v) : typeof v === 'bigint' ? `${v}n` : String(v)
  }
  return out.length > PREVIEW ? `${out.slice(0, PREVIEW - 3)}...` : out
}

/** `what` names the decoded whole with its article, as in "a counter". */
export const firstDecodeError = (key: string, errors: t.Errors, what: string): DecodeError => {
  const first = errors[0]
  if (first === undefined) return new DecodeError(key, '', `invalid ${what.replace(/^an? /, '')}`)
  const path = first.context
    .slice(1)
    .map((entry) => entry.key)
    .filter((k) => k !== '')
    .join('.')
  const expected = first.context[first.context.length - 1]?.type.name ?? what
  return new DecodeError(key, path, first.message ?? `expected ${expected}, got ${describeValue(first.value)}`)
}
