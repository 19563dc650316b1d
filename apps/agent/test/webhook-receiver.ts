import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { waitFor } from '@medic/test-support';

/** One request the receiver got. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * A real HTTP webhook receiver on 127.0.0.1 (port 0 picks a free one): records every request and answers `status`
 * (200 by default; a function decides per request). `stop()` closes the port, so senders get ECONNREFUSED, and `start()`
 * opens the same port again.
 */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  status: number | ((request: ReceivedRequest) => number) = 200;
  port = 0;
  #server: Server | null = null;
  readonly #sockets = new Set<Socket>();

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    await receiver.start();
    return receiver;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Requests to `path` (default: all), each body parsed as JSON. */
  bodies(path?: string): unknown[] {
    return this.requests.filter((r) => path === undefined || r.path === path).map((r) => JSON.parse(r.body) as unknown);
  }

  async start(): Promise<void> {
    const server = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        const received: ReceivedRequest = { method: request.method ?? '', path: request.url ?? '', headers: request.headers, body };
        this.requests.push(received);
        const status = typeof this.status === 'function' ? this.status(received) : this.status;
        response.writeHead(status, { 'content-type': 'text/plain' });
        response.end(status < 300 ? 'ok' : `refused with ${status}`);
      });
    });
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Closes the port and every open connection: the receiver is down. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    for (const socket of this.#sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Resolves once at least `count` requests to `path` (default: any) arrived; fails after `timeoutMs`. */
  waitFor(count: number, timeoutMs = 20_000, path?: string): Promise<ReceivedRequest[]> {
    return waitFor(
      `${count} request(s) at the webhook receiver${path ? ` to ${path}` : ''}`,
      () => {
        const matching = this.requests.filter((r) => path === undefined || r.path === path);
        return matching.length >= count ? matching : undefined;
      },
      { timeoutMs, intervalMs: 20 },
    );
  }
}
