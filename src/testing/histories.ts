/**
 * Counters drawn as what they went through: histories of records and rotations clustered around
 * one instant of interest, so that several counters share buckets and meet at the boundaries. A
 * counterexample prints the calls that built it, so it can be replayed.
 */
import * as fc from 'fast-check'
import * as E from '#fp-ts/Either'
import type { Counter } from '../Counter.js'
import { empty, record, rotate } from '../Counter.js'
import type { Layout } from '../Layout.js'
import { transitionsOf } from './anchors.js'
import { anchorsOf, count, instantAmong, instantNear, layouts, showInstant, showLayout } from './arbitraries.js'

/** One thing that happened to a counter. */
export type Step = { readonly _tag: 'Record'; readonly at: number; readonly n: number } | { readonly _tag: 'Rotate'; readonly at: number }

/** What happened to a counter, in order, starting from `Counter.empty(layout)`. */
export type Steps = ReadonlyArray<Step>

/** Several histories over one layout, clustered around one instant so that they share buckets. */
export interface Scene {
  readonly layout: Layout
  readonly focal: number
  readonly histories: ReadonlyArray<Steps>
}

/** How to draw a scene; everything has a default. */
export interface SceneOptions {
  /** How many histories (default 1). */
  readonly histories?: number
  /** Whether histories may rotate as well as record (default true). */
  readonly rotations?: boolean
  /** The layouts to draw from (default: `layouts`). */
  readonly layouts?: ReadonlyArray<Layout>
  /** The most steps in one history (default 10). */
  readonly maxSteps?: number
}

/** A history as the calls that replay it. */
const showSteps = (steps: Steps): string =>
  `[${steps.map((s) => (s._tag === 'Record' ? `record(${showInstant(s.at)}, ${s.n})` : `rotate(${showInstant(s.at)})`)).join(', ')}]`

const showScene = (scene: Scene): string =>
  `Scene(${showLayout(scene.layout)}, focal ${showInstant(scene.focal)}, histories ${scene.histories.map(showSteps).join(' | ')})`

/** `value`, printed by fast-check as the scene it was built from (a hidden, non-enumerable method). */
const printedAs = <A extends object>(scene: Scene, value: A): A =>
  Object.defineProperty(value, fc.toStringMethod, { value: () => showScene(scene), enumerable: false })

const printable = (scene: Scene): Scene => printedAs(scene, scene)

const recordNear = (anchors: ReadonlyArray<number>, focal: number): fc.Arbitrary<Step> =>
  fc.tuple(instantNear(anchors, focal), count).map(([at, n]): Step => ({ _tag: 'Record', at, n }))

const rotateNear = (anchors: ReadonlyArray<number>, focal: number): fc.Arbitrary<Step> => instantNear(anchors, focal).map((at): Step => ({ _tag: 'Rotate', at }))

/**
 * A history of up to `maxSteps` records (and, if `rotations`, one rotation in six) near `focal`.
 *
 * @example
 * import { anchorsFor, stepsNear } from 'tiny-counter/testing'
 * import * as fc from 'fast-check'
 * const [steps] = fc.sample(stepsNear(anchorsFor('UTC', 'calendar'), Date.UTC(2026, 0, 1), false, 5), { numRuns: 1, seed: 4 })
 * assert.ok(steps!.length <= 5 && steps!.every((s) => s._tag === 'Record'))
 */
export const stepsNear = (anchors: ReadonlyArray<number>, focal: number, rotations: boolean, maxSteps: number): fc.Arbitrary<Steps> =>
  fc.array(
    rotations ? fc.oneof({ weight: 5, arbitrary: recordNear(anchors, focal) }, { weight: 1, arbitrary: rotateNear(anchors, focal) }) : recordNear(anchors, focal),
    { maxLength: maxSteps }
  )

/**
 * A layout, an instant of interest in its zone, and histories clustered around it.
 *
 * @example
 * import { scene } from 'tiny-counter/testing'
 * import * as fc from 'fast-check'
 * const [drawn] = fc.sample(scene({ histories: 3 }), { numRuns: 1, seed: 5 })
 * assert.equal(drawn!.histories.length, 3)
 * assert.match(fc.stringify(drawn), /^Scene\((calendar|uniform) /)
 */
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

