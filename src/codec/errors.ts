/**
 * The typed errors of the codecs: a stored or imported value that does not decode.
 */
import { TinyCounterError } from '../errors.js'

/**
 * A value that does not decode as a counter: `key` names the event, `path` the offending field.
 *
 * @example
 * import { EventStore } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * const refused = EventStore.create().importEvent('launch', { heads: 'nope' } as never)
 * assert.ok(E.isLeft(refused) && refused.left._tag === 'DecodeError' && refused.left.key === 'launch')
 */
export class DecodeError extends TinyCounterError {
  readonly _tag = 'DecodeError'
  constructor(readonly key: string, readonly path: string, detail: string) {
    super(`cannot decode ${JSON.stringify(key)} at ${path === '' ? 'the top' : path}: ${detail}`)
    this.name = this._tag
  }
}
