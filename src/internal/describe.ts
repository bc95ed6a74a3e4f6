/**
 * How error messages show the values they refuse: strings quoted, objects as JSON, the rest as
 * `String` gives them. Shared by the errors of every layer.
 */
export const describeDuration = (value: unknown): string => {
  if (typeof value === 'object' && value !== null && !('toJSON' in value)) {
    try {
      return JSON.stringify(value)
    } catch {
      return String(value)
    }
  }
  return describe(value)
}

export const describe = (value: unknown): string =>
  typeof value === 'string' ? JSON.stringify(value) : typeof value === 'bigint' ? `${value}n` : String(value)
