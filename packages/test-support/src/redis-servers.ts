import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { freePort } from './net';
import { uniqueId } from './scratch';
import { waitFor } from './wait';

const NOT_INSTALLED = (what: string, pkg: string) => `${what} is not on PATH — run scripts/services.sh (it installs Debian's ${pkg})`;

/** A redis-server child process of the test's own on 127.0.0.1 (never the shared server, which other tests use). */
abstract class RedisServerProcess {
  private child: ChildProcess | null = null;
  private log = '';

  constructor(
    readonly port: number,
    /** Where its files go. */
    readonly dir: string,
  ) {}

  /** SIGKILL, as a crash: no shutdown work, no goodbye to clients. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Starts redis-server with `args` and resolves once a client from `connect` answers PING; a failed start quotes its log. */
  protected async launch(what: string, args: readonly string[], options: RedisOptions): Promise<void> {
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let failure: string | undefined;
    const keep = (chunk: Buffer) => (this.log = (this.log + chunk.toString()).slice(-4000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('error', (error: NodeJS.ErrnoException) => (failure = error.code === 'ENOENT' ? NOT_INSTALLED('redis-server', 'redis-server') : `redis-server could not start: ${error.message}`));
    child.once('exit', (code) => (failure ??= `${what} exited early with code ${code}: ${this.log.trim()}`));
    await waitFor(
      `${what} to answer PING`,
      async () => {
        const probe = new Redis({ host: '127.0.0.1', port: this.port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 1_000, ...options });
        probe.on('error', () => undefined);
        try {
          await probe.connect();
          await probe.ping();
          return true;
        } finally {
          // Disconnecting a client that never connected leaves ioredis's 2 s disconnect timer running.
          if (probe.status !== 'end') probe.disconnect();
        }
      },
      { timeoutMs: 10_000, giveUp: () => failure },
    );
  }
}

/** A private redis-server with an append-only file fsynced on every write in `dir`, so its streams survive a SIGKILL and a restart on the same port. */
export class PrivateRedis extends RedisServerProcess {
  constructor(
    port: number,
    dir: string,
    /** Extra redis-server arguments, e.g. ['--requirepass', 'secret']. */
    private readonly extraArgs: readonly string[] = [],
    /** Password for the readiness probe. */
    private readonly password?: string,
  ) {
    super(port, dir);
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  start(): Promise<void> {
    const args = ['--bind', '127.0.0.1', '--port', String(this.port), '--dir', this.dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', ...this.extraArgs];
    return this.launch(`private redis-server on port ${this.port}`, args, this.password === undefined ? {} : { password: this.password });
  }
}

/** PEM files of a throw-away certificate authority and a server certificate it signed for 127.0.0.1. */
export interface TestCertificates {
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
}

/** A private redis-server with TLS only (no plain port) and ACL users, configured by a redis.conf written in `dir`. */
export class TlsRedis extends RedisServerProcess {
  constructor(
    port: number,
    dir: string,
    readonly certificates: TestCertificates,
    /** Lines for redis.conf such as `user default off` and `user medic on >secret ~stream +xadd`. */
    private readonly aclLines: readonly string[],
  ) {
    super(port, dir);
  }

  /** A rediss:// URL for `user` with `password`. */
  url(user: string, password: string): string {
    return `rediss://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${this.port}`;
  }

  /** Starts the server and waits until `probe.user` can PING over TLS. */
  async start(probe: { user: string; password: string }): Promise<void> {
    const conf = join(this.dir, `redis-${this.port}.conf`);
    const { caCert, serverCert, serverKey } = this.certificates;
    const settings = ['port 0', `tls-port ${this.port}`, 'bind 127.0.0.1', `tls-cert-file ${serverCert}`, `tls-key-file ${serverKey}`, `tls-ca-cert-file ${caCert}`, 'tls-auth-clients no', 'save ""', 'appendonly no', `dir ${this.dir}`];
    await writeFile(conf, [...settings, ...this.aclLines, ''].join('\n'));
    const tls = { ca: await readFile(caCert) };
    await this.launch(`redis-server with TLS on port ${this.port}`, [conf], { username: probe.user, password: probe.password, tls, enableReadyCheck: false });
  }
}

/** The ACL line README.md's Security section documents for `user` ("medic" or "smith"), with `password` in place of its placeholder. */
export async function documentedAclLine(user: 'medic' | 'smith', password: string): Promise<string> {
  const readme = await readFile(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
  const line = readme.split('\n').find((l) => l.startsWith(`user ${user} on >`));
  if (!line) throw new Error(`README.md documents no ACL line for user ${user}`);
  return line.replace(/^(user \S+ on >)\S+ /, `$1${password} `);
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
    child.once('error', (error: NodeJS.ErrnoException) => reject(new Error(error.code === 'ENOENT' ? NOT_INSTALLED('openssl', 'openssl') : `openssl failed: ${error.message}`)));
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`openssl ${args[0]} exited with ${code}: ${stderr.trim()}`))));
  });
}

/** A TLS-only redis-server with exactly the ACL users README.md documents (medic, smith) plus an admin, and clients for them. */
export interface ReadmeAclRedis {
  readonly server: TlsRedis;
  /** Where its certificates and files are. */
  readonly dir: string;
  readonly certificates: TestCertificates;
  /** The CA certificate (PEM) clients trust. */
  readonly ca: Buffer;
  /** The README's ACL lines for medic and smith, with their passwords filled in. */
  readonly aclLines: readonly string[];
  readonly passwords: { readonly medic: string; readonly smith: string; readonly admin: string };
  /** A client as `user`, trusting the CA; the caller disconnects it (the admin may run any command). */
  client(user: 'admin' | 'smith' | 'medic'): Redis;
  /** Stops the server and removes its files. */
  stop(): Promise<void>;
}

/** Starts a ReadmeAclRedis on a free port, its files in a fresh directory named after `label`. */
export async function startReadmeAclRedis(label: string): Promise<ReadmeAclRedis> {
  const dir = await mkdtemp(join(tmpdir(), `medic-${label}-`));
  const passwords = { medic: `medic-${uniqueId()}`, smith: `smith-${uniqueId()}`, admin: `admin-${uniqueId()}` };
  const certificates = await makeTestCertificates(dir, label);
  const aclLines = [await documentedAclLine('medic', passwords.medic), await documentedAclLine('smith', passwords.smith)];
  const server = new TlsRedis(await freePort(), dir, certificates, ['user default off', ...aclLines, `user admin on >${passwords.admin} ~* &* +@all`]);
  const stop = async () => {
    await server.kill();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await server.start({ user: 'admin', password: passwords.admin });
  } catch (error) {
    await stop();
    throw error;
  }
  const ca = await readFile(certificates.caCert);
  const client = (user: 'admin' | 'smith' | 'medic') => new Redis(server.url(user, passwords[user]), { tls: { ca }, maxRetriesPerRequest: 1, enableReadyCheck: false });
  return { server, dir, certificates, ca, aclLines, passwords, client, stop };
}
