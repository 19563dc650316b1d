// The reboot plan's own config/medic.yaml, byte for byte, runs the agent as a real process.
// The file points at localhost:6379 and the default stream and binds the API to 127.0.0.1:8000, which belong to the
// shared Redis and to `pnpm demo`. So the agent runs in a private network namespace (unshare -rn) with a private
// redis-server on that namespace's 127.0.0.1:6379: the file is used exactly as written, and nothing shared is touched.
// The test reaches that Redis through its unix socket and the API through nsenter; Docker is the real engine's socket.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { DEMO_KILL_WIRE } from '@medic/domain/testing';
import { SqliteOutcomeRepo } from '@medic/sqlite';
import { scratchDir, waitFor } from '@medic/test-support';
import { REPO_ROOT } from './harness';

const run = promisify(execFile);
const MAIN = join(REPO_ROOT, 'apps', 'agent', 'dist', 'main.js');
const PLAN = join(__dirname, 'fixtures', 'reboot-plan-medic.yaml');
const PLAN_STREAM = 'smith.events.kill_notifications';

// Runs in the new namespaces: loopback up, a private redis-server on 127.0.0.1:6379, then the agent in $DIR.
const NAMESPACE_SCRIPT = `
set -e
ip link set lo up
redis-server --bind 127.0.0.1 --port 6379 --save '' --appendonly no --daemonize yes \\
  --unixsocket "$DIR/redis.sock" --unixsocketperm 700 --pidfile "$DIR/redis.pid" --dir "$DIR" --logfile "$DIR/redis.log"
i=0
until redis-cli -s "$DIR/redis.sock" ping >/dev/null 2>&1; do
  i=$((i + 1)); [ "$i" -le 100 ] || { echo "the private redis-server did not start" >&2; exit 1; }; sleep 0.1
done
cd "$DIR"
exec node "$MAIN" --config "$PLAN"
`;

let dir: string;
let removeDir: () => void;
let agent: ChildProcess | undefined;
let redis: Redis | undefined;

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing — run pnpm build first (pnpm test does)`);
  for (const [command, args, what] of [
    ['unshare', ['-rn', 'true'], 'unshare -rn (util-linux, with user namespaces enabled)'],
    ['nsenter', ['--version'], 'nsenter (util-linux)'],
    ['ip', ['-V'], 'ip (iproute2)'],
    ['redis-server', ['--version'], 'redis-server — run scripts/services.sh'],
  ] as const) {
    await run(command, [...args]).catch((error: Error) => {
      throw new Error(`the plan-config test needs ${what}: ${error.message}`);
    });
  }
});

afterAll(async () => {
  if (agent && agent.exitCode === null && agent.signalCode === null) agent.kill('SIGKILL');
  redis?.disconnect();
  const pidFile = join(dir ?? '/nonexistent', 'redis.pid');
  if (existsSync(pidFile)) {
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  removeDir?.();
});

/** GET on the agent's API from inside its network namespace. */
async function apiGet(pid: number, path: string): Promise<unknown> {
  const script = `fetch('http://127.0.0.1:8000${path}').then(async (r) => console.log(JSON.stringify({ status: r.status, body: await r.json() })))`;
  const { stdout } = await run('nsenter', ['-t', String(pid), '-U', '-n', '--preserve-credentials', process.execPath, '-e', script]);
  return JSON.parse(stdout);
}

it("starts with the reboot plan's config/medic.yaml as written, decides the plan's demo report, and stops cleanly", async () => {
  ({ dir, remove: removeDir } = scratchDir());
  const child = spawn('unshare', ['-rn', 'sh', '-c', NAMESPACE_SCRIPT], {
    env: { PATH: process.env.PATH, DIR: dir, MAIN, PLAN, ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  agent = child;
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const pid = child.pid!;

  await waitFor('the agent to start with the plan config', async () => {
    if (child.exitCode !== null) throw new Error(`the agent exited with ${child.exitCode}:\n${output}`);
    return output.includes('API listening on http://127.0.0.1:8000') && output.includes('started in observer mode') ? true : undefined;
  }).catch((error: Error) => {
    throw new Error(`${error.message}\n${output}`);
  });
  expect(output).toContain(`database=${join(dir, 'data', 'outcomes.db')}`);

  redis = new Redis({ path: join(dir, 'redis.sock'), lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  await redis.xadd(PLAN_STREAM, '*', 'payload', JSON.stringify(DEMO_KILL_WIRE));

  const decided = (await waitFor('the demo report to be decided', async () => {
    const answer = (await apiGet(pid, '/decisions/demo-1')) as { status: number; body: Record<string, unknown> };
    return answer.status === 200 ? answer.body : undefined;
  })) as { decision: string; mode: string; state: string; reasoning: string[] };
  expect(decided.mode).toBe('observer');
  expect(decided.state).toBe('decided');
  expect(decided.decision).toBe('pending_review');
  expect(decided.reasoning[0]).toBe('Sent to review: confidence 0.6 is below the confidence threshold 0.7, so risk 0.37 (low) is not acted on automatically.');

  const health = (await apiGet(pid, '/health')) as { status: number; body: { status: string; checks: Record<string, { status: string }> } };
  expect(health.status).toBe(200);
  expect(health.body.status).toBe('ok');
  expect(health.body.checks.redis?.status).toBe('up');
  expect(health.body.checks.docker?.status).toBe('up');
  expect(health.body.checks.store?.status).toBe('up');
  expect(await redis.xpending(PLAN_STREAM, 'medic-agent')).toEqual([0, null, null, null]);

  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(output).toContain('stopped');

  // The plan's relative database path landed in the directory the agent was started in.
  const repo = await SqliteOutcomeRepo.open({ path: join(dir, 'data', 'outcomes.db') });
  try {
    expect((await repo.get('demo-1'))?.originalDecision).toBe('pending_review');
  } finally {
    await repo.close();
  }
});
