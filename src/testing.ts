/**
 * Property-testing kit (`tiny-counter/testing`, needs fast-check and @js-temporal/polyfill, which
 * finds its instants of interest apart from the library's own calendar): arbitraries of layouts, of
 * instants that hit bucket boundaries, DST changes, month ends and leap days, and of counters built
 * from histories; the library's laws as fast-check properties; and `TestClock`.
 */
export { EARLIEST, LATEST, anchorNear, anchorsFor, transitionsBetween, transitionsOf, zones } from './testing/anchors.js'
export {
  anchorsOf,
  count,
  instant,
  instantAmong,
  instantFrom,
  instantNear,
  layout,
  layouts,
  narrowerLayout,
  nudge,
  showInstant,
  showLayout,
  uniformInstant,
  widerLayout,
  window
} from './testing/arbitraries.js'
export type { Scene, SceneOptions, Step, Steps } from './testing/histories.js'
export { build, counter, counters, reachedBy, scene, sceneWith, stepsNear } from './testing/histories.js'
export type { Codec, Laws } from './testing/laws.js'
export { associative, codecRoundTrip, commutative, commutativeMonoid, counterMonoid, formatterRoundTrip, leftIdentity, rightIdentity } from './testing/laws.js'
export type { Clock } from './Clock.js'
export { TestClock } from './Clock.js'
