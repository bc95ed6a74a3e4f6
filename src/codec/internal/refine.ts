import * as t from '#io-ts'

/** An io-ts type of the values `is` accepts, each as it is, and a failure naming the type for anything else. */
export const refine = <A>(name: string, is: (u: unknown) => u is A): t.Type<A, A, unknown> =>
  new t.Type<A, A, unknown>(name, is, (u, c) => (is(u) ? t.success(u) : t.failure(u, c)), t.identity)
