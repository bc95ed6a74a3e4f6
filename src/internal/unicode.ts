/**
 * Well-formed Unicode: a string whose UTF-16 has no lone surrogate survives UTF-8 (files, SQLite,
 * Bincode's TextEncoder), which writes a lone surrogate as U+FFFD, so that two such strings could
 * come back as one.
 */

const LONE_SURROGATE = /\p{Cs}/u

/** Whether `s` holds a surrogate that is not half of a pair. */
export const hasLoneSurrogate = (s: string): boolean => LONE_SURROGATE.test(s)
