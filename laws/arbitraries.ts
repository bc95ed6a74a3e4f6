// fast-check arbitraries for the laws: instants that hit bucket boundaries, DST changes, month
// ends and leap days; counts that are mostly small and sometimes saturate; layouts; and histories
// (records and rotations clustered around one instant) that fold into counters.
import * as fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { Counter, Layout, TimeUnit, Window } from 'tiny-counter'
import { DAY, EARLIEST, HOUR, LATEST, MINUTE, SECOND, WEEK, anchorNear, anchorsFor, modelZones, transitionsOf, zones } from './anchors.js'

// -------------------------------------------------------------------------------------------------
// numbers
// -------------------------------------------------------------------------------------------------

/** Mostly small counts, sometimes large, sometimes near `MAX_COUNT` so that sums saturate. */
export const count: fc.Arbitrary<number> = fc.oneof(
  { weight: 24, arbitrary: fc.integer({ min: 0, max: 5 }) },
  { weight: 4, arbitrary: fc.integer({ min: 6, max: 1_000_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 2 ** 52, max: Counter.MAX_COUNT }) },
  { weight: 1, arbitrary: fc.integer({ min: Counter.MAX_COUNT - 3, max: Counter.MAX_COUNT }) }
)

/** A nudge off an anchor: exactly on it, or a millisecond, second, minute, half hour, hour or day either side. */
export const nudge: fc.Arbitrary<number> = fc.constantFrom(
  0, 1, -1, SECOND, -SECOND, MINUTE, -MINUTE, 30 * MINUTE, -30 * MINUTE, HOUR, -HOUR, DAY, -DAY
)

/** Nominal lengths of the units, to step whole buckets away from an instant. */
const unitLength = fc.constantFrom(SECOND, MINUTE, HOUR, DAY, WEEK, 30 * DAY, 365 * DAY)

/** Any instant of 2005–2035. */
export const uniformInstant: fc.Arbitrary<number> = fc.integer({ min: EARLIEST, max: LATEST })

const nudged = (anchors: ReadonlyArray<number>): fc.Arbitrary<number> =>
  fc.tuple(fc.integer({ min: 0, max: anchors.length - 1 }), nudge).map(([i, d]) => anchors[i]! + d)

/**
 * An instant of interest in a layout's zone: an offset transition, nudged; another anchor (local
 * midnight, month start, ...), nudged; or (one time in six) any instant of 2005–2035.
 */
export const instantAmong = (anchors: ReadonlyArray<number>, transitions: ReadonlyArray<number> = []): fc.Arbitrary<number> =>
  fc.oneof(
    ...(transitions.length > 0 ? [{ weight: 2, arbitrary: nudged(transitions) }] : []),
    { weight: 3, arbitrary: nudged(anchors) },
    { weight: 1, arbitrary: uniformInstant }
  )

/**
 * An instant close to `focal`: a nudge away, whole buckets away (mostly before it), or a nudge
 * off one of the anchors around it.
 */
export const instantNear = (anchors: ReadonlyArray<number>, focal: number): fc.Arbitrary<number> =>
  fc.oneof(
    nudge.map((d) => focal + d),
    fc.tuple(fc.integer({ min: -40, max: 3 }), unitLength, nudge).map(([k, length, d]) => focal + k * length + d),
    fc.tuple(fc.integer({ min: -12, max: 4 }), nudge).map(([j, d]) => anchorNear(anchors, focal, j) + d)
  )

/** An instant at or after `latest`: on it, just after, whole buckets after, or on one of the next anchors. */
export const instantFrom = (anchors: ReadonlyArray<number>, latest: number): fc.Arbitrary<number> =>
  fc.oneof(
    fc.constantFrom(0, 1, SECOND, MINUTE, HOUR, DAY).map((d) => latest + d),
    fc.tuple(fc.integer({ min: 1, max: 45 }), unitLength).map(([k, length]) => latest + k * length),
    fc.tuple(fc.integer({ min: 0, max: 8 }), nudge).map(([j, d]) => Math.max(latest, anchorNear(anchors, latest, j) + d))
  )

// -------------------------------------------------------------------------------------------------
// layouts
// -------------------------------------------------------------------------------------------------

const made = (counts: Layout.TrackCounts, options: Layout.LayoutOptions): Layout.Layout =>
  E.getOrElseW((error: Error) => {
    throw error
  })(Layout.make(counts, options))

/** The layout the model test reads most: every calendar unit from days up, plus hours. */
const modelCounts: Layout.TrackCounts = { hours: 24, days: 40, weeks: 10, months: 14, years: 3 }

