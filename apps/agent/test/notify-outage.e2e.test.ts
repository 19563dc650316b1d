// A webhook receiver that is down while kills are decided, across an agent restart, gets every notification once it is
// back: the real agent process (the built CLI), real Redis, Docker and SQLite, the default retry settings. The suite keeps
// the outage short; MEDIC_TEST_WEBHOOK_OUTAGE_SECONDS=60 runs it for a minute (README "Notifications" quotes such a run).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import type Redis from 'ioredis';
import { connectDocker, connectRedis, createTestContainer, killReport, publish, REDIS_URL, removeContainers, REPO_ROOT, scratchDir, uniqueId, waitFor } from './support';
import { WebhookReceiver } from './webhook-receiver';

const MAIN = join(REPO_ROOT, 'apps', 'agent', 'dist', 'main.js');
const OUTAGE_SECONDS = Number(process.env.MEDIC_TEST_WEBHOOK_OUTAGE_SECONDS ?? 8);
/** With the default backoff (1 s doubling to 300 s) the next attempt after an outage of T seconds comes at most about T later. */
const TEST_TIMEOUT_MS = (3 * OUTAGE_SECONDS + 120) * 1000;
const TOKEN = 'outage-token-4b1e';

let redis: Redis;
let docker: Docker;
const children: ChildProcess[] = [];
const cleanups: Array<() => void | Promise<void>> = [];

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing — run pnpm build first (pnpm test does)`);
  redis = await connectRedis();
  docker = await connectDocker();
});

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

afterAll(() => redis?.disconnect());

interface Running {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

function startAgent(dir: string, config: string): Running {
  const child = spawn(process.execPath, [MAIN, '--config', config], {
    cwd: dir,
    env: { PATH: process.env.PATH, REDIS_URL, MEDIC_API_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

async function started(agent: Running): Promise<string> {
  const line = await waitFor('the agent to start', async () => /API listening on (http:\/\/\S+)/.exec(agent.output())?.[1]);
  await waitFor('the agent to read its stream', async () => (agent.output().includes('started in live mode') ? true : undefined));
  return line;
}

interface NotificationStats {
  pending: number;
  sent: number;
  failed: number;
  dropped: number;
}

async function notifications(base: string): Promise<NotificationStats> {
  return ((await (await fetch(`${base}/stats`)).json()) as { notifications: NotificationStats }).notifications;
}

describe('a webhook receiver that is down', () => {
  it(
    `gets every notification once it is back after ${OUTAGE_SECONDS} s, across an agent restart`,
    async () => {
      const run = uniqueId();
      const scratch = scratchDir();
      cleanups.push(scratch.remove);
      const stream = `medic-test:outage:${run}`;
      cleanups.push(async () => void (await redis.del(stream, `${stream}.dead`)));
      const app = `medic-test-outage-${run}`;
      cleanups.push(() => removeContainers(docker, [app]));
      await createTestContainer(docker, { name: app, running: false, health: 'passing' });

      // The receiver's port, closed from the start.
      const receiver = await WebhookReceiver.start();
      await receiver.stop();
      cleanups.push(() => receiver.stop());
      const downAt = Date.now();
      const config = join(scratch.dir, 'medic.yaml');
      writeFileSync(
        config,
        JSON.stringify({
          mode: 'live',
          smith: { event_bus: { topic: stream, consumer_name: 'outage-e2e', block_ms: 100 } },
          decision: { auto_approve: { enabled: true, min_confidence: 0.6, max_score: 0.4 } },
          resurrection: { health_check_interval_seconds: 0.1, stability_window_seconds: 0.5 },
          notify: { webhooks: [{ name: 'ops', url: receiver.url('/outage'), format: 'json', events: ['pending_review', 'deny', 'resurrected'] }] },
          api: { port: 0 },
        }),
      );

      const first = startAgent(scratch.dir, config);
      const firstBase = await started(first);
      const kills = [
        killReport({ kill_id: `wait-1-${run}`, target_module: `${app}-x`, target_instance_id: `${app}-x`, severity: 'medium', confidence_score: 0.6 }),
        killReport({ kill_id: `deny-1-${run}`, target_module: `${app}-y`, target_instance_id: `${app}-y`, kill_reason: 'threat_detected', severity: 'critical', confidence_score: 0.99 }),
        killReport({ kill_id: `back-1-${run}`, target_module: app, target_instance_id: app }),
        killReport({ kill_id: `wait-2-${run}`, target_module: `${app}-z`, target_instance_id: `${app}-z`, severity: 'medium', confidence_score: 0.6 }),
      ];
      for (const kill of kills) await publish(redis, stream, kill);
      await waitFor('four notifications waiting, the receiver failing', async () => {
        const stats = await notifications(firstBase);
        return stats.pending === 4 && stats.failed >= 1 ? stats : undefined;
      });
      const health = (await (await fetch(`${firstBase}/health`)).json()) as { status: string; checks: { notifier: { status: string; detail: string } } };
      expect(health.checks.notifier.status).toBe('down');
      expect(health.checks.notifier.detail).toMatch(/^webhook ops: \d+ failed attempt\(s\) in a row \(last: connect ECONNREFUSED .*\), 4 notification\(s\) waiting/);

      // The restart comes halfway through the outage.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, downAt + (OUTAGE_SECONDS * 1000) / 2 - Date.now())));
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      const restartedAt = Date.now();
      // Decided by the next agent, while the receiver is still down.
      const late = killReport({ kill_id: `deny-2-${run}`, target_module: `${app}-y`, target_instance_id: `${app}-y`, kill_reason: 'threat_detected', severity: 'critical', confidence_score: 0.99 });
      await publish(redis, stream, late);
      const second = startAgent(scratch.dir, config);
      const secondBase = await started(second);
      await waitFor('five notifications waiting', async () => ((await notifications(secondBase)).pending === 5 ? true : undefined));

      await new Promise((resolve) => setTimeout(resolve, Math.max(0, downAt + OUTAGE_SECONDS * 1000 - Date.now())));
      await receiver.start();
      const upAt = Date.now();
      const requests = await receiver.waitFor(5, TEST_TIMEOUT_MS - (upAt - downAt) - 10_000);
      const allAt = Date.now();
      const bodies = requests.map((r) => JSON.parse(r.body) as { id: string; event: string; kill: { kill_id: string } });
      expect(new Set(bodies.map((b) => b.id)).size).toBe(5);
      expect(bodies.map((b) => [b.event, b.kill.kill_id]).sort()).toEqual(
        [
          ['pending_review', `wait-1-${run}`],
          ['deny', `deny-1-${run}`],
          ['resurrected', `back-1-${run}`],
          ['pending_review', `wait-2-${run}`],
          ['deny', `deny-2-${run}`],
        ].sort(),
      );
      const stats = await waitFor('all five counted as sent', async () => {
        const s = await notifications(secondBase);
        return s.sent === 5 ? s : undefined;
      });
      expect(stats).toMatchObject({ pending: 0, sent: 5, dropped: 0 });
      expect(stats.failed).toBeGreaterThanOrEqual(2);
      expect(`${first.output()}${second.output()}`).not.toMatch(/dropped \d+ notification/);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
      if (process.env.MEDIC_TEST_WEBHOOK_OUTAGE_SECONDS) {
        const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
        process.stdout.write(
          `outage run: receiver down from 0 s; agent restarted at ${s(restartedAt - downAt)}; receiver up at ${s(upAt - downAt)}; ` +
            `all ${requests.length} notifications received at ${s(allAt - downAt)} (${s(allAt - upAt)} after it came back); ` +
            `/stats notifications ${JSON.stringify(stats)}\n` +
            `agent log lines about the webhook:\n${`${first.output()}${second.output()}`.split('\n').filter((l) => l.includes('webhook ops')).join('\n')}\n`,
        );
      }
    },
    TEST_TIMEOUT_MS,
  );
});
