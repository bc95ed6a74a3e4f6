// The closing line of `npm test`: every vitest test (unit tests, laws, docs examples) plus the
// package smoke test, as "tests: N passed, M failed". Reached only when every step passed.
import { readFileSync } from 'node:fs'

const read = (name) => JSON.parse(readFileSync(new URL(`.results/${name}`, import.meta.url), 'utf8'))
const vitest = read('vitest.json')
const smoke = read('smoke.json')
const passed = vitest.numPassedTests + smoke.passed
const failed = vitest.numFailedTests + smoke.failed
const skipped = vitest.numPendingTests + vitest.numTodoTests
if (skipped > 0) {
  console.error(`${skipped} tests were skipped or left as todo: tests never skip silently`)
  process.exitCode = 1
}
console.log(`tests: ${passed} passed, ${failed} failed`)
