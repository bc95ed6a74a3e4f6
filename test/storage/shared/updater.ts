// A child process of test/storage/shared.test.ts: opens the storage named by its arguments and adds
// 1 to a 4-byte counter under key "n", `times` times, each in one `update`, then exits. Several of
// these at once, on one SQLite file or one folder, must lose no increment.
import { FilePerEvent } from '../../../src/storage/FilePerEvent.js'
import { Sqlite } from '../../../src/storage/Sqlite.js'
import type { Storage } from '../../../src/store/Storage.js'

const [kind, path, times] = process.argv.slice(2) as [string, string, string]
const storage: Storage = kind === 'sqlite' ? await Sqlite.open(path) : await FilePerEvent.open(path, '.bin')
const read = (bytes: Uint8Array | undefined): number => (bytes === undefined ? 0 : new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0))
const bytesOf = (n: number): Uint8Array => {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, n)
  return out
}
for (let i = 0; i < Number(times); i++) {
  await storage.update!(['n'], ([n]) => [{ key: 'n', data: bytesOf(read(n) + 1) }])
}
await storage.close()