/** Every unit with uniform alignment, each with enough buckets to reach across the others. */
const uniformCounts: Layout.TrackCounts = { seconds: 60, minutes: 60, hours: 24, days: 40, weeks: 10, months: 14, years: 3 }

/** The layouts the algebraic laws draw from: defaults, small ones that drop data, uniform ones. */
export const layouts: ReadonlyArray<Layout.Layout> = [
  Layout.utc,
  ...zones.map((timeZone) => Layout.standard({ timeZone })),
  ...modelZones.map((timeZone) => made(modelCounts, { timeZone })),
  made({ days: 3, months: 2 }, { timeZone: 'Europe/Berlin' }),
  made({ days: 1 }, { timeZone: 'Pacific/Apia' }),
  made({ weeks: 2, years: 1 }, { timeZone: 'Asia/Kolkata' }),
  made({ seconds: 5, minutes: 3, hours: 2, days: 2, weeks: 2, months: 2, years: 2 }, { timeZone: 'Australia/Lord_Howe' }),
  made({ hours: 3, days: 2 }, { timeZone: 'America/Sao_Paulo' }),
  made({ hours: 24, days: 7, weeks: 1 }, { timeZone: 'Europe/Berlin' }), // ever: days and weeks tie on Sundays
  made({ hours: 24, days: 1 }, { alignment: 'uniform', timeZone: 'UTC' }), // ever: hours and days tie at 23:00 UTC
  made(uniformCounts, { alignment: 'uniform', timeZone: 'America/New_York' }),
  made({ seconds: 3, hours: 2, days: 7, weeks: 2, months: 3, years: 2 }, { alignment: 'uniform', timeZone: 'UTC' })
]

export const layout: fc.Arbitrary<Layout.Layout> = fc.constantFrom(...layouts)

const sizedLike = (self: Layout.Layout, sizes: ReadonlyArray<readonly [TimeUnit.TimeUnit, number]>): Layout.Layout =>
  made(Object.fromEntries(sizes), { alignment: self.alignment, timeZone: self.timeZone })

/**
 * A layout of the same zone and alignment whose units each keep at most their old bucket count
 * (or are dropped), plus possibly new units: a conversion that can only lose the oldest buckets.
 */
export const narrowerLayout = (self: Layout.Layout): fc.Arbitrary<Layout.Layout> =>
  fc
    .tuple(...TimeUnit.all.map((unit) => fc.option(fc.integer({ min: 1, max: Layout.bucketsOf(self, unit) || 50 }), { nil: undefined })))
    .filter((sizes) => sizes.some((n) => n !== undefined))
    .map((sizes) => sizedLike(self, TimeUnit.all.flatMap((unit, i) => (sizes[i] === undefined ? [] : [[unit, sizes[i]] as const]))))

/** A layout of the same zone and alignment that keeps every unit with at least its old bucket count, and may add units. */
export const widerLayout = (self: Layout.Layout): fc.Arbitrary<Layout.Layout> =>
  fc
    .tuple(fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 7, maxLength: 7 }), fc.subarray([...TimeUnit.all]))
    .map(([more, added]) =>
      sizedLike(
        self,
        TimeUnit.all.flatMap((unit, i) => {
          const old = Layout.bucketsOf(self, unit)
          return old > 0 ? [[unit, old + more[i]!] as const] : added.includes(unit) ? [[unit, 1 + more[i]!] as const] : []
        })
      )
    )

// -------------------------------------------------------------------------------------------------
// windows
// -------------------------------------------------------------------------------------------------

/** A window of any unit (tracked or not): the last n buckets, a range starting anywhere, or `ever`. */
export const window: fc.Arbitrary<Window.Window> = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 70 }), fc.constantFrom(...TimeUnit.all)).map(([n, unit]) => Window.last(n, unit)),
  fc
    .tuple(fc.constantFrom(...TimeUnit.all), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 }))
    .map(([unit, a, b]) => Window.range(unit, Math.min(a, b), Math.max(a, b))),
  fc.constant(Window.ever)
)

// -------------------------------------------------------------------------------------------------
// histories: what a counter went through
// -------------------------------------------------------------------------------------------------

export type Step =
  | { readonly _tag: 'Record'; readonly at: number; readonly n: number }
  | { readonly _tag: 'Rotate'; readonly at: number }

/** What happened to a counter, in order, starting from `Counter.empty(layout)`. */
export type Steps = ReadonlyArray<Step>

/** Several histories over one layout, clustered around one instant so that they share buckets. */
export interface Scene {
  readonly layout: Layout.Layout
  readonly focal: number
  readonly histories: ReadonlyArray<Steps>
}

