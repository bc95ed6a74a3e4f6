import { InvalidEventName } from '../errors.js'

/** What the store takes as an event name: a non-empty string (anything else is an `InvalidEventName`). */
export const isEventName = (event: unknown): event is string => typeof event === 'string' && event.length > 0

/**
 * Why `event` cannot be an event name, or `undefined`: not a non-empty string, or (given a
 * storage's rule, `invalidKey`) a name that storage cannot hold, with the storage's reason.
 */
export const nameError = (event: unknown, invalidKey?: (key: string) => string | undefined): InvalidEventName | undefined => {
  if (!isEventName(event)) return new InvalidEventName(event)
  const problem = invalidKey?.(event)
  return problem === undefined ? undefined : new InvalidEventName(event, problem)
}
