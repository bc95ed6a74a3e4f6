// What the Redux tests share: a store as configureStore makes it (the default middleware, with the
// development checks on) that keeps every action reaching the reducer, and the rule that those
// checks, which report through console.error, report nothing.
import { configureStore } from '@reduxjs/toolkit'
import type { Middleware, UnknownAction } from '@reduxjs/toolkit'
import { afterEach, beforeEach, expect, vi } from 'vitest'
import type { CounterSlice } from 'tiny-counter/redux'

/** A store with the default middleware, and every action that reached the reducer. */
export const setup = <Name extends string>(slice: CounterSlice<Name>, preloadedState?: unknown) => {
  const actions: UnknownAction[] = []
  const recorder: Middleware = () => (next) => (action) => {
    actions.push(action as UnknownAction)
    return next(action)
  }
  const store = configureStore({
    reducer: { [slice.reducerPath]: slice.reducer } as { [K in Name]: typeof slice.reducer },
    middleware: (getDefault) => getDefault().concat(recorder),
    ...(preloadedState === undefined ? {} : { preloadedState: preloadedState as never })
  })
  return { store, actions, slice }
}

/**
 * Spies on console.error around every test of the file and fails a test that leaves a report
 * there (the serializability and immutability checks report through it); `spy()` is this test's.
 */
export const failOnConsoleErrors = (): { readonly spy: () => ReturnType<typeof vi.spyOn> } => {
  let consoleError: ReturnType<typeof vi.spyOn> | undefined
  beforeEach(() => {
    consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined)
  })
  afterEach(() => {
    expect(consoleError).not.toHaveBeenCalled()
    consoleError!.mockRestore()
  })
  return { spy: () => consoleError! }
}
