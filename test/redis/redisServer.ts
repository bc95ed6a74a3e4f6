/**
 * A `redis-server` process the tests own: started on a loopback port with AOF on, killed (SIGKILL
 * when asked, to test recovery), restarted from its directory.
 */
import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { Redis } from 'ioredis'

/** Where Debian's package puts the server; `REDIS_SERVER` overrides it. */
export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server'

/** The port of the tests' shared server (set by `server.ts` or `.ci/run`). */
export const redisPort = (): number => Number(process.env.TINY_COUNTER_REDIS_PORT ?? 6390)

/** A free loopback TCP port. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))))
    })
  })

/** Whether a Redis answers PING on the loopback port within a second. */
export const ping = async (port: number): Promise<boolean> => {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1_000, retryStrategy: () => null })
  client.on('error', () => {})
  try {
    await client.connect()
    return (await client.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    client.disconnect()
  }
}

export interface ServerOptions {
  readonly port: number
  readonly dir: string
  readonly appendfsync: 'always' | 'everysec'
  /** A node of a Redis Cluster, whose cluster bus listens on this port (see cluster.test.ts). */
  readonly clusterBusPort?: number
  /** Its `cluster-node-timeout` (Redis's default: 15 s). */
  readonly clusterNodeTimeoutMillis?: number
  /** A replica of the server on this port. */
  readonly replicaOf?: number
  /**
   * A Redis Sentinel (no data of its own) watching the master on this port as `mymaster`, alone
   * (quorum 1), which counts it as down after `downAfterMillis` without an answer.
   */
  readonly sentinelOf?: { readonly master: number; readonly downAfterMillis: number }
}

export class RedisServer {
  private constructor(
    private process: ChildProcess,
    readonly options: ServerOptions
  ) {}

  get port(): number {
    return this.options.port
  }

  get pid(): number | undefined {
    return this.process.pid
  }

  static async start(options: ServerOptions): Promise<RedisServer> {
    if (!existsSync(REDIS_SERVER)) throw new Error(`${REDIS_SERVER} not found: install Debian's redis-server (apt-get install -y redis-server)`)
    const server = new RedisServer(RedisServer.spawn(options), options)
    await server.ready()
    return server
  }

  private static spawn(options: ServerOptions): ChildProcess {
    if (options.sentinelOf !== undefined) {
      // A sentinel rewrites its configuration file as it learns: one of its own, in its directory.
      const { master, downAfterMillis } = options.sentinelOf
      const conf = join(options.dir, 'sentinel.conf')
      if (!existsSync(conf))
        writeFileSync(
          conf,
          [`port ${options.port}`, 'bind 127.0.0.1', `dir ${options.dir}`, `sentinel monitor mymaster 127.0.0.1 ${master} 1`, `sentinel down-after-milliseconds mymaster ${downAfterMillis}`, 'sentinel failover-timeout mymaster 10000', ''].join('\n')
        )
      const child = spawn(REDIS_SERVER, [conf, '--sentinel'], { stdio: 'ignore' })
      child.unref()
      return child
    }
    const args = ['--port', String(options.port), '--bind', '127.0.0.1', '--appendonly', 'yes', '--appendfsync', options.appendfsync, '--save', '', '--dir', options.dir]
    if (options.clusterBusPort !== undefined) args.push('--cluster-enabled', 'yes', '--cluster-port', String(options.clusterBusPort), '--cluster-config-file', 'nodes.conf')
    if (options.clusterNodeTimeoutMillis !== undefined) args.push('--cluster-node-timeout', String(options.clusterNodeTimeoutMillis))
    if (options.replicaOf !== undefined) args.push('--replicaof', '127.0.0.1', String(options.replicaOf))
    const child = spawn(REDIS_SERVER, args, { stdio: 'ignore' })
    child.unref()
    return child
  }

  private async ready(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      if (await ping(this.port)) return
      if (this.process.exitCode !== null) throw new Error(`redis-server exited with code ${this.process.exitCode}`)
      await new Promise((r) => setTimeout(r, 50))
    }
    throw new Error(`redis-server did not answer on port ${this.port}`)
  }

  /** Kills the server at once (no shutdown: what is not in the AOF is lost). */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return
    const exited = new Promise((resolve) => this.process.once('exit', resolve))
    this.process.kill(signal)
    await exited
  }

  /** Pauses (SIGSTOP) or resumes (SIGCONT) the server: a server that hangs. */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    this.process.kill(signal)
  }

  /** Starts the server again from its directory (its AOF). */
  async restart(): Promise<void> {
    await this.kill()
    this.process = RedisServer.spawn(this.options)
    await this.ready()
  }

  async stop(): Promise<void> {
    await this.kill('SIGTERM')
  }
}
