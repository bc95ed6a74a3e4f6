// Drivers: each turns predicates (predicates.ts) and the arbitraries of tiny-counter/testing into
// named fast-check properties, one group per test file. Properties draw histories, not counters, so a
// counterexample prints the records that built the counter and can be replayed.
import * as fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { Calendar, Counter, TimeUnit, Window } from 'tiny-counter'
import type { Layout } from 'tiny-counter'
import * as A from 'tiny-counter/testing'
import { anchorsFor, transitionsOf, zones } from 'tiny-counter/testing'
import { DAY, HOUR, MINUTE, SECOND, historicTransitionsOf, modelZones } from './anchors.js'
import type { Event } from './model.js'
import { answer, bucketNumber, calendarBucketStart, everUnit, knowsUnit } from './model.js'
import * as P from './predicates.js'

/** Every law runs this many times. */
export const RUNS = { numRuns: 1000 } as const

/** Named properties; `any` because each property of a group draws different inputs. */
type Laws = A.Laws

/**
 * A zone's layouts for the model: the issue's calendar layout, the default one and the small ones
 * of that zone, and the uniform layouts (whose buckets ignore the zone) moved to it.
 */
const modelLayouts = (zone: string): ReadonlyArray<Layout.Layout> =>
  A.layouts
    .filter((l) => l.timeZone === zone || l.alignment === 'uniform')
    .map((l) => (l.alignment === 'uniform' ? { ...l, timeZone: zone } : l))

const modelZoneLayouts = modelZones.flatMap(modelLayouts)

const built = (scene: A.Scene): ReadonlyArray<Counter.Counter> => scene.histories.map((steps) => A.build(scene.layout, steps))

// -------------------------------------------------------------------------------------------------
// the monoid
// -------------------------------------------------------------------------------------------------

export const mergeMonoid = (): Laws => ({
  ...A.counterMonoid(),
  'getMonoid(layout).concat is associative for counters of any layouts': fc.property(A.layout, A.scene(), A.scene(), A.scene(), (layout, x, y, z) =>
    A.associative(Counter.Eq, Counter.getMonoid(layout).concat)(built(x)[0]!, built(y)[0]!, built(z)[0]!)
  )
})

// -------------------------------------------------------------------------------------------------
// record
// -------------------------------------------------------------------------------------------------

export const recording = (): Laws => {
  const event = (scene: A.Scene) => fc.tuple(A.instantNear(A.anchorsOf(scene.layout), scene.focal), A.count)
  return {
    'record(c, t, n) equals merge(c, singleton(t, n))': fc.property(A.sceneWith({}, event), ([scene, [at, n]]) =>
      P.recordIsMergeWithSingleton(built(scene)[0]!, at, n)
    ),
    'two records give the same counter in either order': fc.property(
      A.sceneWith({}, (scene) => fc.tuple(event(scene), event(scene))),
      ([scene, [first, second]]) => P.recordsCommute(built(scene)[0]!, first, second)
    ),
    'invalid counts and instants are refused': fc.property(
      A.sceneWith({}, (scene) =>
        fc.tuple(
          event(scene),
          fc.oneof(
            fc.integer({ max: -1 }),
            fc.double({ noInteger: true }),
            fc.constantFrom(Number.NaN, Infinity, -Infinity, 2 ** 53, Number.MAX_VALUE)
          ),
          fc.oneof(
            fc.double({ min: -1e15, max: 1e15, noInteger: true }),
            fc.constantFrom(Number.NaN, Infinity, -Infinity, 8.64e15 + 1, -8.64e15 - 1)
          )
        )
      ),
      ([scene, [[at, n], badCount, badInstant]]) => P.invalidInputIsRefused(built(scene)[0]!, at, n, badCount, badInstant)
    ),
    // src caches zone offsets by spans of time: check the exact limits before the next law warms
    // that cache near them, or a failure at the limit could be hidden by the cache.
    'the earliest and the latest instant Counter.isInstant accepts can be recorded and read back': fc.property(
      A.layout,
      fc.constantFrom(Calendar.MIN_INSTANT, Calendar.MAX_INSTANT),
      P.acceptedInstantsCanBeRecorded
    ),
    'every instant Counter.isInstant accepts can be recorded and read back': fc.property(
      A.layout,
      fc.oneof(
        fc.integer({ min: 0, max: 2 * DAY }).map((d) => Calendar.MIN_INSTANT + d),
        fc.integer({ min: 1, max: 2 * DAY }).map((d) => Calendar.MAX_INSTANT - d),
        fc.integer({ min: Calendar.MIN_INSTANT, max: Calendar.MAX_INSTANT })
      ),
      P.acceptedInstantsCanBeRecorded
    ),
    'data-last forms agree with data-first forms': fc.property(
      A.sceneWith({ histories: 2 }, (scene) => fc.tuple(event(scene), A.window)),
      ([scene, [[at, n], window]]) => {
        const [a, b] = built(scene)
        return P.dataLastAgrees(a!, b!, at, n, window)
      }
    )
  }
}