/**
 * A scene, and something drawn knowing it (an instant near its focal, a window, ...).
 *
 * @example
 * import { anchorsOf, instantNear, sceneWith } from 'tiny-counter/testing'
 * import * as fc from 'fast-check'
 * const [pair] = fc.sample(sceneWith({}, (s) => instantNear(anchorsOf(s.layout), s.focal)), { numRuns: 1, seed: 6 })
 * assert.equal(pair![0].histories.length, 1)
 * assert.equal(typeof pair![1], 'number')
 */
export const sceneWith = <A>(options: SceneOptions, extra: (scene: Scene) => fc.Arbitrary<A>): fc.Arbitrary<readonly [Scene, A]> =>
  scene(options).chain((s) => extra(s).map((a) => [s, a] as const))

/**
 * The counter a history leaves behind. Throws if a valid record is refused (that would be a bug).
 *
 * @example
 * import { build } from 'tiny-counter/testing'
 * import { Layout, Query, Window } from 'tiny-counter'
 * import * as O from 'fp-ts/lib/Option.js'
 * const at = Date.UTC(2026, 0, 1, 9)
 * const counter = build(Layout.utc, [{ _tag: 'Record', at, n: 2 }, { _tag: 'Rotate', at: at + 3_600_000 }])
 * assert.deepEqual(Query.sum(counter, Window.last(2, 'hours'), at + 3_600_000), O.some(2))
 */
export const build = (layout: Layout, steps: Steps): Counter =>
  steps.reduce((counter: Counter, step) => {
    if (step._tag === 'Rotate') return rotate(counter, step.at)
    const recorded = record(counter, step.at, step.n)
    if (E.isLeft(recorded)) throw new Error(`record(${step.at}, ${step.n}) refused: ${recorded.left.message}`)
    return recorded.right
  }, empty(layout))

/**
 * The latest instant the histories moved a counter to: every record, and every rotation made once
 * the counter held something (rotating the empty counter leaves it empty). -Infinity for none.
 *
 * @example
 * import { reachedBy } from 'tiny-counter/testing'
 * assert.equal(reachedBy([{ _tag: 'Rotate', at: 50 }, { _tag: 'Record', at: 10, n: 1 }, { _tag: 'Rotate', at: 30 }]), 30)
 * assert.equal(reachedBy([]), -Infinity)
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

/**
 * `n` counters of one layout (default 1) built from histories clustered around one instant, so
 * that they share buckets: the inputs of a merge, a sync or a monoid law. Prints as its scene.
 *
 * @example
 * import { counters } from 'tiny-counter/testing'
 * import { Counter } from 'tiny-counter'
 * import * as fc from 'fast-check'
 * fc.assert(fc.property(counters(2), ([a, b]) => Counter.Eq.equals(Counter.merge(a!, b!), Counter.merge(b!, a!))), { numRuns: 50 })
 */
export const counters = (n: number = 1, options: SceneOptions = {}): fc.Arbitrary<ReadonlyArray<Counter>> =>
  scene({ ...options, histories: n }).map((s) => printedAs(s, s.histories.map((steps) => build(s.layout, steps))))

/**
 * One counter built from a history (see {@link counters}).
 *
 * @example
 * import { counter } from 'tiny-counter/testing'
 * import { Counter, CounterCodec } from 'tiny-counter'
 * import * as E from 'fp-ts/lib/Either.js'
 * import * as fc from 'fast-check'
 * fc.assert(fc.property(counter(), (c) => E.isRight(CounterCodec.Counter.decode(JSON.parse(JSON.stringify(c))))), { numRuns: 50 })
 * const [drawn] = fc.sample(counter(), { numRuns: 1, seed: 8 })
 * assert.match(fc.stringify(drawn), /^Scene\(/) // a counterexample shows the records that built it
 * assert.deepEqual(Object.keys(drawn!), ['layout', 'heads', 'newest', 'older'])
 */
export const counter = (options: SceneOptions = {}): fc.Arbitrary<Counter> => scene(options).map((s) => printedAs(s, build(s.layout, s.histories[0]!)))
