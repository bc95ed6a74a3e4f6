// A TypeDoc plugin (loaded by test/docs/typedoc.json): names each entry-point module of the API pages after
// the import path a user writes ("tiny-counter/sqlite"), not after its file ("storage/Sqlite"),
// reading the mapping from the "exports" of package.json.
import { readFileSync } from 'node:fs'
import { Converter, ReflectionKind } from 'typedoc'

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))

/** "storage/Sqlite" -> "tiny-counter/sqlite", from `"./sqlite": { "default": "./dist/storage/Sqlite.js" }`. */
const names = new Map(
  Object.entries(pkg.exports)
    .filter(([, target]) => typeof target === 'object' && typeof target.default === 'string')
    // TypeDoc names a module `redis/index.ts` after its folder ("redis").
    .map(([subpath, target]) => [target.default.replace(/^\.\/dist\//, '').replace(/\.js$/, '').replace(/\/index$/, ''), subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`])
)

/** @param {import('typedoc').Application} app */
export const load = (app) => {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const module of context.project.getChildrenByKind(ReflectionKind.Module)) module.name = names.get(module.name) ?? module.name
  })
}
