// The zustand tests' storages: JSON text in a Map behind a `StateStorage`, answering at once,
// asynchronously, or only when the test releases its reads (as a slow IndexedDB or AsyncStorage).
import type { StateStorage } from 'zustand/middleware'

/** A `StateStorage` in a Map, sync or async, that keeps every text written. */
export const memoryStorage = (initial: Record<string, string> = {}, async = false) => {
  const text = new Map(Object.entries(initial))
  const maybeAsync = <A>(a: A): A | Promise<A> => (async ? Promise.resolve(a) : a)
  const storage: StateStorage = {
    getItem: (name) => maybeAsync(text.get(name) ?? null),
    setItem: (name, value) => void text.set(name, value),
    removeItem: (name) => void text.delete(name)
  }
  return { text, storage }
}

/** A `StateStorage` whose reads answer only when `release()` is called, as a slow IndexedDB or AsyncStorage. */
export const slowStorage = (initial: Record<string, string>) => {
  const text = new Map(Object.entries(initial))
  const waiting: Array<() => void> = []
  const storage: StateStorage = {
    getItem: (name) => new Promise((resolve) => waiting.push(() => resolve(text.get(name) ?? null))),
    setItem: (name, value) => void text.set(name, value),
    removeItem: (name) => void text.delete(name)
  }
  const release = async () => {
    while (waiting.length > 0) waiting.shift()!()
    await new Promise((resolve) => setTimeout(resolve, 0))
  }
  return { text, storage, release }
}
