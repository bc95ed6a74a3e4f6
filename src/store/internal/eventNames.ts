/** What the store takes as an event name: a non-empty string (anything else is an `InvalidEventName`). */
export const isEventName = (event: unknown): event is string => typeof event === 'string' && event.length > 0
