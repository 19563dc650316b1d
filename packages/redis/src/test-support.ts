import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Redis from 'ioredis';
import { redactUrl } from './create-redis-kill-source';
import { messageOf } from './error-message';

/** The Redis the integration tests use: REDIS_URL, else the local server of scripts/services.sh. */
export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A fresh stream name per test, so tests share the server without sharing keys. */
export const testStream = (): string => `medic-test:${randomUUID()}`;


/** A plain client for setting up and inspecting test streams; fails (never skips) with a message naming Redis when it is not reachable. */
export async function connectTestRedis(url: string = TEST_REDIS_URL): Promise<Redis> {
  const client = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 2_000 });
  let lastError: unknown = null;
  client.on('error', (error) => (lastError = error));
  try {
    await client.connect();
    await client.ping();
    return client;
  } catch (failure) {
    if (client.status !== 'end') client.disconnect();
    // connect() only says "Connection is closed."; the error event carries the reason (e.g. ECONNREFUSED).
    throw new Error(`Redis is not reachable at ${redactUrl(url)} — run scripts/services.sh (${messageOf(lastError ?? failure)})`, { cause: failure });
  }
}

/** Removes the test's stream and its dead-letter stream. */
export async function deleteStreams(client: Redis, stream: string): Promise<void> {
  await client.del(stream, `${stream}.dead`);
}

/** A port nobody listens on right now, on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A private redis-server child process (never the shared one, which other tests use) with an append-only file
 * fsynced on every write in `dir`, so its streams survive a SIGKILL and a restart on the same port.
 */
export class PrivateRedis {
  private child: ChildProcess | null = null;

  constructor(
    readonly port: number,
    readonly dir: string,
    /** Extra redis-server arguments, e.g. ['--requirepass', 'secret']. */
    private readonly extraArgs: readonly string[] = [],
    /** Password for the readiness probe. */
    private readonly password?: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server and resolves once it answers PING; fails with a clear message if redis-server is missing. */
  async start(): Promise<void> {
    const args = ['--bind', '127.0.0.1', '--port', String(this.port), '--dir', this.dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', ...this.extraArgs];
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.child = child;
    const failed = new Promise<never>((_, reject) => {
      child.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new Error(
            error.code === 'ENOENT'
              ? 'redis-server is not on PATH — run scripts/services.sh (it installs Debian\'s redis-server)'
              : `redis-server could not start: ${error.message}`,
          ),
        ),
      );
      child.once('exit', (code) => reject(new Error(`redis-server on port ${this.port} exited early with code ${code}`)));
    });
    failed.catch(() => undefined);
    await Promise.race([this.waitForPing(), failed]);
  }

  /** SIGKILL, as a crash: no shutdown work, no goodbye to clients. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  private async waitForPing(): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const probe = new Redis(this.url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 500, password: this.password });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        await probe.ping();
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new Error(`private redis-server on port ${this.port} did not answer PING within 10 s: ${messageOf(error)}`, { cause: error });
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      } finally {
        // Disconnecting a client that never connected leaves ioredis's 2 s disconnect timer running.
        if (probe.status !== 'end') probe.disconnect();
      }
    }
  }
}

/** The ACL line README.md's Security section documents for `user` ("medic" or "smith"), with `password` in place of its placeholder. */
export async function documentedAclLine(user: 'medic' | 'smith', password: string): Promise<string> {
  const readme = await readFile(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
  const line = readme.split('\n').find((l) => l.startsWith(`user ${user} on >`));
  if (!line) throw new Error(`README.md documents no ACL line for user ${user}`);
  return line.replace(/^(user \S+ on >)\S+ /, `$1${password} `);
}

/** PEM files of a throw-away certificate authority and a server certificate it signed for 127.0.0.1. */
export interface TestCertificates {
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
}

/**
 * Makes a throw-away CA and a server certificate for IP 127.0.0.1 with openssl in `dir` (files prefixed `name`), valid
 * for two days. Fails with a message naming openssl when it is missing.
 */
export async function makeTestCertificates(dir: string, name: string): Promise<TestCertificates> {
  const file = (suffix: string) => join(dir, `${name}-${suffix}`);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await writeFile(file('ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  await openssl(['req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.crt'), '-days', '2', '-subj', `/CN=${name} CA`]);
  await openssl(['req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=127.0.0.1']);
  await openssl(['x509', '-req', '-in', file('server.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('server.crt'), '-days', '2', '-extfile', file('ext.cnf')]);
  return { caCert: file('ca.crt'), serverCert: file('server.crt'), serverKey: file('server.key') };
}

function openssl(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(error.code === 'ENOENT' ? "openssl is not on PATH — run scripts/services.sh (it installs Debian's openssl)" : `openssl failed: ${error.message}`)),
    );
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`openssl ${args[0]} exited with ${code}: ${stderr.trim()}`))));
  });
}

/**
 * A private redis-server with TLS only (no plain port) and ACL users, configured by a redis.conf written in `dir`;
 * it answers on 127.0.0.1:`port`. Start-up failures name redis-server and quote its log.
 */
export class TlsRedis {
  private child: ChildProcess | null = null;
  private log = '';

  constructor(
    readonly port: number,
    readonly dir: string,
    readonly certificates: TestCertificates,
    /** Lines for redis.conf such as `user default off` and `user medic on >secret ~stream +xadd`. */
    private readonly aclLines: readonly string[],
  ) {}

  /** A rediss:// URL for `user` with `password`. */
  url(user: string, password: string): string {
    return `rediss://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${this.port}`;
  }

  /** Starts the server and waits until `user` can PING over TLS. */
  async start(probe: { user: string; password: string }): Promise<void> {
    const conf = join(this.dir, `redis-${this.port}.conf`);
    await writeFile(
      conf,
      [
        'port 0',
        `tls-port ${this.port}`,
        'bind 127.0.0.1',
        `tls-cert-file ${this.certificates.serverCert}`,
        `tls-key-file ${this.certificates.serverKey}`,
        `tls-ca-cert-file ${this.certificates.caCert}`,
        'tls-auth-clients no',
        'save ""',
        'appendonly no',
        `dir ${this.dir}`,
        ...this.aclLines,
        '',
      ].join('\n'),
    );
    const child = spawn('redis-server', [conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (chunk: Buffer) => (this.log = (this.log + chunk.toString()).slice(-4000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const failed = new Promise<never>((_, reject) => {
      child.once('error', (error: NodeJS.ErrnoException) =>
        reject(new Error(error.code === 'ENOENT' ? "redis-server is not on PATH — run scripts/services.sh (it installs Debian's redis-server)" : `redis-server could not start: ${error.message}`)),
      );
      child.once('exit', (code) => reject(new Error(`redis-server with TLS on port ${this.port} exited early with code ${code} (does it support TLS?): ${this.log.trim()}`)));
    });
    failed.catch(() => undefined);
    await Promise.race([this.waitForPing(probe), failed]);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  private async waitForPing(probe: { user: string; password: string }): Promise<void> {
    const ca = await readFile(this.certificates.caCert);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const client = new Redis(this.url(probe.user, probe.password), { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 1000, enableReadyCheck: false, tls: { ca } });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.ping();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`redis-server with TLS on port ${this.port} did not answer PING within 10 s: ${messageOf(error)}; log: ${this.log.trim()}`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 100));
      } finally {
        if (client.status !== 'end') client.disconnect();
      }
    }
  }
}
