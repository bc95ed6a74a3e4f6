/**
 * Turns io-ts's list of errors into one `DecodeError`: the event's key, the dotted path of the first
 * offending field, and io-ts's message or "expected <type>, got <value>".
 */
import type * as t from '#io-ts'
import { DecodeError } from '../errors.js'

/** `what` names the decoded whole with its article, as in "a counter". */
export const firstDecodeError = (key: string, errors: t.Errors, what: string, render: (value: unknown) => string): DecodeError => {
  const first = errors[0]
  if (first === undefined) return new DecodeError(key, '', `invalid ${what.replace(/^an? /, '')}`)
  const path = first.context
    .slice(1)
    .map((entry) => entry.key)
    .filter((k) => k !== '')
    .join('.')
  const expected = first.context[first.context.length - 1]?.type.name ?? what
  return new DecodeError(key, path, first.message ?? `expected ${expected}, got ${render(first.value)}`)
}
