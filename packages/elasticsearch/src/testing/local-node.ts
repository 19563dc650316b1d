import { createServer as createHttpServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { alertsAnswer } from './alerts-answer';

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

/** A stand-in Elasticsearch node on 127.0.0.1 speaking real HTTP, for what the mock cannot show: headers, sockets, TLS, timeouts. */
export interface LocalNode {
  readonly url: string;
  readonly requests: readonly SeenRequest[];
  close(): Promise<void>;
}

export interface LocalNodeOptions {
  /** "answer": pings succeed and searches find no alerts; "hang": requests are read and never answered. */
  readonly behaviour: 'answer' | 'hang';
  readonly tls?: { readonly cert: string; readonly key: string };
}

function answer(request: IncomingMessage, response: ServerResponse): void {
  const body = request.method === 'HEAD' ? '' : JSON.stringify(alertsAnswer());
  response.writeHead(200, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

export async function startLocalNode(options: LocalNodeOptions): Promise<LocalNode> {
  const requests: SeenRequest[] = [];
  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
    request.resume();
    if (options.behaviour === 'answer') request.on('end', () => answer(request, response));
  };
  const server: Server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handler) : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A 127.0.0.1 URL where nothing listens: a port taken and released at once. */
export async function closedPortUrl(): Promise<string> {
  const server = createHttpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** An https URL on 127.0.0.1 whose server accepts connections and never says a word, so the TLS handshake never ends. */
export async function silentTlsNode(): Promise<{ readonly url: string; readonly connections: () => number; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server = createTcpServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    connections: () => sockets.length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
