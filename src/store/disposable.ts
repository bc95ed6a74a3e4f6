/**
 * `Symbol.dispose` and `Symbol.asyncDispose` for the types of a project whose `lib` stops before
 * ES2024's explicit resource management and which has no `@types/node`: `Reservation` and the
 * store implement them, and their declarations must compile under the compiler's default
 * libraries for ES2022 with `skipLibCheck: false`. These are the declarations that
 * `lib.esnext.disposable.d.ts` and `@types/node` make too; declarations of one property merge, so
 * they agree with either. (At run time Node 20 defines both symbols.)
 */
declare global {
  interface SymbolConstructor {
    /** The method `using` calls at the end of its block. */
    readonly dispose: unique symbol
    /** The method `await using` calls at the end of its block. */
    readonly asyncDispose: unique symbol
  }
}

export {}
