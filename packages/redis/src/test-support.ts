import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import Redis from 'ioredis';
import { messageOf } from './error-message';

/** The Redis the integration tests use: REDIS_URL, else the local server of scripts/services.sh. */
export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A fresh stream name per test, so tests share the server without sharing keys. */
export const testStream = (): string => `medic-test:${randomUUID()}`;

/** The URL with any password masked, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/[^:@/]*:)[^@/]*@/, '$1***@');
}

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
