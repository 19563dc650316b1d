// The notifier against a real HTTP receiver on 127.0.0.1 and the in-memory outbox (the SQLite one passes the same contract).
import { PassThrough } from 'node:stream';
import { waitFor } from '@medic/test-support';
import { decisionFacts } from '@medic/domain';
import type { NotificationEvent, QueuedNotification } from '@medic/domain';
import { InMemoryOutcomeRepo, minutesFrom, sampleRecord, sampleReport } from '@medic/domain/testing';
import { WebhookReceiver } from '../test/webhook-receiver';
import { buildConfig } from './config';
import type { WebhookConfig } from './config';
import { createLogger } from './logger';
import { WebhookNotifier } from './webhook-notifier';

const receivers: WebhookReceiver[] = [];
const notifiers: WebhookNotifier[] = [];

afterEach(async () => {
  await Promise.all(notifiers.splice(0).map((n) => n.stop()));
  await Promise.all(receivers.splice(0).map((r) => r.stop()));
});

async function receiver(): Promise<WebhookReceiver> {
  const r = await WebhookReceiver.start();
  receivers.push(r);
  return r;
}

/** A closed port: a receiver started and stopped again. */
async function closedPort(): Promise<string> {
  const r = await WebhookReceiver.start();
  await r.stop();
  return r.url();
}

function webhook(url: string, options: { name?: string; format?: string; events?: NotificationEvent[]; headers?: Record<string, string>; env?: NodeJS.ProcessEnv } = {}): WebhookConfig {
  const raw = { notify: { webhooks: [{ ...(options.name ? { name: options.name } : {}), url, format: options.format ?? 'json', events: options.events ?? ['pending_review', 'deny'], headers: options.headers ?? {} }] } };
  const [config] = buildConfig(raw, { env: options.env ?? {}, cwd: '/tmp', file: null }).notify.webhooks;
  if (!config) throw new Error('no webhook');
  return config;
}

/** `count` pending_review entries for `key`, decided `ageMs` ago, queued as a batch would. */
async function queue(repo: InMemoryOutcomeRepo, key: string, count: number, from = 0, ageMs = 1000): Promise<QueuedNotification[]> {
  const entries: QueuedNotification[] = [];
  const now = new Date().toISOString();
  for (let i = from; i < from + count; i++) {
    const record = sampleRecord({ killId: `kill-${i}`, timestamp: minutesFrom((i - from - ageMs) / 60_000, now), report: sampleReport({ killId: `kill-${i}` }) });
    const facts = decisionFacts(record, 60);
    if (!facts) throw new Error('a pending record reports a notification');
    await repo.insert(record);
    entries.push({ id: `n-${i}`, webhook: key, ...facts });
  }
  repo.outbox.queue(entries);
  return entries;
}

function notifier(repo: InMemoryOutcomeRepo, webhooks: WebhookConfig[], retry = { firstDelayMs: 50, maxDelayMs: 200, maxAttempts: 3 }) {
  const output = new PassThrough();
  let log = '';
  output.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const n = new WebhookNotifier({
    outbox: repo.outbox,
    webhooks,
    retry,
    timeoutMs: 2000,
    context: () => ({ apiUrl: 'http://127.0.0.1:8000', approvalsOff: null, source: '/medic/test' }),
    logger: createLogger({ level: 'info', format: 'text' }, output),
    userAgent: 'medic/test',
  });
  notifiers.push(n);
  return { notifier: n, log: () => log };
}

