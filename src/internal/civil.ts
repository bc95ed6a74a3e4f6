/**
 * Proleptic Gregorian calendar arithmetic on plain integers: days since 1970-01-01 and back.
 * Pure and allocation-free, so the calendar engine can find months and years without Temporal.
 * (Howard Hinnant's `days_from_civil` / `civil_from_days`; exact for every representable year.)
 */

/** Milliseconds in one (nominal) day. */
export const DAY_MS = 86_400_000

/** Days since 1970-01-01 of the given year, month (1-12) and day of month. */
export const daysFromCivil = (year: number, month: number, day: number): number => {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const monthFromMarch = (month + 9) % 12
  const dayOfYear = Math.floor((153 * monthFromMarch + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146_097 + dayOfEra - 719_468
}

/** Year and month (1-12) of a day counted from 1970-01-01. */
export const yearMonthOfDays = (days: number): { readonly year: number; readonly month: number } => {
  const z = days + 719_468
  const era = Math.floor(z / 146_097)
  const dayOfEra = z - era * 146_097
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365)
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100))
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153)
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month }
}

/** Months since January 1970 of a day counted from 1970-01-01. */
export const monthIndexOfDays = (days: number): number => {
  const { year, month } = yearMonthOfDays(days)
  return (year - 1970) * 12 + month - 1
}

/** Years since 1970 of a day counted from 1970-01-01. */
export const yearIndexOfDays = (days: number): number => yearMonthOfDays(days).year - 1970

/** Days since 1970-01-01 of the first day of a month counted from January 1970. */
export const daysOfMonthIndex = (monthIndex: number): number => {
  const yearOffset = Math.floor(monthIndex / 12)
  return daysFromCivil(1970 + yearOffset, monthIndex - yearOffset * 12 + 1, 1)
}

/** Days since 1970-01-01 of 1 January of a year counted from 1970. */
export const daysOfYearIndex = (yearIndex: number): number => daysFromCivil(1970 + yearIndex, 1, 1)
