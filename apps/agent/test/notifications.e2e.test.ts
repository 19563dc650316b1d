// Webhook notifications end to end: the agent with its real adapters (Redis stream, Docker engine, SQLite file) tells a
// real HTTP receiver on 127.0.0.1 about a kill waiting for review, a rollback and a kill denied by the restart budget, in
// the three formats.
import { uniqueId, waitFor } from '@medic/test-support';
import { getJson, killReport, useHarness } from './harness';
import { WebhookReceiver } from './webhook-receiver';

const TOKEN = 'e2e-approval-token-9f3c';
const EVENTS = ['pending_review', 'rollback', 'budget_exhausted'];

const e2e = useHarness({ docker: true });
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await WebhookReceiver.start();
});

afterAll(async () => {
  await receiver?.stop();
});

interface SlackBody {
  text: string;
}
interface JsonBody {
  event: string;
  id: string;
  kill: { kill_id: string; module: string };
  decision: { outcome: string; guard: string | null; reason: string; main_factors: unknown[] };
  approval?: { expires_at: string; available: boolean; approve_url: string; curl: string };
  resurrection?: { outcome: string; error: string | null };
}
interface CloudEventBody {
  specversion: string;
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  datacontenttype: string;
  medicevent: string;
  data: JsonBody;
}

describe('webhook notifications', () => {
  it('a pending kill, a rollback and a budget-exhausted deny reach the receiver as slack, json and cloudevents messages', async () => {
    const run = uniqueId();
    const { stream, base } = await e2e.startAgent({
      token: TOKEN,
      env: { HOOK_SECRET: 'hook-secret-value' },
      extra: {
        resurrection: { budget: { max_restarts: 1, window_minutes: 60 } },
        notify: {
          webhooks: [
            { name: 'chat', url: receiver.url(`/${run}/slack`), format: 'slack', events: EVENTS },
            { name: 'own', url: receiver.url(`/${run}/json`), format: 'json', events: EVENTS, headers: { 'X-Medic-Token': '${HOOK_SECRET}' } },
            { name: 'bus', url: receiver.url(`/${run}/ce`), format: 'cloudevents', events: EVENTS },
          ],
        },
      },
    });
    // Waits for review: medium risk (anomaly, severity medium, confidence 0.6).
    const pendingId = `pending-${run}`;
    await e2e.publish(stream, killReport({ kill_id: pendingId, target_module: `medic-test-nobody-${run}`, target_instance_id: `medic-test-nobody-${run}`, severity: 'medium', confidence_score: 0.6 }));
    // Rolled back: auto-approved, started, its health check fails.
    const sick = await e2e.container({ label: 'sick', health: 'failing' });
    const rollbackId = `rollback-${run}`;
    await e2e.publish(stream, killReport({ kill_id: rollbackId, target_module: sick, target_instance_id: sick }));
    // Budget spent: one resurrection allowed per hour; the second kill of the module is denied.
    const flappy = await e2e.container({ label: 'flap' });
    await e2e.publish(stream, killReport({ kill_id: `flap-1-${run}`, target_module: flappy, target_instance_id: flappy }));
    await e2e.record(base, `flap-1-${run}`, (record) => record.outcome_type === 'success');
    const budgetId = `flap-2-${run}`;
    await e2e.publish(stream, killReport({ kill_id: budgetId, target_module: flappy, target_instance_id: flappy }));

    for (const format of ['slack', 'json', 'ce']) await receiver.waitFor(3, 30_000, `/${run}/${format}`);
    const requests = (path: string) => receiver.requests.filter((r) => r.path === `/${run}/${path}`);

    // slack: a `text` Slack accepts, in the order the events happened.
    const slack = requests('slack').map((r) => JSON.parse(r.body) as SlackBody);
    expect(requests('slack').every((r) => r.headers['content-type'] === 'application/json; charset=utf-8')).toBe(true);
    expect(slack.map((b) => b.text.split('\n')[0])).toEqual([
      expect.stringMatching(new RegExp(`^\\*Medic: kill of \`medic-test-nobody-${run}\` waits for review until \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\*$`)),
      `*Medic: \`${sick}\` came back unhealthy and was stopped again*`,
      `*Medic: kill of \`${flappy}\` denied: restart budget spent*`,
    ]);
    expect(slack[0]?.text).toContain(`\`\`\`curl -s -X POST -H "Authorization: Bearer $MEDIC_API_TOKEN" ${base}/approve/${pendingId}\`\`\``);
    expect(slack[0]?.text).toMatch(/why {7}Sent to review: risk 0\.54 is medium\./);
    expect(slack[1]?.text).toContain('outcome   rollback (unhealthy)');

    // json: Medic's own body, with the configured header.
    const json = requests('json').map((r) => JSON.parse(r.body) as JsonBody);
    expect(requests('json').every((r) => r.headers['x-medic-token'] === 'hook-secret-value')).toBe(true);
    expect(json.map((b) => [b.event, b.kill.kill_id])).toEqual([
      ['pending_review', pendingId],
      ['rollback', rollbackId],
      ['budget_exhausted', budgetId],
    ]);
    expect(json[0]?.approval).toMatchObject({ available: true, approve_url: `${base}/approve/${pendingId}` });
    expect(json[1]?.resurrection).toMatchObject({ outcome: 'rollback', error: 'unhealthy' });
    expect(json[2]?.decision).toMatchObject({ outcome: 'deny', guard: 'restart_budget_spent' });

    // cloudevents: CloudEvents 1.0 structured mode.
    const events = requests('ce').map((r) => JSON.parse(r.body) as CloudEventBody);
    expect(requests('ce').every((r) => r.headers['content-type'] === 'application/cloudevents+json; charset=utf-8')).toBe(true);
    expect(events.map((e) => [e.specversion, e.type, e.subject, e.medicevent, e.datacontenttype, e.source])).toEqual([
      ['1.0', 'medic.decision.v1', `medic-test-nobody-${run}`, 'pending_review', 'application/json', '/medic/e2e'],
      ['1.0', 'medic.resurrection.v1', sick, 'rollback', 'application/json', '/medic/e2e'],
      ['1.0', 'medic.decision.v1', flappy, 'budget_exhausted', 'application/json', '/medic/e2e'],
    ]);
    expect(new Set(events.map((e) => e.id)).size).toBe(3);
    expect(events.every((e) => !Number.isNaN(Date.parse(e.time)) && e.data.kill.module === e.subject)).toBe(true);

    // No message carries the token; the approve command in the message works as written.
    for (const request of receiver.requests.filter((r) => r.path.startsWith(`/${run}/`))) expect(request.body).not.toContain(TOKEN);
    const approve = await fetch(json[0]!.approval!.approve_url, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(approve.status).toBe(202);

    type Stats = { notifications: { sent: number; failed: number; dropped: number; pending: number; webhooks: Array<{ name: string; sent: number }> } };
    const stats = await waitFor('every delivery counted', async () => {
      const answer = await getJson<Stats>(`${base}/stats`);
      return answer.notifications.sent === 9 ? answer : undefined;
    });
    expect(stats.notifications).toMatchObject({ sent: 9, failed: 0, dropped: 0, pending: 0 });
    expect(stats.notifications.webhooks.map((w) => [w.name, w.sent])).toEqual([
      ['chat', 3],
      ['own', 3],
      ['bus', 3],
    ]);
    const health = await getJson<{ checks: { notifier: { status: string; detail: string } } }>(`${base}/health`);
    expect(health.checks.notifier).toEqual({ status: 'up', detail: '3 webhook(s), 0 notification(s) waiting' });
  });
});
