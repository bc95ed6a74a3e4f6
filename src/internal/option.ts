/**
 * The four `Option` values the library uses (`none`, `some`, `isSome`, `isNone`), without importing
 * `fp-ts/Option`: a bundler keeps the whole of that module's ES build once anything of it is used
 * (its top level calls functions that are not marked pure), and with it half of fp-ts's
 * `FromEither` and `flow`: 0.3 KB of the main entry's gzipped bundle. The types are fp-ts's.
 *
 * `none` is fp-ts's own object, which `fp-ts/Option` re-exports from fp-ts's `internal` module, so
 * that an answer `=== O.none` as it did when the library imported `fp-ts/Option` (checked in
 * test/query.test.ts and by the smoke test). That module publishes no types, hence the cast.
 */
import * as fpInternal from '#fp-ts/internal'
import type { None, Option, Some } from '#fp-ts/Option'

export type { Option }

export const none: Option<never> = (fpInternal as unknown as { readonly none: Option<never> }).none

export const some = <A>(value: A): Option<A> => ({ _tag: 'Some', value })

export const isSome = <A>(option: Option<A>): option is Some<A> => option._tag === 'Some'

export const isNone = <A>(option: Option<A>): option is None => option._tag === 'None'
