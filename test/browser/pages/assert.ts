// `node:assert/strict` for the examples that run in Chromium (test/browser/docs.test.ts): the
// members the examples use, with the same meaning (deepEqual compares structure, prototypes and
// typed-array contents; equal is Object.is), so an example asserts the same in the page as in Node.

class AssertionError extends Error {
  override readonly name = 'AssertionError'
}

const show = (value: unknown): string => {
  try {
    return JSON.stringify(value, (_, v: unknown) => (v instanceof Uint8Array ? `Uint8Array[${[...v].join(',')}]` : v))
  } catch {
    return String(value)
  }
}

const same = (a: unknown, b: unknown): boolean => {
  if (Object.is(a, b)) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
    const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
    return x.length === y.length && x.every((byte, i) => byte === y[i])
  }
  if (a instanceof Map && b instanceof Map) return a.size === b.size && [...a].every(([k, v]) => b.has(k) && same(v, b.get(k)))
  if (a instanceof Set && b instanceof Set) return a.size === b.size && [...a].every((v) => b.has(v))
  const keysA = Object.keys(a)
  const keysB = Object.keys(b)
  return keysA.length === keysB.length && keysA.every((key) => Object.prototype.hasOwnProperty.call(b, key) && same((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
}

type Expected = RegExp | (new (...args: never[]) => unknown) | ((error: unknown) => boolean) | Record<string, unknown>

const matches = (error: unknown, expected: Expected | undefined): boolean => {
  if (expected === undefined) return true
  if (expected instanceof RegExp) return expected.test(error instanceof Error ? error.message : String(error))
  if (typeof expected === 'function') {
    if (expected.prototype !== undefined && error instanceof (expected as new () => unknown)) return true
    return expected.prototype === undefined && (expected as (error: unknown) => boolean)(error) === true
  }
  return Object.entries(expected).every(([key, value]) => {
    const actual = (error as Record<string, unknown>)[key]
    return value instanceof RegExp && typeof actual === 'string' ? value.test(actual) : same(actual, value)
  })
}

const assert = Object.assign(
  (value: unknown, message?: string): void => {
    if (!value) throw new AssertionError(message ?? `expected a truthy value, got ${show(value)}`)
  },
  {
    AssertionError,
    ok(value: unknown, message?: string): void {
      if (!value) throw new AssertionError(message ?? `expected a truthy value, got ${show(value)}`)
    },
    equal(actual: unknown, expected: unknown, message?: string): void {
      if (!Object.is(actual, expected)) throw new AssertionError(message ?? `expected ${show(expected)}, got ${show(actual)}`)
    },
    notEqual(actual: unknown, expected: unknown, message?: string): void {
      if (Object.is(actual, expected)) throw new AssertionError(message ?? `expected something other than ${show(expected)}`)
    },
    deepEqual(actual: unknown, expected: unknown, message?: string): void {
      if (!same(actual, expected)) throw new AssertionError(message ?? `expected ${show(expected)}, got ${show(actual)}`)
    },
    notDeepEqual(actual: unknown, expected: unknown, message?: string): void {
      if (same(actual, expected)) throw new AssertionError(message ?? `expected something other than ${show(expected)}`)
    },
    match(text: string, pattern: RegExp, message?: string): void {
      if (!pattern.test(text)) throw new AssertionError(message ?? `expected ${show(text)} to match ${pattern}`)
    },
    fail(message?: string): never {
      throw new AssertionError(message ?? 'failed')
    },
    throws(body: () => unknown, expected?: Expected, message?: string): void {
      try {
        body()
      } catch (error) {
        if (!matches(error, expected)) throw new AssertionError(message ?? `the error ${show(String(error))} is not the one expected`)
        return
      }
      throw new AssertionError(message ?? 'expected a throw')
    },
    async rejects(promise: Promise<unknown> | (() => Promise<unknown>), expected?: Expected, message?: string): Promise<void> {
      try {
        await (typeof promise === 'function' ? promise() : promise)
      } catch (error) {
        if (!matches(error, expected)) throw new AssertionError(message ?? `the rejection ${show(String(error))} is not the one expected`)
        return
      }
      throw new AssertionError(message ?? 'expected a rejection')
    }
  }
)

export default assert
