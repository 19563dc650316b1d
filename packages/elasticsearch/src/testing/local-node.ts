import { createServer as createHttpServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { freePort } from '@medic/test-support';
import { alertsAnswer } from './alerts-answer';

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * A stand-in Elasticsearch node on 127.0.0.1 speaking real HTTP, for what the mock cannot show: headers, sockets, TLS,
 * timeouts, REST compatibility, index resolution and privileges.
 */
export interface LocalNode {
  readonly url: string;
  readonly requests: readonly SeenRequest[];
  close(): Promise<void>;
}

/** The caller's API key, as far as the node checks it. */
export interface StandInKey {
  /** Holds the `monitor` cluster privilege, which `GET /` and `HEAD /` (the client's info and ping) need. */
  readonly monitor: boolean;
  /** Index name patterns (`*` wildcards) the key has `read` on. */
  readonly read: readonly string[];
}

export interface LocalNodeOptions {
  /** "answer": behaves as described below; "hang": requests are read and never answered. */
  readonly behaviour: 'answer' | 'hang';
  readonly tls?: { readonly cert: string; readonly key: string };
  /** The Elasticsearch major whose REST compatibility checks the node applies (default 8: compatible-with 7 or 8). */
  readonly major?: 8 | 9;
  /** Indices and aliases that exist (default: the default Kibana space's alerts alias). */
  readonly indices?: readonly string[];
  /** The caller's privileges (default: `monitor` and `read` on everything). */
  readonly key?: StandInKey;
  /** The answer to a search, given its body and the indices it resolved to (default: no alerts). */
  readonly search?: (body: unknown, indices: readonly string[]) => Record<string, unknown>;
}

export const DEFAULT_STAND_IN_INDICES = ['.alerts-security.alerts-default'];
/** The key and user named in the node's security errors. */
export const STAND_IN_KEY_ID = 'medic-test-key';
export const STAND_IN_USER = 'medic';

interface Reply {
  readonly status: number;
  readonly body?: unknown;
}

/** An error body in Elasticsearch's shape: the error, its root causes, its cause. */
function failure(status: number, error: Record<string, unknown>, causedBy?: Record<string, unknown>): Reply {
  return { status, body: { error: { root_cause: [error], ...error, ...(causedBy ? { caused_by: causedBy } : {}) }, status } };
}

const indexNotFound = (name: string): Reply =>
  failure(404, { type: 'index_not_found_exception', reason: `no such index [${name}]`, 'resource.type': 'index_or_alias', 'resource.id': name, index_uuid: '_na_', index: name });

const unauthorized = (action: string, on: string, grantedBy: string): Reply =>
  failure(403, { type: 'security_exception', reason: `action [${action}] is unauthorized for API key id [${STAND_IN_KEY_ID}] of user [${STAND_IN_USER}]${on}, this action is granted by ${grantedBy}` });

/** A media-type header as Elasticsearch's ParsedMediaType reads it; a list ("a, b") counts as a media range and is ignored. */
interface MediaType {
  readonly header: string;
  readonly compatibleWith: number | null;
}

function parseMediaType(header: string | undefined): MediaType | null {
  if (header === undefined || header.includes(',') || header === '*/*') return null;
  const parameter = header.toLowerCase().split(';').slice(1).map((p) => p.trim().split('=')).find(([name]) => name === 'compatible-with');
  return { header, compatibleWith: parameter?.[1] !== undefined ? Number(parameter[1]) : null };
}

/**
 * Elasticsearch's REST compatibility check (RestCompatibleVersionHelper): the version in Accept, and with a body in
 * Content-Type, must be the current major or the one before, and both or neither must carry one. Null when accepted.
 */
function compatibilityError(major: number, acceptHeader: string | undefined, contentTypeHeader: string | undefined, hasContent: boolean): string | null {
  const minimum = major - 1;
  const accept = parseMediaType(acceptHeader);
  const contentType = parseMediaType(contentTypeHeader);
  const acceptAsked = accept?.compatibleWith ?? null;
  const contentAsked = contentType?.compatibleWith ?? null;
  const acceptVersion = acceptAsked ?? major;
  const contentVersion = contentAsked ?? major;
  const shownAccept = `Accept=${accept?.header ?? 'null'}`;
  const shownContentType = `Content-Type=${contentType?.header ?? 'null'}`;
  if (acceptVersion > major || acceptVersion < minimum) {
    return `Accept version must be either version ${major} or ${minimum}, but found ${acceptVersion}. ${shownAccept}`;
  }
  if (!hasContent) return null;
  if (contentVersion > major || contentVersion < minimum) {
    return `Content-Type version must be either version ${major} or ${minimum}, but found ${contentVersion}. ${shownContentType}`;
  }
  const both = 'A compatible version is required on both Content-Type and Accept headers if either one has requested a compatible version';
  if (contentVersion !== acceptVersion) return `${both} and the compatible versions must match. ${shownAccept}, ${shownContentType}`;
  if ((acceptAsked === null) !== (contentAsked === null)) return `${both}. ${shownAccept}, ${shownContentType}`;
  return null;
}

const matches = (pattern: string, name: string): boolean =>
  new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(name);

/**
 * Resolves a search target as a secured cluster does: wildcards expand to the existing indices the key may read; a
 * concrete name the key may not read is refused, a missing one is not found, unless ignore_unavailable; nothing left is
 * an error only with allow_no_indices=false (the default, true, answers no hits).
 */
function resolveTarget(target: string, query: URLSearchParams, indices: readonly string[], key: StandInKey): readonly string[] | Reply {
  const mayRead = (name: string) => key.read.some((pattern) => matches(pattern, name));
  const ignoreUnavailable = query.get('ignore_unavailable') === 'true';
  const expressions = target.split(',');
  const resolved = new Set<string>();
  for (const expression of expressions) {
    if (expression.includes('*')) {
      for (const name of indices) if (matches(expression, name) && mayRead(name)) resolved.add(name);
    } else if (!mayRead(expression)) {
      if (!ignoreUnavailable) return unauthorized('indices:data/read/search', ` on indices [${expression}]`, 'the index privileges [read,all]');
    } else if (indices.includes(expression)) {
      resolved.add(expression);
    } else if (!ignoreUnavailable) {
      return indexNotFound(expression);
    }
  }
  // Security reports the whole request list, as Arrays.toString prints it.
  if (resolved.size === 0 && query.get('allow_no_indices') === 'false') return indexNotFound(`[${expressions.join(', ')}]`);
  return [...resolved];
}

function route(request: IncomingMessage, body: string, options: LocalNodeOptions): Reply {
  const major = options.major ?? 8;
  const incompatible = compatibilityError(major, request.headers.accept, request.headers['content-type'], body.length > 0);
  if (incompatible !== null) {
    // Set.of in Elasticsearch prints the two names in either order; this is one of them.
    const reason = 'Invalid media-type value on headers [Accept, Content-Type]';
    return failure(400, { type: 'media_type_header_exception', reason }, { type: 'status_exception', reason: incompatible });
  }
  const key = options.key ?? { monitor: true, read: ['*'] };
  const url = new URL(request.url ?? '/', 'http://stand-in');
  const method = request.method ?? 'GET';
  if (url.pathname === '/' && (method === 'GET' || method === 'HEAD')) {
    if (!key.monitor) return unauthorized('cluster:monitor/main', '', 'the cluster privileges [monitor,manage,all]');
    return { status: 200, body: { name: 'stand-in', cluster_name: 'medic-test', version: { number: `${major}.0.0` }, tagline: 'You Know, for Search' } };
  }
  const search = /^\/([^/_][^/]*)\/_search$/.exec(url.pathname);
  if (search && (method === 'GET' || method === 'POST')) {
    const resolved = resolveTarget(decodeURIComponent(search[1] ?? ''), url.searchParams, options.indices ?? DEFAULT_STAND_IN_INDICES, key);
    if (!Array.isArray(resolved)) return resolved as Reply;
    return { status: 200, body: options.search ? options.search(body.length > 0 ? JSON.parse(body) : {}, resolved) : alertsAnswer() };
  }
  return { status: 400, body: { error: `no handler found for uri [${request.url}] and method [${method}]` } };
}

function reply(request: IncomingMessage, response: ServerResponse, answer: Reply): void {
  const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
  const asked = parseMediaType(request.headers.accept)?.compatibleWith ?? null;
  response.writeHead(answer.status, {
    'content-type': asked === null ? 'application/json' : `application/vnd.elasticsearch+json;compatible-with=${asked}`,
    'x-elastic-product': 'Elasticsearch',
    'content-length': Buffer.byteLength(text),
  });
  response.end(request.method === 'HEAD' ? undefined : text);
}

export async function startLocalNode(options: LocalNodeOptions): Promise<LocalNode> {
  const requests: SeenRequest[] = [];
  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      if (options.behaviour === 'answer') reply(request, response, route(request, body, options));
    });
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
  return `http://127.0.0.1:${await freePort()}`;
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
