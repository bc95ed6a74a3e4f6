/**
 * The store's line to Redis: its scripts (a Redis Functions library called with FCALL on Redis 7,
 * else called by SHA and sent again when Redis answers NOSCRIPT),
 * a deadline on every call (a `StorageError` when Redis does not answer in time, never a silent
 * pass), and the estimate of Redis's clock that frames are computed for.
 */
import type { Cluster, Redis } from 'ioredis'
import { createHash } from 'node:crypto'
import { StorageError } from '../../store/errors.js'
import type { ScriptName, Scripts } from './scripts.js'
import { SCRIPT_NAMES, libraryText, scriptText } from './scripts.js'
import type { Clock } from '../../Clock.js'
import { MonotonicClock, SystemClock } from '../../Clock.js'

/** An ioredis client: one server (`Redis`) or a cluster (`Cluster`). */
export type RedisClient = Redis | Cluster

/** A script call: which script, its keys and its arguments. */
interface Call {
  readonly name: ScriptName
  readonly keys: ReadonlyArray<string>
  readonly args: ReadonlyArray<string | number>
}

/**
 * How a call is answered, once: `ok` and Redis's reply, or not `ok` and a `StorageError`. It must
 * not throw (it runs inside the client's promise callbacks).
 */
export type Settle = (ok: boolean, value: unknown) => void

/**
 * A try of a call at instant `t` (`sent`: the instant the script is given, '' when it reads Redis's
 * `TIME`), answered through `settle`.
 */
export type Attempt = (t: number, sent: string, settle: Settle) => void

/** A call waiting for its answer, until its deadline; it settles once (an answer after the deadline is dropped). */
interface Waiting {
  readonly deadline: number
  done: boolean
  /** The key and operation a `StorageError` names. */
  readonly key: string | undefined
  readonly operation: string
  readonly settle: Settle
}

/** A script call waiting for its answer. */
interface ScriptCall extends Call, Waiting {}

/** At most this many calls are written together (see `Connection.gather`). */
const GATHER = 8

/** Whether Redis answered that a function is not loaded (after a restart or a `FUNCTION FLUSH`). */
const isMissingFunction = (error: unknown): boolean => error instanceof Error && error.message.includes('Function not found')

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex')

export class Connection {
  private readonly texts: Readonly<Record<ScriptName, string>>
  private readonly shas: Readonly<Record<ScriptName, string>>
  /** The function of each script in the library (`<library>_<name>`). */
  private readonly functionNames: Readonly<Record<ScriptName, string>>
  /** The Redis Functions library of the scripts (its name carries a hash of its text). */
  private readonly library: { readonly name: string; readonly text: string }
  /** Whether the scripts run as Redis Functions (`FCALL`): Redis 7 and a single server, else `EVALSHA`. */
  private functions = false
  /** Redis's clock minus this machine's, as last measured (milliseconds). */
  private offset = 0

  constructor(
    readonly client: RedisClient,
    scripts: Scripts,
    readonly timeoutMillis: number,
    /** The machine's clock, from which Redis's is estimated. */
    readonly machine: Clock = SystemClock,
    /** What the deadlines of calls are measured on. */
    private readonly elapsed: Clock = MonotonicClock
  ) {
    const text = (name: ScriptName): string => scriptText(scripts, name)
    this.texts = { record: text('record'), decide: text('decide'), read: text('read'), settle: text('settle') }
    this.shas = { record: sha1(this.texts.record), decide: sha1(this.texts.decide), read: sha1(this.texts.read), settle: sha1(this.texts.settle) }
    // Named by a hash of the whole library (its scripts and how each is registered).
    const name = `tiny_counter_${sha1(libraryText(scripts, '')).slice(0, 16)}`
    this.library = { name, text: libraryText(scripts, name) }
    this.functionNames = { record: `${name}_record`, decide: `${name}_decide`, read: `${name}_read`, settle: `${name}_settle` }
  }

  /** Our estimate of Redis's clock when this machine's reads `local` (now, by default). */
  redisAt(local: number = this.machine.now()): number {
    return local + this.offset
  }

  /** Learns Redis's clock from an instant `t` that Redis read between `sent` and now (local ms). */
  learn(t: number, sent: number): void {
    this.offset = Math.round(t - (sent + this.machine.now()) / 2)
  }

  /**
   * The calls waiting for an answer, oldest first. Every call has the same time allowed, so their
   * deadlines come in this order too: one timer, set for the oldest, serves them all.
   */
  private waiting: Waiting[] = []
  private waitingFrom = 0
  private timer: ReturnType<typeof setTimeout> | undefined
  /** The socket corked for a group of calls (see `gather`), and how many calls the group has. */
  private corked: { uncork(): void } | undefined
  private gathered = 0

