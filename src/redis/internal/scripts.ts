/**
 * The Lua scripts of the Redis store. Each decision is one script call, so Redis runs it alone:
 * every constraint passes and the record happens, or nothing is written.
 *
 * One hash per event (`{prefix:event}`): field `<unit letter>` holds the unit's head (the absolute
 * index of its newest bucket), field `<unit letter><index>` the count of that bucket; buckets that
 * leave the unit's range are deleted when the head moves past them. Reservations of an event are a
 * sorted set beside it (`{prefix:event}:held`, member = reservation id, score = expiry instant).
 *
 * The scripts never compute calendar boundaries: the client sends the bucket indices (a "frame"),
 * worked out for its estimate of the time, with the interval of instants in which they hold. With
 * Redis's clock (`TIME`, the default), a script whose instant falls outside that interval writes
 * nothing and answers `SKEW` with the instant, and the client tries again with it.
 *
 * Scripts are generated per layout (its unit letters and bucket counts are constants of the text).
 */
import type { Layout } from '../../Layout.js'
import type { TimeUnit } from '../../TimeUnit.js'

/** The hash field letter of each unit (`m29561234`: minute bucket 29,561,234). */
export const unitLetter: Readonly<Record<TimeUnit, string>> = { seconds: 's', minutes: 'm', hours: 'h', days: 'd', weeks: 'w', months: 'M', years: 'y' }

/** Status codes of script replies (the first element). */
export const PASSED = 0
export const REFUSED = 1
export const SKEW = 2
export const FUTURE = 3
export const SETTLED = 4

const common = (layout: Layout): string => `
local LETTERS = {${layout.tracks.map((t) => `'${unitLetter[t.unit]}'`).join(', ')}}
local LENGTHS = {${layout.tracks.map((t) => t.buckets).join(', ')}}
local U = ${layout.tracks.length}
local MAX = 9007199254740991

-- The instant of the decision: the client's, or Redis's clock.
local function instant(arg)
  if arg ~= '' then return tonumber(arg) end
  local tm = redis.call('TIME')
  return tonumber(tm[1]) * 1000 + math.floor(tonumber(tm[2]) / 1000)
end

local function numbers(text)
  local out = {}
  for word in string.gmatch(text, '%S+') do out[#out + 1] = tonumber(word) end
  return out
end

-- The heads of every unit of a hash (nil where the event has none).
local function headsOf(key)
  local raw = redis.call('HMGET', key, unpack(LETTERS))
  local heads = {}
  for u = 1, U do heads[u] = tonumber(raw[u]) end
  return heads
end

-- Moves unit u's head to at least h (deleting the buckets that leave its range); returns the head.
local function advance(key, heads, u, h, moved)
  local head = heads[u]
  if head == nil or h > head then
    if head ~= nil then
      local from = head - LENGTHS[u] + 1
      local to = math.min(head, h - LENGTHS[u])
      if to >= from then
        local fields = {}
        for i = from, to do fields[#fields + 1] = LETTERS[u] .. i end
        redis.call('HDEL', key, unpack(fields))
      end
    end
    heads[u] = h
    moved[#moved + 1] = LETTERS[u]
    moved[#moved + 1] = h
  end
  return heads[u]
end

-- Adds n to bucket i of unit u, unless the bucket is older than the unit's range.
local function add(key, heads, u, i, n)
  if n == 0 or i <= heads[u] - LENGTHS[u] then return end
  local field = LETTERS[u] .. i
  if redis.call('HINCRBY', key, field, n) > MAX then redis.call('HSET', key, field, MAX) end
end

-- Keeps a key until at least \`at\` (epoch ms of the decision's clock, t being its instant): only
-- ever extends its life. On Redis's clock the instant is absolute; on the client's, Redis is told
-- the time left (PEXPIRE ... GT), so that the two clocks never mix.
local function keep(key, at, t, clientTime)
  if clientTime == '' then
    local e = redis.call('PEXPIRETIME', key)
    if e == -1 then redis.call('PEXPIREAT', key, at) elseif e < at then redis.call('PEXPIREAT', key, at, 'GT') end
  elseif redis.call('PEXPIRE', key, at - t, 'GT') == 0 and redis.call('PTTL', key) == -1 then
    redis.call('PEXPIRE', key, at - t)
  end
end

-- Records n at bucket index[u] of every unit u.
local function record(key, heads, index, n, expireAt, t, clientTime)
  local moved = {}
  for u = 1, U do advance(key, heads, u, index[u], moved) end
  if #moved > 0 then redis.call('HSET', key, unpack(moved)) end
  for u = 1, U do add(key, heads, u, index[u], n) end
  keep(key, expireAt, t, clientTime)
end

-- A frame: "lo hi expireAt i1 .. iU"; with Redis's clock, t must fall in [lo, hi).
local function frameOf(text, clientTime, t)
  local f = numbers(text)
  if clientTime == '' and (t < f[1] or t >= f[2]) then return nil end
  local index = {}
  for u = 1, U do index[u] = f[3 + u] end
  return f[3], index
end
`

