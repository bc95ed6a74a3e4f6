/**
 * The system's IANA time zone, read once from `Intl` the first time a layout needs a default.
 * It is the one environment read of the core, and only a default: every layout names its zone.
 */
let resolved: string | undefined

export const systemTimeZone = (): string => {
  resolved ??= Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC'
  return resolved
}
