/**
 * A TCP proxy on a loopback port in front of a Redis server, which can lose a reply: the command
 * reaches Redis and runs, and its connection closes before the reply reaches the client (a network
 * cut, a proxy or a node that dies at the wrong moment).
 */
import type { Server, Socket } from 'node:net'
import { connect, createServer } from 'node:net'

export class ReplyCutter {
  private armed: { readonly command: string; readonly cut: () => void } | undefined
  private readonly sockets = new Set<Socket>()

  private constructor(
    private readonly server: Server,
    readonly port: number
  ) {}

  /** A proxy of the server on `target` (a loopback port). */
  static async start(target: number): Promise<ReplyCutter> {
    let proxy: ReplyCutter | undefined
    const server = createServer((client) => proxy!.pipe(client, target))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const address = server.address()
    if (address === null || typeof address !== 'object') throw new Error('the proxy has no port')
    proxy = new ReplyCutter(server, address.port)
    return proxy
  }

  /**
   * Loses the reply to the next request that names `command` (e.g. `fcall`, `evalsha`; any case):
   * the request goes through to Redis, then both connections close instead of the reply. Resolves
   * once that has happened.
   */
  cutReplyTo(command: string): Promise<void> {
    return new Promise((resolve) => {
      this.armed = { command: command.toLowerCase(), cut: resolve }
    })
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    await new Promise((resolve) => this.server.close(resolve))
  }

  private pipe(client: Socket, target: number): void {
    const upstream = connect(target, '127.0.0.1')
    this.sockets.add(client).add(upstream)
    let cutting: (() => void) | undefined
    client.on('data', (chunk: Buffer) => {
      const armed = this.armed
      if (armed !== undefined && chunk.toString('latin1').toLowerCase().includes(armed.command)) {
        this.armed = undefined
        cutting = armed.cut
      }
      upstream.write(chunk)
    })
    upstream.on('data', (chunk: Buffer) => {
      if (cutting === undefined) {
        client.write(chunk)
        return
      }
      // The reply of the command: dropped, and both connections closed.
      client.destroy()
      upstream.destroy()
      cutting()
    })
    const end = (): void => {
      client.destroy()
      upstream.destroy()
      this.sockets.delete(client)
      this.sockets.delete(upstream)
    }
    client.on('close', end).on('error', end)
    upstream.on('close', end).on('error', end)
  }
}
