/**
 * `Symbol.dispose` for the types of a project whose `lib` stops before ES2024's explicit resource
 * management and which has no `@types/node`: `Reservation` implements it, and its declaration must
 * compile under the compiler's default libraries for ES2022 with `skipLibCheck: false`. This is
 * the declaration that `lib.esnext.disposable.d.ts` and `@types/node` make too; declarations of one
 * property merge, so it agrees with either. (At run time Node 20 defines the symbol.)
 */
declare global {
  interface SymbolConstructor {
    /** The method `using` calls at the end of its block. */
    readonly dispose: unique symbol
  }
}

export {}
