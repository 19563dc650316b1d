import { createConnection, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of the Docker socket, so a test can make the engine unreachable (stop) and reachable
 * again (start, on the same port) without touching the shared engine. DOCKER_HOST for it: `tcp://127.0.0.1:<port>`.
 */
export class DockerProxy {
  port = 0;
  #server: Server | null = null;
  readonly #sockets = new Set<Socket>();

  constructor(private readonly socketPath = '/var/run/docker.sock') {}

  get dockerHost(): string {
    return `tcp://127.0.0.1:${this.port}`;
  }

  /** Listens (on a free port the first time, on the same port after a stop). */
  async start(): Promise<void> {
    const server = createServer((client) => {
      const engine = createConnection(this.socketPath);
      for (const socket of [client, engine]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(engine).pipe(client);
      client.on('close', () => engine.destroy());
      engine.on('close', () => client.destroy());
    });
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(this.port, '127.0.0.1', () => done());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the Docker proxy has no TCP address');
    this.port = address.port;
    this.#server = server;
  }

  /** Refuses new connections and cuts the open ones, as an engine that went away. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    for (const socket of this.#sockets) socket.destroy();
    if (server) await new Promise<void>((done) => server.close(() => done()));
  }
}
