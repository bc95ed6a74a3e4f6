/**
 * Byte strings compared by content (the Bincode reader's remembered time zone, a persist's stored
 * value against its baseline's bytes), and the UTF-8 encoder and strict decoder the formats share.
 */

/** Text to UTF-8 bytes. */
export const utf8 = new TextEncoder()

/** UTF-8 bytes to text, refusing invalid bytes and keeping a leading byte order mark (Bincode's texts). */
export const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Whether `a` and `b` hold the same bytes. */
export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
