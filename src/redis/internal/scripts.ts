/**
 * The Lua scripts of the Redis store. Each decision is one script call, so Redis runs it alone:
 * every constraint passes and the record happens, or nothing is written.
 *
 * One hash per event (`{prefix:event}`): field `_` (the event's meta field) holds
 * "x h1 .. hU c1 .. cU": the instant the hash is kept until (x), each unit's head (the absolute
 * index of its newest bucket) and the count of each head bucket, or "x" alone for an event with
 * nothing in it; field `<unit letter><index>` holds the count of an older bucket (never of a head);
 * buckets that leave the unit's range are deleted when the head moves past them. Reservations of an event are a
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
/** A refusal on the decide script's short path: the counts of the checked event's current buckets, not its whole hash. */
export const REFUSED_NOW = 5

const common = (layout: Layout): string => `
local LETTERS = {${layout.tracks.map((t) => `'${unitLetter[t.unit]}'`).join(', ')}}
local LENGTHS = {${layout.tracks.map((t) => t.buckets).join(', ')}}
local U = ${layout.tracks.length}
local MAX = 9007199254740991

-- An integer as Redis writes it (Lua's own number to text keeps 14 digits).
local function int(n) return string.format('%d', n) end

-- Redis's Lua unpacks at most about 8,000 values at once, and a unit may have 100,000 buckets: a
-- command on more fields than CHUNK is sent in chunks of CHUNK names.
local CHUNK = 1000

-- The values of the fields \`names\` (at least one) of hash key, in their order (HMGET).
local function hmget(key, names)
  if #names <= CHUNK then return redis.call('HMGET', key, unpack(names)) end
  local out = {}
  for from = 1, #names, CHUNK do
    local got = redis.call('HMGET', key, unpack(names, from, math.min(from + CHUNK - 1, #names)))
    for j = 1, #got do out[from + j - 1] = got[j] end
  end
  return out
end

-- Stops the script on the meta field of hash key when it is neither "x" nor "x h1 .. hU c1 .. cU"
-- in numbers (a damaged hash): the client answers the error with a StorageError, and no count is
-- made up from it.
local function damaged(key, meta) error('damaged meta field of ' .. key .. ': "' .. meta .. '"', 0) end

-- The count of an older bucket: its field's value (false or nil: the hash has none, 0). A value
-- that is no count as Redis writes one (digits without a leading zero, at most MAX: HINCRBY refuses
-- "007"), written by something other than this store, stops the script as a damaged meta field
-- does; every script reads the fields it counts or adds to before it writes anything.
local function bucketCount(key, name, value)
  if not value then return 0 end
  local n = (value == '0' or string.find(value, '^[1-9]%d*$')) and tonumber(value)
  if n and n <= MAX then return n end
  error('damaged bucket field ' .. name .. ' of ' .. key .. ': "' .. value .. '"', 0)
end

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

-- The meta field of hash key ('_', false when the hash has none): the heads of its units and the
-- counts of their head buckets (nil where the event has none), and the instant x the hash is kept
-- until (nil: unknown, no event). A damaged field stops the script (see damaged).
local function metaOf(key, text)
  local heads, counts = {}, {}
  if not text then return heads, nil, counts end
  local x, i = nil, 0
  for word in string.gmatch(text, '%S+') do
    -- Integers in decimal as this store writes them: heads may be negative (before 1970), x and
    -- counts not (tonumber would also take '1.5', '1e3' or '0x10').
    if not string.match(word, (i > 0 and i <= U) and '^-?%d+$' or '^%d+$') then damaged(key, text) end
    local v = tonumber(word)
    -- Past Number.MAX_SAFE_INTEGER (the client refuses it too).
    if v > MAX or v < -MAX then damaged(key, text) end
    if i == 0 then x = v elseif i <= U then heads[i] = v else counts[i - U] = v end
    i = i + 1
  end
  if i ~= 1 and i ~= 2 * U + 1 then damaged(key, text) end
  return heads, x, counts
end

-- The meta field's text for x, the heads and their counts (all of them, or none for an event with
-- nothing in it).
local function metaText(x, heads, counts)
  if heads[1] == nil then return int(x) end
  local words = {int(x)}
  for u = 1, U do
    words[u + 1] = int(heads[u])
    words[U + u + 1] = int(counts[u])
  end
  return table.concat(words, ' ')
end

-- The heads of every unit of a hash, x, and the counts of the heads (see metaOf).
local function headsOf(key)
  return metaOf(key, redis.call('HGET', key, '_'))
end

-- Deletes the buckets of unit u with indices in [from, to]: by name when they are few, else the
-- fields of the unit that the hash holds there (a key seen rarely holds few of them).
local function trim(key, u, from, to)
  if to < from then return end
  local fields = {}
  if to - from < 16 then
    for i = from, to do fields[#fields + 1] = LETTERS[u] .. int(i) end
  else
    local letter = LETTERS[u]
    for _, name in ipairs(redis.call('HKEYS', key)) do
      if string.sub(name, 1, 1) == letter then
        local i = tonumber(string.sub(name, 2))
        if i ~= nil and i <= to then fields[#fields + 1] = name end
      end
    end
  end
  for from = 1, #fields, CHUNK do redis.call('HDEL', key, unpack(fields, from, math.min(from + CHUNK - 1, #fields))) end
end

-- Moves unit u's head from head (its count: count) to h, later: deletes the buckets that leave the
-- unit's range, and returns the field and value the old head's count gets, or nil when it has none
-- or leaves the range too.
local function moveHead(key, u, head, count, h)
  trim(key, u, head - LENGTHS[u] + 1, math.min(head - 1, h - LENGTHS[u]))
  if count > 0 and head > h - LENGTHS[u] then return LETTERS[u] .. int(head), int(count) end
end

-- Moves unit u's head to at least h (see moveHead).
local function advance(key, heads, counts, u, h)
  local head = heads[u]
  if head == nil or h > head then
    if head ~= nil then
      local field, value = moveHead(key, u, head, counts[u], h)
      if field then redis.call('HSET', key, field, value) end
    end
    heads[u] = h
    counts[u] = 0
  end
end

-- Adds n to bucket i of unit u (never after its head), unless the bucket is older than the unit's
-- range: to the head's count, or to the bucket's field.
local function add(key, heads, counts, u, i, n)
  if n == 0 or i <= heads[u] - LENGTHS[u] then return end
  if i == heads[u] then
    counts[u] = math.min(counts[u] + n, MAX)
    return
  end
  local field = LETTERS[u] .. int(i)
  if redis.call('HINCRBY', key, field, n) > MAX then redis.call('HSET', key, field, int(MAX)) end
end

-- Keeps a key until at least \`at\` (epoch ms of the decision's clock, t being its instant): only
-- ever extends its life. On Redis's clock the instant is absolute; on the client's, Redis is told
-- the time left (PEXPIRE ... GT), so that the two clocks never mix: a time left reaches \`at\` on
-- the clock of the call that asked for it, so a write after that clock stepped back asks again
-- (writeMeta, recordNow).
local function keep(key, at, t, clientTime)
  if clientTime == '' then
    local e = redis.call('PEXPIRETIME', key)
    if e == -1 then redis.call('PEXPIREAT', key, at) elseif e < at then redis.call('PEXPIREAT', key, at, 'GT') end
  elseif redis.call('PEXPIRE', key, at - t, 'GT') == 0 and redis.call('PTTL', key) == -1 then
    redis.call('PEXPIRE', key, at - t)
  end
end

-- Gives a hash made just now the frame's expiry p.expireAt (PEXPIREAT, or on the client's clock the
-- time left, PEXPIRE), unless it has one (NX): 1 when it had none.
local function expireNew(key, p, t, clientTime)
  if clientTime == '' then return redis.call('PEXPIREAT', key, p.expireText, 'NX') end
  return redis.call('PEXPIRE', key, p.expireAt - t, 'NX')
end

-- Writes the meta field for heads, their counts and an expiry at least \`at\` (x, the one known: nil
-- if none), then keeps the hash until then (until x too: on the client's clock, the time left that
-- an earlier write asked for ends before x once that clock has stepped back).
local function writeMeta(key, heads, counts, x, at, t, clientTime)
  local until_ = math.max(x or at, at)
  redis.call('HSET', key, '_', metaText(until_, heads, counts))
  keep(key, until_, t, clientTime)
end

-- Records n now, at bucket index[u] of every unit u (the hash's heads, x and counts as headsOf reads
-- them): in the unit's head where the head is ahead of the frame (a clock that stepped back), as the
-- core does, so that a limit reads what was recorded.
local function record(key, heads, x, counts, index, n, expireAt, t, clientTime)
  for u = 1, U do advance(key, heads, counts, u, index[u]) end
  for u = 1, U do add(key, heads, counts, u, math.max(index[u], heads[u]), n) end
  writeMeta(key, heads, counts, x, expireAt, t, clientTime)
end

-- The unexpired reservations of a reservation set at t, counted without a write, and whether it
-- holds expired ones too. A decision drops those (ZREMRANGEBYSCORE up to t) once it has decided,
-- passed or refused, as the in-memory store forgets them when it counts them: not before, so that
-- a decision that then meets a damaged field has written nothing.
local function pending(held, t)
  local all = redis.call('ZCARD', held)
  if all == 0 then return 0, false end
  local live = redis.call('ZCOUNT', held, '(' .. int(t), '+inf')
  return live, live < all
end

-- The reply of a refusal by constraint \`number\`: per event of \`keys\` (n hashes, then their
-- reservation sets) its HGETALL and its pending reservations.
local function refused(keys, n, t, number)
  local out = {${REFUSED}, t, number}
  for e = 1, n do
    out[#out + 1] = redis.call('HGETALL', keys[e])
    out[#out + 1] = redis.call('ZCOUNT', keys[n + e], '(' .. int(t), '+inf')
  end
  return out
end

-- Records one now in the current bucket of every unit (indices current) of the hash key (heads h
-- and their counts k, changed here), or in the unit's head where it is ahead of the frame (a clock
-- that stepped back: as the core does, so that a limit reads what was recorded): the meta field
-- with the new counts, and the field of each old head that stays in range when a head moves, in
-- one HSET. The expiry: extended (GT) when the frame's reaches past x, and read back first when x
-- is unknown (nil); on the client's clock, asked for at every write, until x or the frame's
-- (the time left that an earlier write asked for ends before x once that clock has stepped back).
local function recordNow(key, current, h, k, expireAt, t, clientTime, x)
  local sets = {}
  for u = 1, U do
    local c, head = current[u], h[u]
    if head == nil or c > head then
      if head ~= nil then
        local field, value = moveHead(key, u, head, k[u], c)
        if field then
          sets[#sets + 1] = field
          sets[#sets + 1] = value
        end
      end
      h[u] = c
      k[u] = 1
    else
      k[u] = math.min(k[u] + 1, MAX)
    end
  end
  local extend = x == nil or expireAt > x
  sets[#sets + 1] = '_'
  sets[#sets + 1] = metaText(extend and expireAt or x, h, k)
  redis.call('HSET', key, unpack(sets))
  if x == nil then
    keep(key, expireAt, t, clientTime)
  elseif clientTime ~= '' then
    redis.call('PEXPIRE', key, math.max(x, expireAt) - t, 'GT')
  elseif extend then
    redis.call('PEXPIREAT', key, expireAt, 'GT')
  end
end

-- Holds reservation id in the set held until t + lifetime, and marks the hash key: field _r, the
-- latest instant until which any reservation of the event is held (the short path of a decision
-- counts the set only while _r is later than its instant). The hash lives at least as long.
local function hold(key, held, t, lifetime, id, clientTime)
  local until_ = t + tonumber(lifetime)
  redis.call('ZADD', held, until_, id)
  keep(held, until_, t, clientTime)
  local mark = redis.call('HGET', key, '_r')
  local r = tonumber(mark)
  if mark and r == nil then
    -- A mark that is no number (a damaged hash): replaced by the latest expiry in the set, which may
    -- be an earlier reservation's.
    redis.call('HSET', key, '_r', int(tonumber(redis.call('ZRANGE', held, -1, -1, 'WITHSCORES')[2])))
  elseif r == nil or until_ > r then
    redis.call('HSET', key, '_r', int(until_))
  end
  keep(key, until_, t, clientTime)
end

-- The decide script's first argument, parsed (see decideScript): as a Redis Function, kept across
-- calls (a text names a frame and a limit's constraints, so a few are in use at a time, each for a
-- second or more); forgotten all at once when 64 are kept. Read-only for its users.
local parsed, parsedCount = {}, 0
local function decision(text)
  local p = parsed[text]
  if p ~= nil then return p end
  local w = {}
  for word in string.gmatch(text, '%S+') do w[#w + 1] = word end
  p = {mode = string.sub(w[1], 1, 1), short = string.sub(w[1], 2, 2) == '1', lo = tonumber(w[2]), hi = tonumber(w[3]),
    expireAt = tonumber(w[4]), expireText = w[4], index = {}, indexText = {}, rest = {}, checks = {}}
  for u = 1, U do
    p.index[u] = tonumber(w[4 + u])
    p.indexText[u] = w[4 + u]
  end
  p.newMeta = w[4] .. ' ' .. table.concat(p.indexText, ' ') .. string.rep(' 1', U)
  for j = 5 + U, #w do p.rest[#p.rest + 1] = w[j] end
  if p.short then
    -- fresh: whether every constraint passes on an event with no count and no reservation.
    p.fresh = true
    for j = 1, #p.rest, 3 do
      local limit = tonumber(p.rest[j + 2])
      p.checks[#p.checks + 1] = p.rest[j]
      p.checks[#p.checks + 1] = tonumber(p.rest[j + 1])
      p.checks[#p.checks + 1] = limit
      if (p.rest[j] == 'M') ~= (limit > 0) then p.fresh = false end
    end
  end
  if parsedCount == 64 then parsed, parsedCount = {}, 0 end
  parsed[text] = p
  parsedCount = parsedCount + 1
  return p
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
 * must not be later than t ('' = none), [4] '1' to replace the event (import), 'n' for a record
 * now (see recordNow), '0' otherwise, [5 .. 4 + U] per
 * unit "head i n i n ..." (the head to move to, then counts by bucket index; '' for none).
 * Replies {PASSED, t}, {SKEW, t} or {FUTURE, t}.
 */
const recordScript = `
local key = KEYS[1]
local t = instant(ARGV[1])
local f = numbers(ARGV[2])
if ARGV[1] == '' and (t < f[1] or t >= f[2]) then return {${SKEW}, t} end
if ARGV[3] ~= '' and tonumber(ARGV[3]) > t then return {${FUTURE}, t} end
if ARGV[4] == '1' then
  -- Replaced: the counts go, the mark of the reservations held (_r) stays (a mark that is no number,
  -- a damaged hash, stays as it is: decisions then count the reservation set, see the short path).
  local r = redis.call('HGET', key, '_r')
  redis.call('DEL', key)
  if r then
    redis.call('HSET', key, '_r', r)
    if tonumber(r) then keep(key, tonumber(r), t, ARGV[1]) end
  end
