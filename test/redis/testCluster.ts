/**
 * A real Redis Cluster for the tests (Debian's redis-server in cluster mode on loopback ports, each
 * node with its own directory and cluster bus port): masters with a share of the slots each, and
 * replicas of some of them; stopped, and its directories removed, by `stop`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Cluster } from 'ioredis'
import type { ClusterOptions, Redis } from 'ioredis'
import { client } from './connect.ts'
import { RedisServer, freePort } from './redisServer.ts'

const SLOTS = 16_384

export interface ClusterSpec {
  /** How many masters share the slots (in equal ranges, in order). */
  readonly masters: number
  /** For each replica, the index of the master it copies. */
  readonly replicasOf?: ReadonlyArray<number>
  /** Redis's `cluster-node-timeout`: how long a node may not answer before it is counted as failing. */
  readonly nodeTimeoutMillis?: number
}

export interface TestCluster {
  /** Every node, masters first in slot order, then the replicas (roles change with failovers). */
  readonly nodes: ReadonlyArray<RedisServer>
  /** A client of one node (by its port), made once and closed by `stop`. */
  node(port: number): Redis
  /** A cluster client (ready), closed by `stop`. */
  connect(options?: ClusterOptions): Promise<Cluster>
  /** The port of the master that serves `slot` now, as the nodes other than `except` see it. */
  masterOf(slot: number, except?: number): Promise<number>
  stop(): Promise<void>
}

const until = async (what: string, seconds: number, done: () => Promise<boolean>): Promise<void> => {
  for (let tries = 0; !(await done()); tries++) {
    if (tries === seconds * 10) throw new Error(`${what} within ${seconds} s`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Starts the nodes, gives the masters their slots, joins them and waits until every node sees the cluster whole. */
export const startCluster = async (spec: ClusterSpec): Promise<TestCluster> => {
  const replicasOf = spec.replicasOf ?? []
  const dirs: string[] = []
  const nodes: RedisServer[] = []
  const clients = new Map<number, Redis>()
  const clusters: Cluster[] = []
  const node = (port: number): Redis => {
    const made = clients.get(port) ?? client({}, port)
    clients.set(port, made)
    return made
  }
  const stop = async (): Promise<void> => {
    for (const made of clusters.splice(0)) made.disconnect()
    for (const made of clients.values()) made.disconnect()
    clients.clear()
    for (const server of nodes) await server.stop()
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  }
  try {
    for (let i = 0; i < spec.masters + replicasOf.length; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'tiny-counter-redis-cluster-'))
      dirs.push(dir)
      const options = { port: await freePort(), dir, appendfsync: 'everysec', clusterBusPort: await freePort() } as const
      nodes.push(await RedisServer.start(spec.nodeTimeoutMillis === undefined ? options : { ...options, clusterNodeTimeoutMillis: spec.nodeTimeoutMillis }))
    }
    const ports = nodes.map((server) => server.port)
    const share = Math.ceil(SLOTS / spec.masters)
    for (let i = 0; i < spec.masters; i++) await node(ports[i]!).cluster('ADDSLOTSRANGE', i * share, Math.min(SLOTS, (i + 1) * share) - 1)
    for (const server of nodes.slice(1)) await node(ports[0]!).call('CLUSTER', 'MEET', '127.0.0.1', server.port, server.options.clusterBusPort!)
    const sees = async (port: number, pattern: RegExp): Promise<boolean> => pattern.test((await node(port).cluster('INFO')) as string)
    const known = new RegExp(`cluster_known_nodes:${nodes.length}\\b`)
    await until('the cluster did not form', 20, async () => {
      for (const port of ports) if (!(await sees(port, /cluster_state:ok/)) || !(await sees(port, known))) return false
      return true
    })
    for (const [r, master] of replicasOf.entries()) {
      const id = (await node(ports[master]!).cluster('MYID')) as string
      await node(ports[spec.masters + r]!).cluster('REPLICATE', id)
    }
    // Every replica in sync with its master, and known as a replica by every node.
    await until('the replicas did not catch up', 20, async () => {
      for (const port of ports.slice(spec.masters)) if (!/master_link_status:up/.test((await node(port).info('replication')) as string)) return false
      for (const port of ports) if (((await node(port).cluster('NODES')) as string).split('\n').filter((line) => /[ ,]slave /.test(line)).length !== replicasOf.length) return false
      return true
    })
  } catch (error) {
    await stop()
    throw error
  }
  return {
    nodes,
    node,
    async connect(options = {}) {
      const made = new Cluster([{ host: '127.0.0.1', port: nodes[0]!.port }], options)
      made.on('error', () => {})
      clusters.push(made)
      await new Promise<void>((resolve, reject) => {
        made.once('ready', () => resolve())
        made.once('end', () => reject(new Error('the cluster client ended before it was ready')))
      })
      return made
    },
    async masterOf(slot, except) {
      const asker = nodes.find((server) => server.port !== except)!
      const range = (await node(asker.port).cluster('SLOTS')).find(([from, to]) => from <= slot && slot <= to)
      if (range?.[2] === undefined) throw new Error(`no master serves slot ${slot}`)
      return range[2][1]
    },
    stop
  }
}
