// The user's TypeScript in the smoke test, for the entries that need no other library's types:
// smoke.mjs type-checks it in a fresh project against the packed package's declarations, with
// `lib: ["ES2022"]` alone (no DOM, no @types/node), `strict`, `exactOptionalPropertyTypes` and
// `skipLibCheck: false`. Compiled, never run. types-integrations.ts has the rest.
import * as E from 'fp-ts/lib/Either.js'
import * as O from 'fp-ts/lib/Option.js'
import { castDraft, produce } from 'immer'
import { Counter, Envelope, EventStore, Layout, Query, Schedule, TestClock, TimeUnit, Window } from 'tiny-counter'
import { counterMonoid } from 'tiny-counter/testing'

// One name, a type and a namespace, as fp-ts's `Option`.
const layout: Layout = Layout.utc
const at = Date.UTC(2026, 0, 5, 9)
const counter: Counter = E.getOrElse(() => Counter.empty(layout))(Counter.record(Counter.empty(layout), at, 2))
const week: Window = Window.last(7, 'days')
const unit: TimeUnit = 'days'
const schedule: Schedule = Schedule.weekdays()
const envelope: Envelope | undefined = undefined
const weekly: O.Option<number> = Query.sum(counter, week, at)
const alsoACounter: Counter.Counter = counter
export const named = { layout, counter, week, unit, schedule, envelope, weekly, alsoACounter }

// A reservation is disposable: `Symbol.dispose` is typed without ESNext.Disposable or @types/node.
const store = EventStore.builder().withClock(TestClock.at(at)).build()
const held = store.limit().atMost('api', 1, 'minutes').reserve('api')
if (E.isRight(held)) held.right[Symbol.dispose]()
export const closed: Promise<void> = store[Symbol.asyncDispose]()

// Immer: a counter goes into a draft with castDraft.
interface Draftable {
  readonly counters: Record<string, Counter>
}
export const next = produce<Draftable>({ counters: {} }, (draft) => {
  draft.counters.launch = castDraft(counter)
})

// The laws, for property tests of one's own.
export const laws = counterMonoid()
