/**
 * One function, two call styles: data-first `f(self, a, b)` and data-last `f(a, b)(self)` for
 * `pipe`. The predicate looks at the first argument and the number of arguments and says whether
 * the data came first. (The same idea as Effect's `Function.dual`.)
 *
 * Made for the hot path: the wrapper names its (at most three) parameters and reads only
 * `arguments.length`, so V8 never builds an `arguments` object, and it calls the body directly
 * instead of through `apply`. A missing argument reaches the body as `undefined`, exactly as it
 * would have by being left out, so default parameters behave the same.
 */
export const dual = <
  DataLast extends (...args: Array<any>) => any,
  DataFirst extends (self: any, a?: any, b?: any) => any
>(
  isDataFirst: (first: unknown, argumentCount: number) => boolean,
  body: DataFirst
): DataLast & DataFirst =>
  function (a: unknown, b: unknown, c: unknown) {
    if (isDataFirst(a, arguments.length)) return body(a, b, c)
    return (self: unknown) => body(self, a, b)
  } as DataLast & DataFirst
