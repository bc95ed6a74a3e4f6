/** Byte strings compared by content: the Bincode reader's remembered time zone, a persist's stored value against its baseline's bytes. */

/** Whether `a` and `b` hold the same bytes. */
export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