describe('WebhookNotifier', () => {
  it('delivers in the order queued, with the configured headers and content type, and counts what it sent', async () => {
    const r = await receiver();
    const repo = new InMemoryOutcomeRepo();
    const hook = webhook(r.url(), { format: 'cloudevents', headers: { Authorization: 'Bearer ${HOOK_TOKEN}' }, env: { HOOK_TOKEN: 'sekrit' } });
    await queue(repo, hook.key, 3);
    const { notifier: n } = notifier(repo, [hook]);
    await n.start();
    const requests = await r.waitFor(3);
    expect(requests.map((q) => (JSON.parse(q.body) as { id: string }).id)).toEqual(['n-0', 'n-1', 'n-2']);
    expect(requests[0]?.headers).toMatchObject({ authorization: 'Bearer sekrit', 'content-type': 'application/cloudevents+json; charset=utf-8', 'user-agent': 'medic/test' });
    await waitFor('all marked sent', async () => ((await n.stats()).sent === 3 ? true : undefined));
    expect(await n.stats()).toEqual({
      pending: 0,
      sent: 3,
      failed: 0,
      dropped: 0,
      webhooks: [{ name: r.url().replace(/\/hook$/, ''), url: `http://127.0.0.1:${r.port}`, format: 'cloudevents', events: ['pending_review', 'deny'], pending: 0, sent: 3, failed: 0, dropped: 0 }],
    });
    expect(await n.health()).toEqual({ status: 'up', detail: '1 webhook(s), 0 notification(s) waiting' });
  });

  it('backs off while the receiver fails, reports it in health, and delivers everything once it answers again', async () => {
    const r = await receiver();
    r.status = 503;
    const repo = new InMemoryOutcomeRepo();
    const hook = webhook(r.url(), { name: 'ops' });
    await queue(repo, hook.key, 2);
    const { notifier: n, log } = notifier(repo, [hook], { firstDelayMs: 100, maxDelayMs: 400, maxAttempts: 50 });
    await n.start();
    await r.waitFor(3);
    // Only the oldest entry probes the receiver while it fails.
    expect(new Set(r.requests.map((q) => (JSON.parse(q.body) as { id: string }).id))).toEqual(new Set(['n-0']));
    const health = await n.health();
    expect(health.status).toBe('down');
    expect(health.detail).toMatch(/^webhook ops: \d+ failed attempt\(s\) in a row \(last: HTTP 503: refused with 503\), 2 notification\(s\) waiting, next attempt in \d+ s$/);
    r.status = 200;
    await waitFor('both delivered', async () => ((await n.stats()).sent === 2 ? true : undefined));
    expect((await n.stats()).failed).toBeGreaterThanOrEqual(3);
    expect((await n.stats()).dropped).toBe(0);
    expect((await n.health()).status).toBe('up');
    expect(log()).toMatch(/webhook ops unreachable \(attempt 1 in a row\), retrying in 100 ms: HTTP 503/);
    expect(log()).toMatch(/webhook ops answers again after \d+ failed attempt\(s\)/);
  });

  it('drops, and logs, what waited through max_attempts failed attempts at a closed port; later entries get their own attempts', async () => {
    const repo = new InMemoryOutcomeRepo();
    const hook = webhook(await closedPort(), { name: 'dead' });
    await queue(repo, hook.key, 4);
    const { notifier: n, log } = notifier(repo, [hook], { firstDelayMs: 100, maxDelayMs: 300, maxAttempts: 3 });
    await n.start();
    await waitFor('the backlog dropped', async () => ((await n.stats()).dropped === 4 ? true : undefined));
    expect(log()).toMatch(/error webhook dead: dropped 4 notification\(s\) not delivered after 3 failed attempts; last: connect ECONNREFUSED 127\.0\.0\.1:\d+/);
    expect(await n.stats()).toMatchObject({ pending: 0, sent: 0, dropped: 4 });
    // A notification queued now has waited through no attempt yet: the next failure does not drop it, its third does.
    await queue(repo, hook.key, 1, 4, 0);
    await waitFor('a fourth failed attempt', async () => ((await n.stats()).failed >= 4 ? true : undefined));
    expect(await n.stats()).toMatchObject({ pending: 1, dropped: 4 });
    await waitFor('the late one dropped after its own attempts', async () => ((await n.stats()).dropped === 5 ? true : undefined));
    expect((await n.stats()).failed).toBeGreaterThanOrEqual(6);
  });

  it('drops at once a notification the receiver refuses (400) and delivers the rest', async () => {
    const r = await receiver();
    r.status = (request) => ((JSON.parse(request.body) as { id: string }).id === 'n-1' ? 400 : 200);
    const repo = new InMemoryOutcomeRepo();
    const hook = webhook(r.url(), { name: 'picky' });
    await queue(repo, hook.key, 3);
    const { notifier: n, log } = notifier(repo, [hook]);
    await n.start();
    await waitFor('settled', async () => {
      const s = await n.stats();
      return s.sent === 2 && s.dropped === 1 ? s : undefined;
    });
    expect(r.requests).toHaveLength(3);
    expect(log()).toMatch(/webhook picky refused a pending_review notification \(HTTP 400: refused with 400\); dropped/);
    expect((await n.health()).status).toBe('up');
  });

  it('goes on after a restart where it stopped: the run of failed attempts and the backoff are kept in the outbox', async () => {
    const repo = new InMemoryOutcomeRepo();
    const url = await closedPort();
    const hook = webhook(url, { name: 'later' });
    await queue(repo, hook.key, 1);
    const first = notifier(repo, [hook], { firstDelayMs: 20, maxDelayMs: 40, maxAttempts: 1000 });
    await first.notifier.start();
    await waitFor('two failed attempts', async () => ((await repo.outbox.webhookStates())[0]?.failureRun.count ?? 0) >= 2 || undefined);
    await first.notifier.stop();
    const before = (await repo.outbox.webhookStates())[0]?.failureRun.count ?? 0;
    const back = new WebhookReceiver();
    back.port = Number(new URL(url).port);
    await back.start();
    receivers.push(back);
    const second = notifier(repo, [hook], { firstDelayMs: 20, maxDelayMs: 40, maxAttempts: 1000 });
    expect((await second.notifier.health()).status).toBe('up');
    await second.notifier.start();
    expect((await second.notifier.health()).detail).toMatch(new RegExp(`^webhook later: ${before} failed attempt\\(s\\) in a row`));
    await back.waitFor(1);
    await waitFor('sent', async () => ((await second.notifier.stats()).sent === 1 ? true : undefined));
  });

  it('drops the entries of a webhook that is no longer configured, and those of events it no longer wants', async () => {
    const r = await receiver();
    const repo = new InMemoryOutcomeRepo();
    await queue(repo, 'removed', 2);
    const hook = webhook(r.url(), { name: 'narrow', events: ['deny'] });
    await queue(repo, hook.key, 1, 10);
    const { notifier: n, log } = notifier(repo, [hook]);
    await n.start();
    await waitFor('dropped', async () => ((await n.stats()).dropped === 1 ? true : undefined));
    expect(r.requests).toHaveLength(0);
    expect(log()).toContain('dropped 2 notification(s) queued for webhook removed, which is no longer configured');
    expect(log()).toContain('dropped a pending_review notification: webhook narrow no longer subscribes to it');
  });
});
