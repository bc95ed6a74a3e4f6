// The entry of the hostile-input worker: registers tsx's loader in this thread, then loads the
// TypeScript worker (test/fuzz/hostileWorker.ts).
import { register } from 'tsx/esm/api'

register()
await import('./hostileWorker.ts')
