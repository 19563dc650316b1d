import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Hono } from 'hono';
import { createHttpServer } from './http-server';
import type { Logger } from './logger';

/** The operators' API on a real socket: `api.host`/`api.port` (port 0 picks a free one). */
export class ApiServer {
  #server: Server | null = null;
  #address: { host: string; port: number } | null = null;

  constructor(
    private readonly app: Hono,
    private readonly listen: { readonly host: string; readonly port: number },
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const server = createHttpServer(this.app);
      server.once('error', reject);
      server.listen(this.listen.port, this.listen.host, () => {
        const info = server.address() as AddressInfo;
        this.#address = { host: info.address, port: info.port };
        resolve();
      });
      this.#server = server;
    });
    this.logger.info(`API listening on http://${this.#address!.host}:${this.#address!.port}`);
  }

  /** The bound address once started. */
  address(): { host: string; port: number } | null {
    return this.#address;
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