  /** `promise`, or a `StorageError` about `key` when it neither resolves nor rejects in time. */
  within<A>(promise: Promise<A>, key: string | undefined, operation: string): Promise<A> {
    return new Promise<A>((resolve, reject) => {
      const settle: Settle = (ok, value) => (ok ? resolve(value as A) : reject(value))
      const waiting: Waiting = { deadline: this.elapsed.now() + this.timeoutMillis, done: false, key, operation, settle }
      this.wait(waiting)
      promise.then(
        (value) => this.pass(waiting, value),
        (error: unknown) => this.fail(waiting, error)
      )
    })
  }

  /** Counts a call among those waiting (the timer armed for the oldest). */
  private wait(call: Waiting): void {
    this.waiting.push(call)
    if (this.timer === undefined) this.timer = this.arm(this.timeoutMillis)
  }

  /** Resolves a call with its answer, unless its deadline passed first. */
  private pass(call: Waiting, value: unknown): void {
    if (call.done) return
    this.answered(call)
    call.settle(true, value)
  }

  /** Rejects a call with a `StorageError`, unless its deadline passed first. */
  private fail(call: Waiting, error: unknown): void {
    if (call.done) return
    this.answered(call)
    call.settle(false, error instanceof StorageError ? error : new StorageError(call.key, error, call.operation))
  }

  /** Marks a call answered; forgets the answered calls at the head, and the timer when none waits. */
  private answered(call: Waiting): void {
    call.done = true
    const waiting = this.waiting
    let i = this.waitingFrom
    while (i < waiting.length && waiting[i]!.done) i++
    if (i === waiting.length) {
      this.waiting = []
      this.waitingFrom = 0
    } else if (i > 1024 && i * 2 > waiting.length) {
      this.waiting = waiting.slice(i)
      this.waitingFrom = 0
    } else this.waitingFrom = i
  }

  /** Fails the calls past their deadline, forgets the answered ones, and waits for the next deadline. */
  private readonly expire = (): void => {
    this.timer = undefined
    const now = this.elapsed.now()
    const waiting = this.waiting
    let i = this.waitingFrom
    for (; i < waiting.length; i++) {
      const call = waiting[i]!
      if (call.done) continue
      if (call.deadline > now) break
      call.done = true
      call.settle(false, new StorageError(call.key, `Redis did not answer within ${this.timeoutMillis} ms`, call.operation))
    }
    if (i === waiting.length) {
      this.waiting = []
      this.waitingFrom = 0
      return
    }
    // Keep the list short: drop what was passed over once it is most of it.
    if (i > 1024 && i * 2 > waiting.length) {
      this.waiting = waiting.slice(i)
      this.waitingFrom = 0
    } else this.waitingFrom = i
    this.timer = this.arm(Math.max(1, this.waiting[this.waitingFrom]!.deadline - now))
  }

  /**
   * The timer, left running when every call is answered (the next calls need it again); it does
   * not keep the process alive: a call waiting for Redis has its socket or its reconnection for that.
   */
  private arm(millis: number): ReturnType<typeof setTimeout> {
    const timer = setTimeout(this.expire, millis)
    timer.unref?.()
    return timer
  }

  /**
   * Runs a script (as a function, or by SHA; its text again when Redis does not know it), within
   * the deadline. A call made while no other waits is written at once. Calls made while others wait
   * (many callers at a time) are gathered, a few at a time: see `gather`.
   */
  run(name: ScriptName, keys: ReadonlyArray<string>, args: ReadonlyArray<string | number>, key: string | undefined, operation: string): Promise<unknown> {
    return new Promise((resolve, reject) => this.send(name, keys, args, key, operation, (ok, value) => (ok ? resolve(value) : reject(value))))
  }

  /**
   * `run`, answered through `settle` instead of a promise of its own: a decision then settles the
   * caller's promise straight from the client's answer (each promise between them is one more
   * step of the microtask queue, measurable with one call in flight).
   */
  send(name: ScriptName, keys: ReadonlyArray<string>, args: ReadonlyArray<string | number>, key: string | undefined, operation: string, settle: Settle): void {
    const call: ScriptCall = { name, keys, args, deadline: this.elapsed.now() + this.timeoutMillis, done: false, key, operation, settle }
    const gathering = this.waitingFrom < this.waiting.length && this.gather()
    this.wait(call)
    this.command(call).then(
      (value) => this.pass(call, value),
      // On a later turn of the event loop: ioredis refuses at once while it cannot write (no
      // offline queue), and a caller that tries again at once must not keep timers and I/O waiting.
      (error: unknown) => setImmediate(() => this.again(call, error))
    )
    if (gathering && ++this.gathered === GATHER) this.release()
  }

  /**
   * Starts or joins a group of calls written to the socket together: up to `GATHER` of them, or
   * those made before the current turn of the event loop ends. One write for a group saves the
   * system call each write costs (with 64 calls in flight, a third of this process's time per
   * call), and Redis reads the group at once. The cap keeps Redis busy with one group while this
   * process prepares the next: gathering a whole turn's calls, 64 at a time, made Redis and this
   * process wait for each other in turn (0.64-0.78× the throughput of writing each at once). Only
   * for a single server's connection while it is ready; false (written at once) otherwise.
   */
  private gather(): boolean {
    if (this.corked !== undefined) return true
    const client = this.client
    if ('nodes' in client || client.status !== 'ready') return false
    const stream = client.stream
    if (stream === undefined || typeof stream.cork !== 'function') return false
    stream.cork()
    this.corked = stream
    this.gathered = 0
    process.nextTick(this.release)
    return true
  }