/**
 * Records into one event. KEYS[1]: the hash. ARGV: [1] instant ('' = Redis TIME), [2] frame
 * "lo hi expireAt" of the write (with Redis's clock t must fall in [lo, hi)), [3] an instant that
 * must not be later than t ('' = none), [4] '1' to replace the event (import), [5 .. 4 + U] per
 * unit "head i n i n ..." (the head to move to, then counts by bucket index; '' for none).
 * Replies {PASSED, t}, {SKEW, t} or {FUTURE, t}.
 */
const recordScript = (layout: Layout): string => `${common(layout)}
local key = KEYS[1]
local t = instant(ARGV[1])
local f = numbers(ARGV[2])
if ARGV[1] == '' and (t < f[1] or t >= f[2]) then return {${SKEW}, t} end
if ARGV[3] ~= '' and tonumber(ARGV[3]) > t then return {${FUTURE}, t} end
if ARGV[4] == '1' then redis.call('DEL', key) end
local heads = headsOf(key)
local moved = {}
local counts = {}
local any = false
for u = 1, U do
  local spec = numbers(ARGV[4 + u])
  if #spec > 0 then
    any = true
    advance(key, heads, u, spec[1], moved)
    counts[u] = spec
  end
end
if #moved > 0 then redis.call('HSET', key, unpack(moved)) end
for u = 1, U do
  local spec = counts[u]
  if spec ~= nil then
    for j = 2, #spec - 1, 2 do add(key, heads, u, spec[j], spec[j + 1]) end
  end
end
if not any then redis.call('HSETNX', key, '_', 0) end
keep(key, f[3], t, ARGV[1])
return {${PASSED}, t}
`

/**
 * Decides a limit. KEYS: the hashes of the events the limit reads (the checked event first), then
 * their reservation sets, in the same order. ARGV: [1] mode ('c' check, 'r' check and record,
 * 'h' hold a reservation), [2] instant ('' = Redis TIME), [3] frame "lo hi expireAt i1 .. iU",
 * [4] constraints, ";"-separated: "M e u w limit" (at most), "L e u w limit" (at least),
 * "C e k1 .. kU" (cooldown), "W e k1 .. kU" (within), "S 0|1" (a schedule decided by the client
 * for the whole frame); e is the event's place in KEYS, u the unit's place in the layout, w the
 * window's buckets, k the first bucket of each unit that starts after t minus the duration.
 * [5] the reservation id, [6] its lifetime (ms).
 * Replies {PASSED, t}, {SKEW, t}, or {REFUSED, t, constraint number (1-based), then per event its
 * HGETALL and its pending reservations}: what the client needs to say why and until when.
 */
