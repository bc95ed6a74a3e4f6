/**
 * One function, two call styles: data-first `f(self, a, b)` and data-last `f(a, b)(self)` for
 * `pipe`. The predicate looks at the arguments and says whether the data came first.
 * (The same idea as Effect's `Function.dual`.)
 */
export const dual = <DataLast extends (...args: Array<any>) => any, DataFirst extends (...args: Array<any>) => any>(
  isDataFirst: (args: IArguments) => boolean,
  body: DataFirst
): DataLast & DataFirst =>
  function (this: unknown) {
    if (isDataFirst(arguments)) return body.apply(this, arguments as unknown as Parameters<DataFirst>)
    const args = arguments
    return (self: unknown) => body(self, ...args)
  } as DataLast & DataFirst