  /** Writes the gathered calls (once per group: a later release finds nothing to write). */
  private readonly release = (): void => {
    const stream = this.corked
    if (stream === undefined) return
    this.corked = undefined
    stream.uncork()
  }

  /** The command of a call: FCALL of its function, or EVALSHA of its script. */
  private command(call: Call): Promise<unknown> {
    const { name, keys, args } = call
    return this.functions ? this.client.fcall(this.functionNames[name], keys.length, ...keys, ...args) : this.client.evalsha(this.shas[name], keys.length, ...keys, ...args)
  }

  /** Settles a call that Redis refused: sent again (with the library or the script's text) when Redis did not know its code. */
  private again(call: ScriptCall, error: unknown): void {
    // Past its deadline the caller has its StorageError: sending the call again now could record
    // what the caller was told did not happen.
    if (call.done) return
    const { name, keys, args } = call
    let retried: Promise<unknown> | undefined
    if (this.functions && isMissingFunction(error)) {
      // Redis lost its functions (a restart without persistence, FUNCTION FLUSH): load them again.
      retried = (this.client.function('LOAD', 'REPLACE', this.library.text) as Promise<unknown>).then(() => this.command(call))
    } else if (!this.functions && error instanceof Error && error.message.startsWith('NOSCRIPT')) {
      retried = this.client.eval(this.texts[name], keys.length, ...keys, ...args)
    }
    if (retried === undefined) this.fail(call, error)
    else
      retried.then(
        (value) => this.pass(call, value),
        (failed: unknown) => this.fail(call, failed)
      )
  }

  /**
   * Waits until the client is connected (a client made with `lazyConnect` is connected now); a
   * `StorageError` at once for a client that has given up (status `end`: disconnected, or no more
   * reconnections), or when it gives up while we wait.
   */
  ready(): Promise<void> {
    const client = this.client
    if (client.status === 'ready') return Promise.resolve()
    const ended = (): StorageError => new StorageError(undefined, 'the client has ended its connection (disconnected, or it stopped reconnecting)', 'connect')
    if (client.status === 'end') return Promise.reject(ended())
    let onReady = (): void => {}
    let onEnd = (): void => {}
    const ready = new Promise<void>((resolve, reject) => {
      onReady = () => resolve()
      onEnd = () => reject(ended())
      client.once('ready', onReady)
      client.once('end', onEnd)
    })
    if (client.status === 'wait') void client.connect().catch(() => {})
    const forget = (): void => {
      client.off('ready', onReady)
      client.off('end', onEnd)
    }
    return this.within(ready, undefined, 'connect').finally(forget)
  }

  /**
   * Loads the scripts (as a Redis Functions library where the server takes one: Redis 7 and not a
   * cluster, else as scripts) and measures Redis's clock once.
   */
  async prepare(): Promise<void> {
    // The scripts use commands and options of Redis 7.0 (PEXPIRETIME, PEXPIRE ... GT | NX): an older
    // server is refused now rather than failing at its first write. (Skipped when the user may not
    // run INFO.)
    const info = await this.within(this.client.info('server'), undefined, 'read the server version').catch(() => '')
    const version = /^redis_version:(\d+)\.(\S*)/m.exec(info)
    if (version !== null && Number(version[1]) < 7)
      throw new StorageError(undefined, `Redis ${version[1]}.${version[2]} is too old: tiny-counter/redis needs Redis 7.0 or later`, 'connect')
    this.functions = false
    if (!('nodes' in this.client)) {
      const loaded = await this.within(this.client.function('LOAD', 'REPLACE', this.library.text) as Promise<unknown>, undefined, 'load its functions').then(
        () => true,
        // A user not allowed FUNCTION: the scripts do the same work.
        () => false
      )
      this.functions = loaded
    }
    if (!this.functions) {
      // On a cluster, on every master: a command without keys goes to one node, and a master without
      // the scripts would answer each one's first call NOSCRIPT (a second round trip, with its text).
      const client = this.client
      const targets: ReadonlyArray<RedisClient> = 'nodes' in client ? client.nodes('master') : [client]
      for (const target of targets) {
        for (const name of SCRIPT_NAMES) await this.within(target.script('LOAD', this.texts[name]) as Promise<unknown>, undefined, 'load its scripts')
      }
    }
    const sent = this.machine.now()
    const [seconds, micros] = (await this.within(this.time(), undefined, 'read the time')) as [string, string]
    this.learn(Number(seconds) * 1000 + Math.floor(Number(micros) / 1000), sent)
  }

  private time(): Promise<unknown> {
    return (this.client as Redis).time()
  }
}
