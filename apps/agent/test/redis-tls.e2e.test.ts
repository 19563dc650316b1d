// The agent through an authenticated, encrypted Redis: a private redis-server with TLS only (a throw-away CA made with
// openssl) and exactly the ACL the README documents. Medic consumes, acknowledges and dead-letters through it, and a
// wrong password or an untrusted certificate stops start-up with a message naming Redis.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type Redis from 'ioredis';
import { startReadmeAclRedis } from '@medic/test-support';
import type { ReadmeAclRedis } from '@medic/test-support';
import { createAgent } from '../src/agent';
import type { Agent } from '../src/agent';
import { buildConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { waitFor } from '@medic/test-support';
import { killReport, REPO_ROOT } from './harness';

const STREAM = 'smith.events.kill_notifications';
const MAIN = join(REPO_ROOT, 'apps', 'agent', 'dist', 'main.js');

let tls: ReadmeAclRedis;
let admin: Redis;
let smith: Redis;
const agents: Agent[] = [];

beforeAll(async () => {
  tls = await startReadmeAclRedis('agent-tls');
  admin = tls.client('admin');
  smith = tls.client('smith');
}, 60_000);

afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.stop()));
  await admin?.del(STREAM, `${STREAM}.dead`);
});

afterAll(async () => {
  admin?.disconnect();
  smith?.disconnect();
  await tls?.stop();
});

/** An observer-mode agent (no Docker needed) on the TLS Redis as user medic. */
async function agentWith(options: { password?: string; caFile?: string | null } = {}): Promise<Agent> {
  const caFile = options.caFile === undefined ? tls.certificates.caCert : options.caFile;
  const raw = {
    mode: 'observer',
    smith: { event_bus: { consumer_name: 'tls-e2e', block_ms: 100, ...(caFile ? { tls: { ca_file: caFile } } : {}) } },
    learning: { database: { path: join(tls.dir, `outcomes-${agents.length}-${Date.now()}.db`) } },
    api: { host: '127.0.0.1', port: 0 },
    logging: { level: 'error' },
  };
  const config = buildConfig(raw, { env: { REDIS_URL: tls.server.url('medic', options.password ?? tls.passwords.medic) }, cwd: tls.dir, file: null });
  const agent = await createAgent({ config, logger: createLogger(config.logging, new PassThrough()) });
  agents.push(agent);
  return agent;
}

describe('agent on an authenticated TLS Redis with the README ACL', () => {
  it('consumes, decides, acknowledges and dead-letters through it', async () => {
    const agent = await agentWith();
    await agent.start();
    const base = `http://127.0.0.1:${agent.address()?.port}`;
    const report = killReport({ target_module: 'tls-module' });
    await smith.xadd(STREAM, '*', 'payload', JSON.stringify(report));
    const malformed = (await smith.xadd(STREAM, '*', 'payload', JSON.stringify({ ...report, kill_id: 'tls-bad', severity: 'apocalyptic' }))) as string;

    const decided = await waitFor('the kill to be decided', async () => {
      const response = await fetch(`${base}/decisions/${report.kill_id as string}`);
      return response.status === 200 ? ((await response.json()) as Record<string, unknown>) : undefined;
    });
    expect(decided).toMatchObject({ decision: 'pending_review', mode: 'observer', state: 'decided' });
    await waitFor('the malformed entry to be dead-lettered and everything acknowledged', async () => {
      const dead = await admin.xrange(`${STREAM}.dead`, '-', '+');
      const [pending] = (await admin.xpending(STREAM, 'medic-agent')) as [number];
      return dead.length === 1 && pending === 0 ? true : undefined;
    });
    const [[, fields] = ['', []]] = await admin.xrange(`${STREAM}.dead`, '-', '+');
    expect(fields).toEqual(expect.arrayContaining(['original_id', malformed, 'reason', expect.stringMatching(/^severity: must be one of/)]));
    expect(((await (await fetch(`${base}/health`)).json()) as { checks: { redis: unknown } }).checks.redis).toEqual({ status: 'up' });
  });

  it('stops start-up on a wrong password, naming Redis and never showing the password', async () => {
    const agent = await agentWith({ password: 'wrong-password-123' });
    const start = agent.start();
    await expect(start).rejects.toThrow(/^Redis at rediss:\/\/medic:\*\*\*@127\.0\.0\.1:\d+ refused Medic's credentials \(WRONGPASS/);
    await expect(start).rejects.toThrow(expect.objectContaining({ message: expect.not.stringContaining('wrong-password-123') }));
    expect(agent.address()).toBeNull();
  });

  it("stops start-up when Redis's certificate is not signed by a CA Medic trusts", async () => {
    const agent = await agentWith({ caFile: null });
    await expect(agent.start()).rejects.toThrow(/^Redis at rediss:\/\/medic:\*\*\*@127\.0\.0\.1:\d+ presented a TLS certificate Medic does not trust .*smith\.event_bus\.tls\.ca_file/);
  });

  it('as a process: exits 1 with the reason on stderr', async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing — run pnpm build first (pnpm test does)`);
    const config = join(tls.dir, 'process.yaml');
    await writeFile(config, ['mode: observer', 'smith:', '  event_bus:', '    tls:', `      ca_file: ${tls.certificates.caCert}`, 'api:', '  port: 0', 'learning:', '  database:', `    path: ${join(tls.dir, 'process.db')}`].join('\n'));
    const child = spawn(process.execPath, [MAIN, '--config', config], {
      env: { PATH: process.env.PATH, REDIS_URL: tls.server.url('medic', 'wrong-password-456') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/^medic: failed to start: Redis at rediss:\/\/medic:\*\*\*@127\.0\.0\.1:\d+ refused Medic's credentials/m);
    expect(stderr + stdout).not.toContain('wrong-password-456');
  });
});