/** The anchors of a layout's zone (and the uniform boundaries under uniform alignment). */
export const anchorsOf = (layout: Layout.Layout): ReadonlyArray<number> => anchorsFor(layout.timeZone, layout.alignment)

/** An instant as epoch milliseconds with its ISO form beside it, for counterexamples. */
export const showInstant = (t: number): string => `${t} /* ${new Date(t).toISOString()} */`

/** A layout in one line: `calendar Europe/Berlin { days: 3, months: 2 }`. */
export const showLayout = (layout: Layout.Layout): string =>
  `${layout.alignment} ${layout.timeZone} { ${layout.tracks.map((t) => `${t.unit}: ${t.buckets}`).join(', ')} }`

/** A history as the calls that replay it. */
const showSteps = (steps: Steps): string =>
  `[${steps.map((s) => (s._tag === 'Record' ? `record(${showInstant(s.at)}, ${s.n})` : `rotate(${showInstant(s.at)})`)).join(', ')}]`

const printable = (scene: Scene): Scene =>
  Object.assign(scene, {
    [fc.toStringMethod]: () =>
      `Scene(${showLayout(scene.layout)}, focal ${showInstant(scene.focal)}, histories ${scene.histories.map(showSteps).join(' | ')})`
  })

export interface SceneOptions {
  /** How many histories (default 1). */
  readonly histories?: number
  /** Whether histories may rotate as well as record (default true). */
  readonly rotations?: boolean
  /** The layouts to draw from (default: {@link layouts}). */
  readonly layouts?: ReadonlyArray<Layout.Layout>
  readonly maxSteps?: number
}

const recordNear = (anchors: ReadonlyArray<number>, focal: number): fc.Arbitrary<Step> =>
  fc.tuple(instantNear(anchors, focal), count).map(([at, n]): Step => ({ _tag: 'Record', at, n }))

const rotateNear = (anchors: ReadonlyArray<number>, focal: number): fc.Arbitrary<Step> =>
  instantNear(anchors, focal).map((at): Step => ({ _tag: 'Rotate', at }))

export const stepsNear = (anchors: ReadonlyArray<number>, focal: number, rotations: boolean, maxSteps: number): fc.Arbitrary<Steps> =>
  fc.array(
    rotations
      ? fc.oneof({ weight: 5, arbitrary: recordNear(anchors, focal) }, { weight: 1, arbitrary: rotateNear(anchors, focal) })
      : recordNear(anchors, focal),
    { maxLength: maxSteps }
  )

/** A layout, an instant of interest in its zone, and histories clustered around it. */
export const scene = (options: SceneOptions = {}): fc.Arbitrary<Scene> => {
  const { histories = 1, rotations = true, maxSteps = 10 } = options
  return fc
    .constantFrom(...(options.layouts ?? layouts))
    .chain((layout) => instantAmong(anchorsOf(layout), transitionsOf(layout.timeZone)).map((focal) => ({ layout, focal })))
    .chain(({ layout, focal }) =>
      fc
        .array(stepsNear(anchorsOf(layout), focal, rotations, maxSteps), { minLength: histories, maxLength: histories })
        .map((hs) => printable({ layout, focal, histories: hs }))
    )
}

/** The counter a history leaves behind. Throws if a valid record is refused (that would be a bug). */
export const build = (layout: Layout.Layout, steps: Steps): Counter.Counter =>
  steps.reduce((counter: Counter.Counter, step) => {
    if (step._tag === 'Rotate') return Counter.rotate(counter, step.at)
    const recorded = Counter.record(counter, step.at, step.n)
    if (E.isLeft(recorded)) throw new Error(`record(${step.at}, ${step.n}) refused: ${recorded.left.message}`)
    return recorded.right
  }, Counter.empty(layout))

/** A scene, and something drawn knowing it (an instant near its focal, a window, ...). */
export const sceneWith = <A>(options: SceneOptions, extra: (scene: Scene) => fc.Arbitrary<A>): fc.Arbitrary<readonly [Scene, A]> =>
  scene(options).chain((s) => extra(s).map((a) => [s, a] as const))

/**
 * The latest instant the histories moved a counter to: every record, and every rotation made once
 * the counter held something (rotating the empty counter leaves it empty). -Infinity for none.
 */
export const reachedBy = (...histories: ReadonlyArray<Steps>): number =>
  histories.reduce((latest, steps) => {
    let reached = latest
    let recorded = false
    for (const step of steps) {
      recorded ||= step._tag === 'Record'
      if (recorded) reached = Math.max(reached, step.at)
    }
    return reached
  }, -Infinity)