// -------------------------------------------------------------------------------------------------
// rotate
// -------------------------------------------------------------------------------------------------

export const rotation = (): Laws => {
  const near = (scene: A.Scene) => A.instantNear(A.anchorsOf(scene.layout), scene.focal)
  return {
    'rotate is idempotent': fc.property(A.sceneWith({}, near), ([scene, t]) => P.rotateIsIdempotent(built(scene)[0]!, t)),
    'rotate(rotate(c, t1), t2) = rotate(c, max(t1, t2))': fc.property(
      A.sceneWith({}, (scene) => fc.tuple(near(scene), near(scene))),
      ([scene, [t1, t2]]) => P.rotateComposes(built(scene)[0]!, t1, t2)
    ),
    'rotate distributes over merge': fc.property(A.sceneWith({ histories: 2 }, near), ([scene, t]) => {
      const [a, b] = built(scene)
      return P.rotateDistributesOverMerge(a!, b!, t)
    }),
    'rotate never moves backwards': fc.property(A.sceneWith({}, near), ([scene, t]) => {
      const reached = A.reachedBy(...scene.histories)
      return P.rotateNeverMovesBack(built(scene)[0]!, Number.isFinite(reached) ? Math.min(t, reached) : t, reached)
    })
  }
}

// -------------------------------------------------------------------------------------------------
// shape
// -------------------------------------------------------------------------------------------------

const bucketWindow: fc.Arbitrary<Window.Buckets> = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 70 }), fc.constantFrom(...TimeUnit.all)).map(([n, unit]) => Window.last(n, unit) as Window.Buckets),
  fc
    .tuple(fc.constantFrom(...TimeUnit.all), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 }))
    .map(([unit, a, b]) => Window.range(unit, Math.min(a, b), Math.max(a, b)) as Window.Buckets)
)

/**
 * An instant in the newest bucket of every unit of a non-empty counter: the first or the last
 * millisecond that all its newest buckets share, or any one between. Counters built by records and
 * rotations always have one: each unit's newest bucket holds the latest instant the counter reached.
 */
const inNewestBuckets = (c: Counter.Counter): fc.Arbitrary<number> => {
  const { alignment, timeZone, tracks } = c.layout
  let first = Calendar.MIN_INSTANT
  let last = Calendar.MAX_INSTANT
  tracks.forEach((track, u) => {
    const grid = Calendar.grid(alignment, timeZone, track.unit)
    first = Math.max(first, grid.start(c.heads[u]!))
    last = Math.min(last, grid.start(c.heads[u]! + 1) - 1)
  })
  if (first > last) throw new Error(`the newest buckets of ${JSON.stringify(c)} share no instant`)
  return fc.oneof(fc.constantFrom(first, last), fc.integer({ min: first, max: last }))
}

/** The first history's counter, or the merge of both; recorded into at the focal instant if it is empty. */
const nonEmpty = (scene: A.Scene, merged: boolean): Counter.Counter => {
  const [a, b] = built(scene)
  const c = merged ? Counter.merge(a!, b!) : a!
  return Counter.isEmpty(c) ? E.getOrElseW((e: Error) => { throw e })(Counter.record(c, scene.focal, 1)) : c
}

