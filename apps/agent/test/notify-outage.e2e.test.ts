// A webhook receiver that is down while kills are decided, across an agent restart, gets every notification once it is
// back: the real agent process (the built CLI), real Redis, Docker and SQLite, the default retry settings. The suite keeps
// the outage short; MEDIC_TEST_WEBHOOK_OUTAGE_SECONDS=60 runs it for a minute (README "Notifications" quotes such a run).
import { sleep, uniqueId, waitFor } from '@medic/test-support';
import type { AgentProcess } from './harness';
import { agentEnv, getJson, killReport, rawConfig, useHarness, writeConfig } from './harness';
import { WebhookReceiver } from './webhook-receiver';

const OUTAGE_SECONDS = Number(process.env.MEDIC_TEST_WEBHOOK_OUTAGE_SECONDS ?? 8);
/** With the default backoff (1 s doubling to 300 s) the next attempt after an outage of T seconds comes at most about T later. */
const TEST_TIMEOUT_MS = (3 * OUTAGE_SECONDS + 120) * 1000;
const TOKEN = 'outage-token-4b1e';

const e2e = useHarness({ docker: true, built: true });

/** Its API's base URL, once it reads its stream. */
async function started(agent: AgentProcess): Promise<string> {
  const base = await agent.waitForOutput(/API listening on (http:\/\/\S+)/);
  await agent.waitForOutput('started in live mode');
  return base;
}

interface NotificationStats {
  pending: number;
  sent: number;
  failed: number;
  dropped: number;
}

async function notifications(base: string): Promise<NotificationStats> {
  return (await getJson<{ notifications: NotificationStats }>(`${base}/stats`)).notifications;
}

describe('a webhook receiver that is down', () => {
  it(
    `gets every notification once it is back after ${OUTAGE_SECONDS} s, across an agent restart`,
    async () => {
      const run = uniqueId();
      const { dir, stream } = e2e.workspace('outage');
      const app = await e2e.container({ label: 'outage' });

      // The receiver's port, closed from the start.
      const receiver = await WebhookReceiver.start();
      await receiver.stop();
      e2e.onCleanup(() => receiver.stop());
      const downAt = Date.now();
      const config = writeConfig(
        dir,
        rawConfig({
          stream,
          extra: {
            smith: { event_bus: { consumer_name: 'outage-e2e' } },
            notify: { webhooks: [{ name: 'ops', url: receiver.url('/outage'), format: 'json', events: ['pending_review', 'deny', 'resurrected'] }] },
            logging: { level: 'info' },
          },
        }),
      );
      const startAgent = () => e2e.spawn(['--config', config], { cwd: dir, env: agentEnv({ MEDIC_API_TOKEN: TOKEN }) });

      const first = startAgent();
      const firstBase = await started(first);
      const kills = [
        killReport({ kill_id: `wait-1-${run}`, target_module: `${app}-x`, target_instance_id: `${app}-x`, severity: 'medium', confidence_score: 0.6 }),
        killReport({ kill_id: `deny-1-${run}`, target_module: `${app}-y`, target_instance_id: `${app}-y`, kill_reason: 'threat_detected', severity: 'critical', confidence_score: 0.99 }),
        killReport({ kill_id: `back-1-${run}`, target_module: app, target_instance_id: app }),
        killReport({ kill_id: `wait-2-${run}`, target_module: `${app}-z`, target_instance_id: `${app}-z`, severity: 'medium', confidence_score: 0.6 }),
      ];
      for (const kill of kills) await e2e.publish(stream, kill);
      await waitFor('four notifications waiting, the receiver failing', async () => {
        const stats = await notifications(firstBase);
        return stats.pending === 4 && stats.failed >= 1 ? stats : undefined;
      });
      const health = await getJson<{ checks: { notifier: { status: string; detail: string } } }>(`${firstBase}/health`);
      expect(health.checks.notifier.status).toBe('down');
      expect(health.checks.notifier.detail).toMatch(/^webhook ops: \d+ failed attempt\(s\) in a row \(last: connect ECONNREFUSED .*\), 4 notification\(s\) waiting/);

      // The restart comes halfway through the outage.
      await sleep(Math.max(0, downAt + (OUTAGE_SECONDS * 1000) / 2 - Date.now()));
      first.child.kill('SIGTERM');
      expect((await first.exited).code).toBe(0);
      const restartedAt = Date.now();
      // Decided by the next agent, while the receiver is still down.
      const late = killReport({ kill_id: `deny-2-${run}`, target_module: `${app}-y`, target_instance_id: `${app}-y`, kill_reason: 'threat_detected', severity: 'critical', confidence_score: 0.99 });
      await e2e.publish(stream, late);
      const second = startAgent();
      const secondBase = await started(second);
      await waitFor('five notifications waiting', async () => (await notifications(secondBase)).pending === 5);

      await sleep(Math.max(0, downAt + OUTAGE_SECONDS * 1000 - Date.now()));
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
      expect((await second.exited).code).toBe(0);
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
