/**
 * `tiny-counter/redis`: counts and limits shared by every process, in Redis (ioredis 5, an
 * optional peer dependency that only this entry uses). See docs/REDIS.md.
 */
export { RedisLayoutMismatch, RedisStore } from './RedisStore.js'
export type { ConnectError, Preset, RedisClient, RedisFallback, RedisStoreOptions } from './RedisStore.js'
export { RedisLimit, RedisReservation } from './RedisLimit.js'
export type { RedisLimitError } from './RedisLimit.js'
export { RedisDeltaQuery, RedisDeltaRange, RedisEventQuery, RedisManyQuery, RedisRangeQuery, RedisRatioQuery } from './RedisQuery.js'