end
local heads, x, counts = headsOf(key)
-- A record now ('n'): counted in each unit's head where the head is ahead of the frame, as recordNow does.
local now = ARGV[4] == 'n'
local specs = {}
for u = 1, U do
  local spec = numbers(ARGV[4 + u])
  if #spec > 0 then specs[u] = spec end
end
if ARGV[4] == '0' then
  -- A backfill or a merge adds to older buckets: their fields are read and checked first, so that a
  -- damaged one stops the script before anything is written. Not the buckets of the heads, nor
  -- those out of range, nor the old head's when its head moves (the move writes its count there).
  local names = {}
  for u = 1, U do
    local spec, old = specs[u], heads[u]
    if spec ~= nil then
      local head = (old ~= nil and old > spec[1]) and old or spec[1]
      for j = 2, #spec - 1, 2 do
        local i = spec[j]
        if spec[j + 1] > 0 and i < head and i > head - LENGTHS[u] and not (i == old and head > old and counts[u] > 0) then
          names[#names + 1] = LETTERS[u] .. int(i)
        end
      end
    end
  end
  if #names > 0 then
    local values = hmget(key, names)
    for j = 1, #names do bucketCount(key, names[j], values[j]) end
  end
end
for u = 1, U do
  if specs[u] ~= nil then advance(key, heads, counts, u, specs[u][1]) end
end
for u = 1, U do
  local spec = specs[u]
  if spec ~= nil then
    for j = 2, #spec - 1, 2 do add(key, heads, counts, u, now and math.max(spec[j], heads[u]) or spec[j], spec[j + 1]) end
  end
end
writeMeta(key, heads, counts, x, f[3], t, ARGV[1])
return {${PASSED}, t}
`

/**
 * The short path of the decide script, written out for the units of `layout` (no loop, no table
 * for what one HMGET reads): the checked event's meta field (`_`: whether it exists, until when it
 * is kept, its heads and their counts, which are the counts of the current buckets unless a head
 * is older than the frame) and until when reservations are held on it (`_r`), then the
 * constraints, then the record: a new event gets its meta field in one HSET, and its expiry in one
 * PEXPIREAT.
 */
const shortPath = (layout: Layout): string => {
  const U = layout.tracks.length
  const us = layout.tracks.map((_, k) => k + 1)
  const list = (f: (u: number) => string, separator = ', '): string => us.map(f).join(separator)
  return `
if p.short then
  local key = KEYS[1]
  local index = p.index
  if mode == 'r' and p.fresh then
    -- A new event passes every constraint (fresh): its meta field is written only if the hash has
    -- none (HSETNX), which is the read too. A hash without one is new or holds reservations only
    -- (_r); every hash this store writes has an expiry, so PEXPIREAT ... NX tells them apart: set,
    -- the event was new and is recorded; not set, the meta field goes again and the path reads _r.
    if redis.call('HSETNX', key, '_', p.newMeta) == 1 then
      if expireNew(key, p, t, clientTime) == 1 then return {${PASSED}, t} end
      redis.call('HDEL', key, '_')
    end
  end
  local raw = redis.call('HMGET', key, '_', '_r')
  local meta = raw[1]
  local x, ${list((u) => `h${u}`)}, ${list((u) => `k${u}`)}
  if meta then
    -- Integers in decimal, as metaOf reads them.
    x, ${list((u) => `h${u}`)}, ${list((u) => `k${u}`)} = string.match(meta, '^(%d+)${' (-?%d+)'.repeat(U)}${' (%d+)'.repeat(U)}$')
    if x == nil then
      -- "x" alone: an event with nothing in it.
      local alone = string.match(meta, '^%d+$')
      if alone == nil then damaged(key, meta) end
      x = tonumber(alone)
      if x > MAX then damaged(key, meta) end
    else
      x, ${list((u) => `h${u}`)}, ${list((u) => `k${u}`)} = tonumber(x), ${list((u) => `tonumber(h${u})`)}, ${list((u) => `tonumber(k${u})`)}
      if x > MAX or ${list((u) => `h${u} > MAX or h${u} < -MAX or k${u} > MAX`, ' or ')} then damaged(key, meta) end
    end
  end
  local ${list((u) => `c${u}`)} = ${list((u) => `index[${u}]`)}
  if not (${list((u) => `(h${u} ~= nil and h${u} > c${u})`, ' or ')}) then
    local v = {${list((u) => `h${u} == c${u} and k${u} or 0`)}}
    local r = tonumber(raw[2])
    -- A mark that is no number (a damaged hash): the reservation set is counted, as the general
    -- path always does.
    if raw[2] and r == nil then r = MAX end
    -- held: the reservations counted (nil until an atMost counts them); stale: some of them
    -- expired; gone: every one expired (the mark, the latest expiry, is not after t).
    local held, stale, gone = nil, false, false
    local failed
    local checks = p.checks
    for at = 1, #checks, 3 do
      local u, limit = checks[at + 1], checks[at + 2]
      local pass
      if checks[at] == 'M' then
        if held == nil then
          if r ~= nil and r > t then held, stale = pending(KEYS[n + 1], t) else held, gone = 0, r ~= nil end
        end
        pass = v[u] + held < limit
      else
        pass = v[u] >= limit
      end
      if not pass then
        failed = at
        break
      end
    end
    -- The expired reservations counted are forgotten (see pending): when all of them expired, the
    -- set and the mark go, and later decisions read nothing for them.
    if stale then
      redis.call('ZREMRANGEBYSCORE', KEYS[n + 1], '-inf', int(t))
    elseif gone then
      redis.call('DEL', KEYS[n + 1])
      redis.call('HDEL', key, '_r')
    end
    if failed ~= nil then
      -- An atLeast refused before any atMost counted them: counted for the reply, forgotten not.
      if held == nil then held = (r ~= nil and r > t) and pending(KEYS[n + 1], t) or 0 end
      return {${REFUSED_NOW}, t, (failed + 2) / 3, meta, held, ${list((u) => `v[${u}]`)}}
    end
    if mode == 'r' then
      if meta == false and r == nil then
        -- A new event: its meta field (heads and counts) in one HSET, and the expiry set.
        redis.call('HSET', key, '_', p.newMeta)
        expireNew(key, p, t, clientTime)
      elseif h1 == nil then
        -- "x" alone, or reservations only.
        recordNow(key, index, {}, {}, expireAt, t, clientTime, x)
      else
        -- recordNow, written out: the old head's count of a unit whose head moves in the same HSET
        -- as the meta field, printed in one format.
        local sets
${list(
  (u) => `        if c${u} > h${u} then
          local field, value = moveHead(key, ${u}, h${u}, k${u}, c${u})
          if field then
            sets = sets or {}
            sets[#sets + 1] = field
            sets[#sets + 1] = value
          end
          h${u}, k${u} = c${u}, 1
        else
          k${u} = math.min(k${u} + 1, MAX)
        end`,
  '\n'
)}
        local extend = expireAt > x
        local text = string.format('%d${' %d'.repeat(2 * U)}', extend and expireAt or x, ${list((u) => `h${u}`)}, ${list((u) => `k${u}`)})
        if sets == nil then
          redis.call('HSET', key, '_', text)
        else
          sets[#sets + 1] = '_'
          sets[#sets + 1] = text
          redis.call('HSET', key, unpack(sets))
        end
        if clientTime ~= '' then
          redis.call('PEXPIRE', key, math.max(x, expireAt) - t, 'GT')
        elseif extend then
          redis.call('PEXPIREAT', key, expireAt, 'GT')
        end
      end
    elseif mode == 'h' then
      hold(key, KEYS[n + 1], t, lifetime, id, clientTime)
    end
    return {${PASSED}, t}
  end
end
`
}

/**
 * Decides a limit. KEYS: the hashes of the events the limit reads (the checked event first), then
 * their reservation sets, in the same order. ARGV: [1] the decision, one space-separated text
 * (the same for every call of a limit in one frame, so the client builds it once per frame and the
 * script parses it once: see \`decision\`): the mode ('c' check, 'r' check and record, 'h' hold a
 * reservation) followed at once by '1' when every constraint is an atMost or atLeast of one bucket
 * of the checked event (the common shape, decided by a short path) or '0'; then the frame: lo, hi
 * (with Redis's clock the instant must fall in [lo, hi)), the expiry of a write, and the current
 * bucket index of each unit; then the constraints: on the short path, per constraint its kind ('M'
 * at most, 'L' at least), unit and limit; else each a kind and its values: 'M' e u w limit (at
 * most), 'L' e u w limit (at least), 'C' e k1 .. kU (cooldown), 'W' e k1 .. kU (within), 'S' 0|1
 * (a schedule the client decided for the whole interval), where e is the event's place in KEYS, u
 * the unit's place in the layout, w the window's buckets, k the first bucket of each unit that
 * starts after the instant minus the duration. [2] the instant ('' = Redis TIME). Mode 'h' adds
 * [3] the reservation's id and [4] its lifetime (ms).
 * Replies {PASSED, t}, {SKEW, t}, {REFUSED, t, constraint number (1-based), then per event its
 * HGETALL and its pending reservations}, or on the short path {REFUSED_NOW, t, constraint number,
 * the checked event's meta field (nil: no event), its pending reservations, then the count of its
 * current bucket of each unit}: what the client needs to say why and until when (a constraint of
 * the short path reads nothing else).
 */
const decideScript = (layout: Layout): string => `
local p = decision(ARGV[1])
local mode, clientTime = p.mode, ARGV[2]
local t = instant(clientTime)
if clientTime == '' and (t < p.lo or t >= p.hi) then return {${SKEW}, t} end
local n = #KEYS / 2
local expireAt = p.expireAt
local id, lifetime = ARGV[3], ARGV[4]
${shortPath(layout)}
local current = p.index

local c = p.rest
if p.short then
  c = {}
  for at = 1, #p.rest, 3 do
    c[#c + 1] = p.rest[at]
    c[#c + 1] = '1'
    c[#c + 1] = p.rest[at + 1]
    c[#c + 1] = '1'
    c[#c + 1] = p.rest[at + 2]
  end
end
local items = {}
local at = 1
while at <= #c do
  local kind = c[at]
  local width = (kind == 'M' or kind == 'L') and 4 or (kind == 'S' and 1 or 1 + U)
  local a = {}
  for j = 1, width do a[j] = tonumber(c[at + j]) end
  items[#items + 1] = {kind, a}
  at = at + 1 + width
end

-- What each event needs, read in one HMGET: its meta field (heads, and the heads' counts), then the
-- older buckets of its windows as they are when the current bucket is the newest (the usual case);
-- the checked event's meta field when it is recorded.
local wanted = {}
local function want(e, name)
  local w = wanted[e]
  if w == nil then
    w = {names = {'_'}, seen = {}}
    wanted[e] = w
  end
  if name ~= nil and not w.seen[name] then
    w.seen[name] = true
    w.names[#w.names + 1] = name
  end
end
for _, item in ipairs(items) do
  local kind, a = item[1], item[2]
  if kind == 'M' or kind == 'L' then
    local u = a[2]
    want(a[1], nil)
    for i = current[u] - a[3] + 1, current[u] - 1 do want(a[1], LETTERS[u] .. int(i)) end
  elseif kind == 'C' or kind == 'W' then
    want(a[1], nil)
  end
end
if mode == 'r' then want(1, nil) end
local heads, xs, counts, values = {}, {}, {}, {}
for e, w in pairs(wanted) do
  local key = KEYS[e]
  local raw = hmget(key, w.names)
  local v = {}
  heads[e], xs[e], counts[e] = metaOf(key, raw[1])
  for j = 2, #w.names do v[w.names[j]] = bucketCount(key, w.names[j], raw[j]) end
  values[e] = v
end

-- The unexpired reservations of event e, counted without a write: the expired ones are dropped
-- only once the decision passes (see dropped), so that a refusal, or a damaged bucket field that a
-- later constraint reads, leaves everything as it was.
local pendings, expired = {}, {}
local function pendingOf(e)
  local held = pendings[e]
  if held == nil then
    local stale
    held, stale = pending(KEYS[n + e], t)
    if stale then expired[#expired + 1] = KEYS[n + e] end
    pendings[e] = held
  end
  return held
end
local function dropped()
  for _, set in ipairs(expired) do redis.call('ZREMRANGEBYSCORE', set, '-inf', int(t)) end
end
-- The count of the w newest buckets of unit u (bucket 0 is the current one, never before the head):
-- the head's count from the meta field, the older buckets' from their fields.
local function count(e, u, w)
  local head = heads[e][u]
  if head == nil then return 0 end
  if head <= current[u] then
    local v = values[e]
    local sum = head > current[u] - w and counts[e][u] or 0
    for i = current[u] - w + 1, head - 1 do sum = sum + v[LETTERS[u] .. int(i)] end
    return sum
  end
  -- The head is ahead of the frame (a clock that went back): count from the head, as the core does.
  local sum = counts[e][u]
  local fields = {}
  for i = math.max(head - w + 1, head - LENGTHS[u] + 1), head - 1 do fields[#fields + 1] = LETTERS[u] .. int(i) end
  if #fields == 0 then return sum end
  for j, value in ipairs(hmget(KEYS[e], fields)) do sum = sum + bucketCount(KEYS[e], fields[j], value) end
  return sum
end
-- Whether the newest occurrence (in the finest unit holding one) is in a bucket at or after k[u]:
-- nil when the event was never seen.
local function seenSince(e, k)
  local h = heads[e]
  for u = 1, U do
    local head = h[u]
    if head ~= nil then
      -- The unit's buckets still in range: the head (its count in the meta field), then older ones.
      local low = math.max(current[u], head) - LENGTHS[u] + 1
      if head >= low and counts[e][u] > 0 then return head >= k[u] end
      -- Newest first, CHUNK at a time, up to the first that holds a count.
      for top = head - 1, low, -CHUNK do
        local fields = {}
        for i = top, math.max(top - CHUNK + 1, low), -1 do fields[#fields + 1] = LETTERS[u] .. int(i) end
        local found = redis.call('HMGET', KEYS[e], unpack(fields))
        for j = 1, #found do
          if bucketCount(KEYS[e], fields[j], found[j]) > 0 then return (top - j + 1) >= k[u] end
        end
      end
    end
  end
  return nil
end

local failed = 0
for number, item in ipairs(items) do
  local kind, a = item[1], item[2]
  local pass
  if kind == 'M' then
    pass = count(a[1], a[2], a[3]) + pendingOf(a[1]) < a[4]
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
dropped()
if failed > 0 then return refused(KEYS, n, t, failed) end
if mode == 'r' then
  recordNow(KEYS[1], current, heads[1], counts[1], expireAt, t, clientTime, xs[1])
elseif mode == 'h' then
  hold(KEYS[1], KEYS[n + 1], t, lifetime, id, clientTime)
end
return {${PASSED}, t}
`

/**
 * Reads events. KEYS: hashes, then their reservation sets. ARGV[1]: instant ('' = Redis TIME).
 * Replies {t, then per event its HGETALL and its pending reservations}.
 */
const readScript = `
local n = #KEYS / 2
local t = instant(ARGV[1])
local out = {t}
for e = 1, n do
  out[#out + 1] = redis.call('HGETALL', KEYS[e])
  out[#out + 1] = redis.call('ZCOUNT', KEYS[n + e], '(' .. int(t), '+inf')
end
return out
`

/**
 * Settles a reservation. KEYS: [1] the hash, [2] its reservation set. ARGV: [1] instant
 * ('' = Redis TIME), [2] frame, [3] 'commit' or 'cancel', [4] the reservation id.
 * commit: records one event now if the reservation was still held and unexpired, else replies
 * {SETTLED, t}; cancel: releases it and records 0 now (the event exists afterwards).
 */
const settleScript = `
local t = instant(ARGV[1])
local expireAt, current = frameOf(ARGV[2], ARGV[1], t)
if expireAt == nil then return {${SKEW}, t} end
local score = redis.call('ZSCORE', KEYS[2], ARGV[4])
redis.call('ZREM', KEYS[2], ARGV[4])
if ARGV[3] == 'commit' then
  if not score or tonumber(score) <= t then return {${SETTLED}, t} end
end
local heads, x, counts = headsOf(KEYS[1])
record(KEYS[1], heads, x, counts, current, ARGV[3] == 'commit' and 1 or 0, expireAt, t, ARGV[1])
return {${PASSED}, t}
`

/** The names of the scripts. */
export type ScriptName = 'record' | 'decide' | 'read' | 'settle'

/**
 * The scripts of one layout: the prelude (its constants and helpers) and each script's body, which
 * reads `KEYS` and `ARGV`. As a script (`EVAL`), the prelude runs again at every call; as a Redis
 * Function (`FUNCTION LOAD`, Redis 7 and later) it runs once, when the library is loaded, and each
 * call runs only its body.
 */
export interface Scripts {
  readonly prelude: string
  readonly bodies: Readonly<Record<ScriptName, string>>
}

/** The scripts for `layout`. */
export const scriptsFor = (layout: Layout): Scripts => ({
  prelude: common(layout),
  bodies: { record: recordScript, decide: decideScript(layout), read: readScript, settle: settleScript }
})

/** The text of script `name` for `EVAL`. */
export const scriptText = (scripts: Scripts, name: ScriptName): string => `${scripts.prelude}${scripts.bodies[name]}`

/** The names of the scripts, in a fixed order. */
export const SCRIPT_NAMES: ReadonlyArray<ScriptName> = ['record', 'decide', 'read', 'settle']

/**
 * The scripts as one Redis Functions library `library`: the prelude once, then each body registered
 * as the function `<library>_<name>` (called with `FCALL`). `read` writes nothing and says so
 * (`no-writes`): Redis runs it when it refuses writes (out of memory under `maxmemory`), as it runs
 * the scripts of `EVALSHA` that have not written yet; a function without the flag is refused whole.
 */
export const libraryText = (scripts: Scripts, library: string): string =>
  `#!lua name=${library}\n${scripts.prelude}\n${SCRIPT_NAMES.map(
    (name) =>
      `redis.register_function{function_name = '${library}_${name}', callback = function(KEYS, ARGV)\n${scripts.bodies[name]}\nend${name === 'read' ? ", flags = {'no-writes'}" : ''}}\n`
  ).join('')}`
