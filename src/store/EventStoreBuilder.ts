/**
 * Configures a store: the units it tracks and their bucket counts, the time zone, the alignment and
 * the clock. A builder is an immutable value: every method returns a new builder. Any `track*`
 * call replaces the default layout with exactly the units named (the last call for a unit wins);
 * the presets set a whole layout, which later `track*` calls adjust.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Clock } from '../Clock.js'
import { SystemClock } from '../Clock.js'
import type { Alignment, Layout, TrackCounts } from '../Layout.js'
import { defaultCounts, make } from '../Layout.js'
import type { TimeUnit } from '../TimeUnit.js'
import type { LayoutError } from '../errors.js'
import { EventStore } from './EventStore.js'

interface Config {
  /** `undefined` until a `track*` call or a preset: the default layout. */
  readonly counts: TrackCounts | undefined
  readonly timeZone: string | undefined
  readonly alignment: Alignment
  readonly clock: Clock
}

/** Bucket counts of `forRateLimiting()`: 60 seconds, 60 minutes, 24 hours. */
export const rateLimitingCounts: TrackCounts = { seconds: 60, minutes: 60, hours: 24 }

/** Bucket counts of `forAnalytics()`: 24 hours, 56 days, 52 weeks, 12 months, 4 years. */
export const analyticsCounts: TrackCounts = { hours: 24, days: 56, weeks: 52, months: 12, years: 4 }

/**
 * Builds an `EventStore`.
 *
 * @example
 * import { EventStore, TestClock } from 'tiny-counter'
 * const store = EventStore.builder()
 *   .forAnalytics()
 *   .timeZone('Europe/Berlin')
 *   .alignment('calendar')
 *   .withClock(TestClock.at(Date.UTC(2026, 0, 1)))
 *   .build()
 * assert.equal(store.layout.timeZone, 'Europe/Berlin')
 * assert.deepEqual(store.trackedIntervals().map(([unit]) => unit), ['hours', 'days', 'weeks', 'months', 'years'])
 */
export class EventStoreBuilder {
  /** The builder every `EventStore.builder()` starts from: the default layout, the system clock. */
  static readonly initial = new EventStoreBuilder({ counts: undefined, timeZone: undefined, alignment: 'calendar', clock: SystemClock })

  private constructor(private readonly config: Config) {}

  private with(change: Partial<Config>): EventStoreBuilder {
    return new EventStoreBuilder({ ...this.config, ...change })
  }

  private track(unit: TimeUnit, buckets: number): EventStoreBuilder {
    return this.with({ counts: { ...this.config.counts, [unit]: buckets } })
  }

  /** Tracks `n` one-second buckets. */
  trackSeconds(n: number): EventStoreBuilder {
    return this.track('seconds', n)
  }
  /** Tracks `n` one-minute buckets. */
  trackMinutes(n: number): EventStoreBuilder {
    return this.track('minutes', n)
  }
  /** Tracks `n` hour buckets. */
  trackHours(n: number): EventStoreBuilder {
    return this.track('hours', n)
  }
  /** Tracks `n` day buckets. */
  trackDays(n: number): EventStoreBuilder {
    return this.track('days', n)
  }
  /** Tracks `n` week buckets (Monday to Sunday). */
  trackWeeks(n: number): EventStoreBuilder {
    return this.track('weeks', n)
  }
  /** Tracks `n` month buckets. */
  trackMonths(n: number): EventStoreBuilder {
    return this.track('months', n)
  }
  /** Tracks `n` year buckets. */
  trackYears(n: number): EventStoreBuilder {
    return this.track('years', n)
  }

  /** The rate-limiting preset: 60 seconds, 60 minutes, 24 hours. */
  forRateLimiting(): EventStoreBuilder {
    return this.with({ counts: rateLimitingCounts })
  }

  /** The analytics preset: 24 hours, 56 days, 52 weeks, 12 months, 4 years. */
  forAnalytics(): EventStoreBuilder {
    return this.with({ counts: analyticsCounts })
  }

  /** The clock the store reads (default: the system clock). */
  withClock(clock: Clock): EventStoreBuilder {
    return this.with({ clock })
  }

  /** The IANA time zone of calendar buckets (default: the system's). */
  timeZone(timeZone: string): EventStoreBuilder {
    return this.with({ timeZone })
  }

  /** `calendar` (default) or `uniform` buckets. */
  alignment(alignment: Alignment): EventStoreBuilder {
    return this.with({ alignment })
  }

  /** The store, or why the configuration is refused (a typed `LayoutError`). */
  buildEither(): E.Either<LayoutError, EventStore> {
    const { counts, timeZone, alignment, clock } = this.config
    return E.map((layout: Layout) => new EventStore(layout, clock))(
      make(counts ?? defaultCounts, timeZone === undefined ? { alignment } : { alignment, timeZone })
    )
  }

  /**
   * The store; throws the typed `LayoutError` for a refused configuration.
   *
   * @example
   * import { EventStore } from 'tiny-counter'
   * assert.throws(() => EventStore.builder().trackDays(0).build(), { name: 'InvalidBucketCount' })
   * assert.throws(() => EventStore.builder().timeZone('Atlantis/Capital').build(), { name: 'UnknownTimeZone' })
   */
  build(): EventStore {
    const built = this.buildEither()
    if (E.isLeft(built)) throw built.left
    return built.right
  }
}
