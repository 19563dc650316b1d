import { createServer, STATUS_CODES } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { getRequestListener, RequestError } from '@hono/node-server';
import type { Hono } from 'hono';
import { errorAnswer } from './api';
import type { ApiErrorCode } from './api';

/**
 * An HTTP server for the API whose every answer is JSON, also where Node or the adapter would answer on their own:
 * requests Node's parser refuses (`clientError`: raw bytes in the target, a bad Content-Length, NUL in a header, a
 * missing Host, headers too large, a request too slow), targets that are not a path (`OPTIONS *`), `CONNECT`, and an
 * `Expect` header other than 100-continue. Each of those gets `{error: {code, message}}` with the status Node would
 * have used.
 */
export function createHttpServer(app: Hono): Server {
  const listener = getRequestListener(app.fetch, {
    // Only requests the adapter cannot turn into a Request reach here (Hono answers its own errors): the client's fault.
    errorHandler: (error) =>
      error instanceof RequestError || (error as { name?: unknown } | null)?.name === 'RequestError'
        ? jsonResponse('bad_request', `malformed request: ${(error as Error).message}; the target must be a path such as /health`)
        : jsonResponse('internal', 'internal error'),
  });
  // Node would answer a missing Host itself, with an empty 400; the adapter refuses it instead (errorHandler above).
  const server = createServer({ requireHostHeader: false }, listener);
  server.on('clientError', (error: ParserError, socket: Duplex) => {
    // As Node does without a listener: answer only when no response of this connection has started, then close it.
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
    if (!socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const [code, message] = parserRefusal(error);
    socket.end(rawAnswer(code, message), () => socket.destroy());
  });
  server.on('connect', (request: IncomingMessage, socket: Duplex) => {
    socket.end(rawAnswer('method_not_allowed', `method ${request.method ?? 'CONNECT'} is not supported`), () => socket.destroy());
  });
  server.on('checkExpectation', (request: IncomingMessage, response) => {
    const { status, body } = errorAnswer('expectation_failed', 'only Expect: 100-continue is supported');
    response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    response.end(body);
    request.resume();
  });
  return server;
}

function jsonResponse(code: ApiErrorCode, message: string): Response {
  const { status, body } = errorAnswer(code, message);
  return new Response(body, { status, headers: { 'content-type': 'application/json' } });
}

/** An error of Node's HTTP parser: `code` such as HPE_INVALID_METHOD, `reason` a fixed description. */
type ParserError = NodeJS.ErrnoException & { readonly reason?: string };

/** The code and message for a request Node's HTTP parser refused, with the status Node itself would have sent. */
function parserRefusal(error: ParserError): [ApiErrorCode, string] {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return ['headers_too_large', 'request headers too large'];
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return ['payload_too_large', 'chunk extensions too large'];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return ['request_timeout', 'the request did not arrive in time'];
    default:
      return ['bad_request', `malformed HTTP request (${error.code ?? 'parse error'}${error.reason ? `: ${error.reason}` : ''})`];
  }
}

/** A whole HTTP/1.1 answer for a socket no response object owns; the connection closes after it. */
function rawAnswer(code: ApiErrorCode, message: string): string {
  const { status, body } = errorAnswer(code, message);
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
    'Content-Type: application/json\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  );
}