/** A non-empty counter built from a scene (its first history, or the merge of both), and an instant in its newest buckets. */
const counterAndNow: fc.Arbitrary<readonly [A.Scene, boolean, number, number]> = A.scene({ histories: 2 }).chain((scene) =>
  fc.boolean().chain((merged) => {
    const c = nonEmpty(scene, merged)
    return fc.tuple(inNewestBuckets(c), A.count).map(([at, n]) => [scene, merged, at, n] as const)
  })
)

export const shape = (): Laws => ({
  'no unit outgrows its layout after record, rotate, merge or convert (at most buckets - 1 older buckets, no trailing zero)': fc.property(
    A.sceneWith({ histories: 2 }, (scene) =>
      fc.tuple(
        A.instantNear(A.anchorsOf(scene.layout), scene.focal),
        A.count,
        A.layout,
        A.narrowerLayout(scene.layout),
        A.widerLayout(scene.layout)
      )
    ),
    ([scene, [t, n, other, narrower, wider]]) => {
      const [a, b] = built(scene)
      const recorded = Counter.record(a!, t, n)
      return [
        a!,
        b!,
        Counter.merge(a!, b!),
        Counter.rotate(a!, t),
        E.isRight(recorded) ? recorded.right : Counter.empty(scene.layout),
        Counter.convert(a!, other),
        Counter.convert(a!, narrower),
        Counter.convert(a!, wider),
        Counter.merge(a!, Counter.convert(b!, other)),
        Counter.merge(Counter.convert(b!, narrower), Counter.convert(a!, narrower))
      ].every(P.isWellFormed) && E.isRight(recorded)
    }
  ),
  'fromBuckets(layout, heads, toBuckets(c)) = c': fc.property(
    A.sceneWith({ histories: 2 }, (scene) =>
      fc.tuple(A.instantNear(A.anchorsOf(scene.layout), scene.focal), A.count, A.layout, A.narrowerLayout(scene.layout), A.widerLayout(scene.layout))
    ),
    ([scene, [t, n, other, narrower, wider]]) => {
      const [a, b] = built(scene)
      const recorded = Counter.record(a!, t, n)
      return (
        E.isRight(recorded) &&
        [
          a!,
          b!,
          Counter.empty(scene.layout),
          recorded.right,
          Counter.merge(a!, b!),
          Counter.rotate(a!, t),
          Counter.convert(a!, other),
          Counter.convert(Counter.merge(a!, b!), narrower),
          Counter.convert(b!, wider)
        ].every(P.bucketTableRoundTrips)
      )
    }
  ),
  'a record in the newest bucket of every unit changes the newest counts alone: heads and older buckets stay the same arrays (===)': fc.property(
    counterAndNow,
    ([scene, merged, at, n]) => P.recordNowKeepsOlderBuckets(nonEmpty(scene, merged), at, n)
  ),
  'counters are plain data that no operation mutates': fc.property(
    A.sceneWith({ histories: 2 }, (scene) => fc.tuple(A.instantNear(A.anchorsOf(scene.layout), scene.focal), A.count, A.layout)),
    ([scene, [at, n, other]]) => {
      const [a, b] = built(scene)
      return P.isPlainData(a!, b!, at, n, other)
    }
  ),
  'buckets(c, range(unit, from, to), at) lists buckets from..min(to, L) - 1': fc.property(
    A.sceneWith({}, (scene) => fc.tuple(bucketWindow, A.instantNear(A.anchorsOf(scene.layout), scene.focal))),
    ([scene, [window, at]]) => P.bucketsSpanTheWindow(built(scene)[0]!, window, at)
  )
})

// -------------------------------------------------------------------------------------------------
// sums
// -------------------------------------------------------------------------------------------------

