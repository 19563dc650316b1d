// The API over a real socket, spoken to byte by byte: every answer is JSON in the error shape, even where Node's own
// HTTP parser refuses the request, and nothing from input comes back unescaped.
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { PassThrough } from 'node:stream';
import { InMemoryFleet, InMemoryKillSource, InMemoryOutcomeRepo, InMemoryStream, ManualClock, sampleRecord, sampleReport } from '@medic/domain/testing';
import { createAgent } from './agent';
import { buildConfig } from './config';
import { createHttpServer } from './http-server';
import { createLogger } from './logger';

const TOKEN = 'test-token-0123456789';

let server: Server;
let port: number;
let repo: InMemoryOutcomeRepo;

beforeAll(async () => {
  const config = buildConfig({ mode: 'live', api: { enabled: false } }, { env: { MEDIC_API_TOKEN: TOKEN }, cwd: '/tmp', file: null });
  repo = new InMemoryOutcomeRepo();
  const agent = await createAgent({
    config,
    repo,
    resurrector: new InMemoryFleet(),
    source: new InMemoryKillSource(new InMemoryStream()),
    clock: new ManualClock('2025-03-01T12:05:00.000Z'),
    threatIntel: null,
    logger: createLogger({ level: 'error', format: 'text' }, new PassThrough()),
  });
  server = createHttpServer(agent.api);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Sends raw bytes and reads one answer: up to its Content-Length, or until the server closes the connection. */
function raw(request: string | Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const shown = JSON.stringify(request.toString().slice(0, 60));
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let received = Buffer.alloc(0);
    const parse = (): RawAnswer | null => {
      const split = received.indexOf('\r\n\r\n');
      if (split < 0) return null;
      const [statusLine = '', ...headerLines] = received.subarray(0, split).toString('latin1').split('\r\n');
      const headers = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      const body = received.subarray(split + 4);
      const length = headers['content-length'] === undefined ? null : Number(headers['content-length']);
      if (length !== null && body.length < length) return null;
      return { status: Number(statusLine.split(' ')[1]), headers, body: body.toString('utf8') };
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const answer = parse();
      if (answer && answer.headers['content-length'] !== undefined) {
        socket.destroy();
        resolve(answer);
      }
    });
    socket.on('error', reject);
    socket.setTimeout(5_000, () => socket.destroy(new Error(`no answer to ${shown}`)));
    socket.on('close', () => {
      const answer = parse();
      if (answer) resolve(answer);
      else reject(new Error(`no HTTP answer to ${shown}: ${JSON.stringify(received.toString('latin1'))}`));
    });
  });
}

function expectJsonError(answer: RawAnswer, status: number, code: string): void {
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body));
  expect(JSON.parse(answer.body)).toEqual({ error: { code, message: expect.any(String) } });
  expect(answer.body).toMatch(/^[\x20-\x7e]*$/);
}

describe('HTTP server: every answer is JSON', () => {
  it('answers a well-formed request normally', async () => {
    const answer = await raw('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 'ok' });
  });

  it.each([
    ['raw control bytes in the target', 'GET /hea\u0001lth HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a space in the target', 'GET /a b/c HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a bad Content-Length', 'POST /approve/k-1 HTTP/1.1\r\nHost: x\r\nContent-Length: 12abc\r\n\r\n'],
    ['two different Content-Lengths', 'POST /approve/k-1 HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab'],
    ['Content-Length with Transfer-Encoding', 'POST /approve/k-1 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['NUL in a header value', 'GET /health HTTP/1.1\r\nHost: x\r\nX-Trace: a\u0000b\r\n\r\n'],
    ['a header without a colon', 'GET /health HTTP/1.1\r\nHost: x\r\nnonsense\r\n\r\n'],
    ['a missing Host', 'GET /health HTTP/1.1\r\n\r\n'],
    ['an unknown method', 'FROB /health HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a bad HTTP version', 'GET /health HTTP/9.9\r\nHost: x\r\n\r\n'],
    ['garbage', '\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u01fc\u0003\u0003\r\n\r\n'],
  ])('400 for %s (Node parser error)', async (_, request) => {
    expectJsonError(await raw(Buffer.from(request, 'latin1')), 400, 'bad_request');
  });

  it('431 for headers larger than Node accepts', async () => {
    expectJsonError(await raw(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`), 431, 'headers_too_large');
  });

  it('400 for OPTIONS * (a target that is not a path)', async () => {
    expectJsonError(await raw('OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'), 400, 'bad_request');
  });

  it('404 for OPTIONS on a path, in the error shape', async () => {
    expectJsonError(await raw('OPTIONS /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'), 404, 'not_found');
  });

  it('405 for CONNECT, which would otherwise get no answer at all', async () => {
    expectJsonError(await raw('CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n'), 405, 'method_not_allowed');
  });

  it('417 for an Expect header other than 100-continue', async () => {
    expectJsonError(await raw('POST /approve/k-1 HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'), 417, 'expectation_failed');
  });

  it('escapes input the answer echoes', async () => {
    const answer = await raw(Buffer.from('GET /n\u00c2\u0085\u00e2\u0080\u00aeope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 'latin1'));
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(answer.body).toMatch(/^[\x20-\x7e]*$/);
  });
});

describe('API answers carry no raw control or bidi character', () => {
  it('escapes what a kill report put into a record, and the JSON still reads back the same', async () => {
    const evidence = ['\u001b[2Jwiped', 'C1 \u009b31m red', 'bidi \u202etxt.exe', 'zero\u200bwidth', 'line\u2028break'];
    await repo.insert(sampleRecord({ killId: 'hostile-1', report: sampleReport({ killId: 'hostile-1', evidence }) }));
    const answer = await raw('GET /decisions/hostile-1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatch(/^[\x20-\x7e]*$/);
    expect(answer.body).toContain('\\u001b[2Jwiped');
    expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body));
    expect((JSON.parse(answer.body) as { kill: { evidence: string[] } }).kill.evidence).toEqual(evidence);
  });
});

describe('bearer token', () => {
  const approve = (authorization: string | null) =>
    fetch(`http://127.0.0.1:${port}/approve/nobody-1`, { method: 'POST', headers: authorization === null ? {} : { authorization } });

  it.each([`Bearer ${TOKEN}`, `bearer ${TOKEN}`, `BEARER ${TOKEN}`, `Bearer   ${TOKEN}`, `bEaReR  ${TOKEN}`])('accepts %j (RFC 7235: scheme in any case, extra spaces)', async (header) => {
    // The token is right, so the answer is about the kill: 404 for an unknown one.
    const response = await approve(header);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
  });

  it.each([null, 'Bearer wrong-token', `Bearer ${TOKEN}x`, TOKEN, `Basic ${TOKEN}`, `Bearer${TOKEN}`, 'Bearer ', `Bearer ${TOKEN} extra`])(
    'refuses %j with 401 in the error shape, never echoing the token',
    async (header) => {
      const response = await approve(header);
      expect(response.status).toBe(401);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain('wrong-token');
    },
  );
});
