// tiny-counter/redux under react-redux: components that read every selector with useSelector,
// rendered with react-dom/server in development mode, where useSelector calls each selector twice
// on its first run and warns when the two answers are not the same object.
import { configureStore } from '@reduxjs/toolkit'
import * as O from 'fp-ts/lib/Option.js'
import { createElement } from 'react'
import type { ReactNode } from 'react'
import { renderToString } from 'react-dom/server'
import { Provider, useSelector } from 'react-redux'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Layout, Window } from 'tiny-counter'
import { createCounterSlice } from 'tiny-counter/redux'

const start = Date.UTC(2026, 2, 28, 12)
const counters = createCounterSlice({ layout: Layout.standard({ timeZone: 'Europe/Berlin' }) })
const store = configureStore({ reducer: { counters: counters.reducer } })
store.dispatch(counters.actions.recorded({ event: 'launch', at: start - 2 * 86_400_000, count: 2_000 }))
store.dispatch(counters.actions.recorded({ event: 'launch', at: start - 300_000, count: 5 }))
type Root = ReturnType<typeof store.getState>

const { selectCounter, selectSum, selectAverage, selectAverageNonzero, selectCountNonzero, selectBuckets, selectLastSeen, selectFirstSeen, selectFirstSeenIn } =
  counters.selectors
const week = () => Window.last(7, 'days')
const selectors: Record<string, (state: Root) => unknown> = {
  counter: (s) => selectCounter(s, 'launch'),
  sum: (s) => selectSum(s, 'launch', week(), start),
  average: (s) => selectAverage(s, 'launch', week(), start),
  averageNonzero: (s) => selectAverageNonzero(s, 'launch', week(), start),
  countNonzero: (s) => selectCountNonzero(s, 'launch', week(), start),
  buckets: (s) => selectBuckets(s, 'launch', Window.last(3, 'days'), start),
  lastSeen: (s) => selectLastSeen(s, 'launch', start),
  firstSeen: (s) => selectFirstSeen(s, 'launch', start),
  firstSeenIn: (s) => selectFirstSeenIn(s, 'launch', 'days', start),
  unknown: (s) => selectSum(s, 'never_seen', week(), start)
}

const Show = ({ name, select }: { readonly name: string; readonly select: (state: Root) => unknown }): ReactNode => {
  const answer = useSelector(select) as O.Option<unknown>
  return createElement('li', null, `${name}: ${O.isSome(answer) ? JSON.stringify(answer.value).slice(0, 40) : 'none'}`)
}
const render = (entries: ReadonlyArray<readonly [string, (state: Root) => unknown]>): string =>
  renderToString(createElement(Provider, { store, children: createElement('ul', null, ...entries.map(([name, select]) => createElement(Show, { key: name, name, select }))) }))

let warn: ReturnType<typeof vi.spyOn>
beforeEach(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
})
afterEach(() => warn.mockRestore())
const unstable = () => warn.mock.calls.filter((call: ReadonlyArray<unknown>) => String(call[0]).includes('returned a different result'))

describe('useSelector in development', () => {
  it('checks selectors: a selector that makes a new object each call is reported', () => {
    expect(process.env.NODE_ENV).not.toBe('production')
    render([['fresh', (s) => O.some({ ...s.counters.counters })]])
    expect(unstable()).toHaveLength(1)
  })

  it('reports none of the slice’s selectors, and renders their answers', () => {
    const html = render(Object.entries(selectors))
    expect(unstable()).toEqual([])
    expect(warn).not.toHaveBeenCalled()
    expect(html).toContain('sum: 2005')
    expect(html).toContain('countNonzero: 2')
    expect(html).toContain('buckets: [[0,5],[1,0],[2,2000]]')
    expect(html).toContain('unknown: none')
  })
})