export const sums = (): Laws => ({
  'sum(merge(a, b)) = min(sum(a) + sum(b), MAX_COUNT) at an instant after both': fc.property(
    A.sceneWith({ histories: 2 }, (scene) =>
      fc.tuple(A.window, A.instantFrom(A.anchorsOf(scene.layout), Math.max(scene.focal, A.reachedBy(...scene.histories))))
    ),
    ([scene, [window, at]]) => {
      const [a, b] = built(scene)
      return P.sumIsMergeHomomorphism(a!, b!, window, at)
    }
  ),
  'sum(empty) = some(0) for tracked units and ever, none otherwise': fc.property(
    A.layout,
    A.window,
    A.instantAmong(anchorsFor('UTC', 'uniform')),
    P.emptySumsToZero
  ),
  'a query before the newest bucket reads from the newest bucket': fc.property(
    A.sceneWith({}, (scene) => fc.tuple(A.window, A.instantNear(A.anchorsOf(scene.layout), scene.focal))),
    ([scene, [window, at]]) => {
      const reached = A.reachedBy(...scene.histories)
      return P.earlierQueriesReadTheNewestBucket(built(scene)[0]!, window, Number.isFinite(reached) ? Math.min(at, reached) : at, reached)
    }
  ),
  'a window never sums to more than ever, for counters built by recording': fc.property(
    A.sceneWith({ rotations: false }, (scene) =>
      fc.tuple(A.window, A.instantFrom(A.anchorsOf(scene.layout), Math.max(scene.focal, A.reachedBy(...scene.histories))))
    ),
    ([scene, [window, at]]) => P.windowWithinEver(built(scene)[0]!, window, at)
  )
})

// -------------------------------------------------------------------------------------------------
// convert
// -------------------------------------------------------------------------------------------------

export const conversion = (): Laws => ({
  'convert(c, c.layout) = c': fc.property(A.scene(), (scene) => P.convertToOwnLayoutIsIdentity(built(scene)[0]!)),
  'convert to fewer buckets (same zone and alignment) commutes with merge': fc.property(
    A.sceneWith({ histories: 2 }, (scene) => A.narrowerLayout(scene.layout)),
    ([scene, layout]) => {
      const [a, b] = built(scene)
      return P.convertIsMergeHomomorphism(a!, b!, layout)
    }
  ),
  // Read in 1960, before every history: instantNear reaches 40 years before a focal of 2005-2035.
  'convert to any layout keeps the newest buckets of the units both track': fc.property(A.scene(), A.layout, (scene, layout) =>
    P.convertKeepsNewestBuckets(built(scene)[0]!, layout, Date.UTC(1960, 0, 1))
  ),
  'convert to more buckets and back changes nothing': fc.property(
    A.sceneWith({}, (scene) => A.widerLayout(scene.layout)),
    ([scene, layout]) => P.convertThereAndBackIsIdentity(built(scene)[0]!, layout)
  )
})

// -------------------------------------------------------------------------------------------------
// first and last seen
// -------------------------------------------------------------------------------------------------

const recordsOf = (scene: A.Scene) => scene.histories.flatMap((steps) => steps.flatMap((s) => (s._tag === 'Record' ? [s] : [])))

const recordedScene = (layouts?: ReadonlyArray<Layout.Layout>) =>
  A.sceneWith({ rotations: false, ...(layouts === undefined ? {} : { layouts }) }, (scene) =>
    A.instantFrom(A.anchorsOf(scene.layout), Math.max(scene.focal, A.reachedBy(...scene.histories)))
  )

export const seen = (): Laws => ({
  'lastSeen is within half a bucket of the time since the newest record': fc.property(recordedScene(), ([scene, at]) =>
    P.lastSeenIsWithinHalfABucket(built(scene)[0]!, recordsOf(scene), at)
  ),
  'firstSeenIn(unit) is within half a bucket of the time since the oldest record the unit holds': fc.property(
    recordedScene(),
    fc.constantFrom(...TimeUnit.all),
    ([scene, at], unit) => P.firstSeenInIsWithinHalfABucket(built(scene)[0]!, unit, recordsOf(scene), at)
  ),
  'firstSeen reads the unit that reaches furthest back, and is never less than lastSeen': fc.property(recordedScene(modelZoneLayouts), ([scene, at]) =>
    P.firstSeenReadsTheEverUnit(built(scene)[0]!, everUnit(scene.layout, at), at)
  )
})

