import * as E from '#fp-ts/Either'

/** The value of a `Right`, or the error of a `Left` thrown: for the entry points that throw. */
export const orThrow = <A>(result: E.Either<unknown, A>): A => {
  if (E.isLeft(result)) throw result.left
  return result.right
}