const decideScript = (layout: Layout): string => `${common(layout)}
local n = #KEYS / 2
local t = instant(ARGV[2])
local expireAt, current = frameOf(ARGV[3], ARGV[2], t)
if expireAt == nil then return {${SKEW}, t} end
local heads = {}
local function headsAt(e)
  local h = heads[e]
  if h == nil then h = headsOf(KEYS[e]); heads[e] = h end
  return h
end
local function pending(e)
  local held = KEYS[n + e]
  if redis.call('ZCARD', held) == 0 then return 0 end
  redis.call('ZREMRANGEBYSCORE', held, '-inf', t)
  return redis.call('ZCARD', held)
end
-- The count of the w newest buckets of unit u (bucket 0 is the current one, never before the head).
local function count(e, u, w)
  local head = headsAt(e)[u]
  if head == nil then return 0 end
  local c = math.max(current[u], head)
  local from = math.max(c - w + 1, head - LENGTHS[u] + 1)
  local to = math.min(c, head)
  if to < from then return 0 end
  local fields = {}
  for i = from, to do fields[#fields + 1] = LETTERS[u] .. i end
  local sum = 0
  for _, v in ipairs(redis.call('HMGET', KEYS[e], unpack(fields))) do
    if v then sum = sum + tonumber(v) end
  end
  return sum
end
-- Whether the newest occurrence (in the finest unit holding one) is in a bucket at or after k[u]:
-- nil when the event was never seen.
local function seenSince(e, k)
  local h = headsAt(e)
  for u = 1, U do
    local head = h[u]
    if head ~= nil then
      local c = math.max(current[u], head)
      local low = c - LENGTHS[u] + 1
      if head >= low then
        local fields = {}
        for i = head, low, -1 do fields[#fields + 1] = LETTERS[u] .. i end
        local values = redis.call('HMGET', KEYS[e], unpack(fields))
        for j = 1, #values do
          local v = values[j]
          if v and tonumber(v) > 0 then return (head - j + 1) >= k[u] end
        end
      end
    end
  end
  return nil
end
local failed = 0
local number = 0
for item in string.gmatch(ARGV[4], '[^;]+') do
  number = number + 1
  local kind = string.sub(item, 1, 1)
  local a = numbers(string.sub(item, 2))
  local pass
  if kind == 'M' then
    pass = count(a[1], a[2], a[3]) + pending(a[1]) < a[4]
  elseif kind == 'L' then
    pass = count(a[1], a[2], a[3]) >= a[4]
  elseif kind == 'C' or kind == 'W' then
    local k = {}
    for u = 1, U do k[u] = a[1 + u] end
    local recent = seenSince(a[1], k)
    if kind == 'C' then pass = not recent else pass = recent == true end
  else
    pass = a[1] == 1
  end
  if not pass then failed = number; break end
end
if failed > 0 then
  local out = {${REFUSED}, t, failed}
  for e = 1, n do
    out[#out + 1] = redis.call('HGETALL', KEYS[e])
    out[#out + 1] = redis.call('ZCOUNT', KEYS[n + e], '(' .. t, '+inf')
  end
  return out
end
if ARGV[1] == 'r' then
  record(KEYS[1], headsAt(1), current, 1, expireAt, t, ARGV[2])
elseif ARGV[1] == 'h' then
  local until_ = t + tonumber(ARGV[6])
  redis.call('ZADD', KEYS[n + 1], until_, ARGV[5])
  keep(KEYS[n + 1], until_, t, ARGV[2])
end
return {${PASSED}, t}
`

/**
 * Reads events. KEYS: hashes, then their reservation sets. ARGV[1]: instant ('' = Redis TIME).
 * Replies {t, then per event its HGETALL and its pending reservations}.
 */
const readScript = (layout: Layout): string => `${common(layout)}
local n = #KEYS / 2
local t = instant(ARGV[1])
local out = {t}
for e = 1, n do
  out[#out + 1] = redis.call('HGETALL', KEYS[e])
  out[#out + 1] = redis.call('ZCOUNT', KEYS[n + e], '(' .. t, '+inf')
end
return out
`

/**
 * Settles a reservation. KEYS: [1] the hash, [2] its reservation set. ARGV: [1] instant
 * ('' = Redis TIME), [2] frame, [3] 'commit' or 'cancel', [4] the reservation id.
 * commit: records one event now if the reservation was still held and unexpired, else replies
 * {SETTLED, t}; cancel: releases it and records 0 now (the event exists afterwards).
 */
const settleScript = (layout: Layout): string => `${common(layout)}
local t = instant(ARGV[1])
local expireAt, current = frameOf(ARGV[2], ARGV[1], t)
if expireAt == nil then return {${SKEW}, t} end
local score = redis.call('ZSCORE', KEYS[2], ARGV[4])
redis.call('ZREM', KEYS[2], ARGV[4])
if ARGV[3] == 'commit' then
  if not score or tonumber(score) <= t then return {${SETTLED}, t} end
  record(KEYS[1], headsOf(KEYS[1]), current, 1, expireAt, t, ARGV[1])
else
  record(KEYS[1], headsOf(KEYS[1]), current, 0, expireAt, t, ARGV[1])
end
return {${PASSED}, t}
`

/** The scripts of one layout, by name. */
export interface Scripts {
  readonly record: string
  readonly decide: string
  readonly read: string
  readonly settle: string
}

/** The Lua text of every script for `layout`. */
export const scriptsFor = (layout: Layout): Scripts => ({
  record: recordScript(layout),
  decide: decideScript(layout),
  read: readScript(layout),
  settle: settleScript(layout)
})