// -------------------------------------------------------------------------------------------------
// calendar
// -------------------------------------------------------------------------------------------------

interface GridCase {
  readonly alignment: Layout.Alignment
  readonly zone: string
  readonly unit: TimeUnit.TimeUnit
}

const gridCase = (zoneList: ReadonlyArray<string>, units: ReadonlyArray<TimeUnit.TimeUnit>): fc.Arbitrary<GridCase> =>
  fc
    .tuple(fc.constantFrom<Layout.Alignment>('calendar', 'uniform'), fc.constantFrom(...zoneList), fc.constantFrom(...units))
    .map(([alignment, zone, unit]) => ({ alignment, zone, unit }))

const anchorsOfCase = (c: GridCase): ReadonlyArray<number> => anchorsFor(c.zone, c.alignment)

const withInstant = (cases: fc.Arbitrary<GridCase>) =>
  cases.chain((c) => A.instantAmong(anchorsOfCase(c), transitionsOf(c.zone)).map((t) => [c, t] as const))

const gridOf = (c: GridCase): Calendar.Grid => Calendar.grid(c.alignment, c.zone, c.unit)

const DAY_UNITS = ['days', 'weeks', 'months', 'years'] as const

/** Every offset transition of every zone in 2005–2035, with the zone. */
const transitionCases = zones.flatMap((zone) => transitionsOf(zone).map((at) => ({ zone, at })))

/** The same, plus the transitions of 1850–2005. */
const allTransitionCases = [...transitionCases, ...zones.flatMap((zone) => historicTransitionsOf(zone).map((at) => ({ zone, at })))]

/** Any instant Temporal can place in any zone, two years clear of its limits (so that start(i) - 1 and t ± 400 days are too). */
const anyInstant = fc.integer({ min: Calendar.MIN_INSTANT + 730 * DAY, max: Calendar.MAX_INSTANT - 730 * DAY })

/** How far before or after a transition to look: from a millisecond to two hours. */
const aroundTransition = fc.constantFrom(1, SECOND, MINUTE, 30 * MINUTE, HOUR, 2 * HOUR)

export const calendar = (): Laws => ({
  'grid.index never decreases across an offset transition (clocks that fall back over midnight)': fc.property(
    fc.constantFrom(...allTransitionCases),
    fc.constantFrom(...TimeUnit.all),
    aroundTransition,
    fc.constantFrom(0, 1, SECOND, MINUTE, 30 * MINUTE, HOUR, 2 * HOUR),
    ({ zone, at }, unit, before, after) => {
      const grid = Calendar.grid('calendar', zone, unit)
      return P.indexIsMonotone(grid, at - before, at + after) && P.startIsFirstInstant(grid, grid.index(at + after))
    }
  ),
  'calendar hours, minutes and seconds start where the local wall clock shows a whole one': fc.property(
    fc.constantFrom(...transitionCases),
    fc.constantFrom('seconds', 'minutes', 'hours' as const),
    fc.constantFrom(-HOUR, -30 * MINUTE, -1, 0, 1, 30 * MINUTE, HOUR),
    ({ zone, at }, unit, d) => P.subDayBucketsFollowTheWallClock(zone, unit, at + d)
  ),
  'grid.index never decreases as time goes forward': fc.property(
    withInstant(gridCase(zones, TimeUnit.all)).chain(([c, t]) => A.instantNear(anchorsOfCase(c), t).map((u) => [c, t, u] as const)),
    ([c, t, u]) => P.indexIsMonotone(gridOf(c), Math.min(t, u), Math.max(t, u))
  ),
  'index(start(i)) >= i and index(start(i) - 1) < i': fc.property(
    withInstant(gridCase(zones, TimeUnit.all)),
    fc.integer({ min: -3, max: 3 }),
    ([c, t], k) => P.startIsFirstInstant(gridOf(c), gridOf(c).index(t) + k)
  ),
  'the grid laws hold across the whole range of instants': fc.property(
    gridCase(zones, TimeUnit.all),
    anyInstant.chain((t) => fc.oneof(anyInstant, fc.integer({ min: -400 * DAY, max: 400 * DAY }).map((d) => t + d)).map((u) => [t, u] as const)),
    (c, [t, u]) => P.indexIsMonotone(gridOf(c), Math.min(t, u), Math.max(t, u)) && P.startIsFirstInstant(gridOf(c), gridOf(c).index(t))
  ),
  'index differences count local dates, Mondays, months and years as Temporal does': fc.property(
    withInstant(gridCase(modelZones, TimeUnit.all)).chain(([c, t]) => A.instantNear(anchorsOfCase(c), t).map((u) => [c, t, u] as const)),
    ([c, t, u]) => {
      const layout = { tracks: [], alignment: c.alignment, timeZone: c.zone }
      return (
        !knowsUnit(layout, c.unit) ||
        gridOf(c).index(u) - gridOf(c).index(t) === bucketNumber(layout, c.unit, u) - bucketNumber(layout, c.unit, t)
      )
    }
  ),
  'a calendar bucket starts at Temporal’s start of its first day': fc.property(
    withInstant(gridCase(modelZones, DAY_UNITS)),
    ([c, t]) =>
      c.alignment === 'uniform' ||
      gridOf(c).start(gridOf(c).index(t)) === calendarBucketStart(c.zone, c.unit as (typeof DAY_UNITS)[number], t)
  )
})

