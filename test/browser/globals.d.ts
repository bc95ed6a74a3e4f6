// The browser globals that the examples of docs/BROWSER.md and of src/browser use, typed for the
// type-check of the tests (which run without the DOM library). In Node, test/docs/browserGlobals.ts
// provides them; in Chromium (test/browser/), the page does.
import type { IdbFactory, WebStorageArea } from 'tiny-counter/browser'

declare global {
  var localStorage: WebStorageArea
  var indexedDB: IdbFactory
}