// -------------------------------------------------------------------------------------------------
// the model
// -------------------------------------------------------------------------------------------------

/** Every window the model test asks about in a layout. */
const windowsOf = (layout: Layout.Layout): ReadonlyArray<Window.Window> => [
  Window.ever,
  Window.days(7, 14),
  ...layout.tracks
    .filter((track) => knowsUnit(layout, track.unit))
    .flatMap((track) => [
      ...[1, 2, 7, track.buckets - 1, track.buckets, track.buckets + 3].filter((n) => n >= 0).map((n) => Window.last(n, track.unit)),
      Window.range(track.unit, 1, 3),
      Window.range(track.unit, track.buckets - 2 > 0 ? track.buckets - 2 : 0, track.buckets + 2)
    ])
]

/** Records (instant, count) and two query instants, each no earlier than every record. */
export interface ModelCase {
  readonly layout: Layout.Layout
  readonly events: ReadonlyArray<Event>
  readonly at: ReadonlyArray<number>
}

const printableCase = (c: ModelCase): ModelCase =>
  Object.assign(c, {
    [fc.toStringMethod]: () =>
      `ModelCase(${A.showLayout(c.layout)}, events [${c.events.map((e) => `(${A.showInstant(e.at)}, ${e.n})`).join(', ')}], at ${c.at.map(A.showInstant).join(' and ')})`
  })

const modelCase: fc.Arbitrary<ModelCase> = fc
  .constantFrom(...modelZones)
  .chain((zone) => fc.constantFrom(...modelLayouts(zone)))
  .chain((layout) => {
    const anchors = anchorsFor(layout.timeZone, layout.alignment)
    return A.instantAmong(anchors, transitionsOf(layout.timeZone)).chain((focal) =>
      fc.array(fc.tuple(A.instantNear(anchors, focal), A.count).map(([at, n]): Event => ({ at, n })), { maxLength: 14 }).chain((events) => {
        const latest = Math.max(focal, ...events.map((e) => e.at))
        return A.instantFrom(anchors, latest).chain((first) =>
          A.instantFrom(anchors, first + DAY).map((second) => printableCase({ layout, events, at: [first, second] }))
        )
      })
    )
  })

export const model = (): Laws => ({
  'sum, countNonzero, buckets and the averages agree with a naive Temporal model': fc.property(modelCase, ({ layout, events, at }) => {
    const counter = A.build(layout, events.map((e): A.Step => ({ _tag: 'Record', ...e })))
    return at.every((now) => windowsOf(layout).every((window) => P.agreesWithModel(counter, answer(layout, events, window, now), window, now)))
  })
})
