import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { NOTIFICATION_EVENTS } from '@medic/domain';
import type { BenchContext } from './context';
import { scaled } from './context';
import { latencyCounts, latencyRun } from './latency';
import { pipelineRun } from './pipeline';
import type { PipelineRun } from './pipeline';
import type { BenchRow } from './report';
import { fmtInt, fmtMs } from './report';
import { median, summary } from './stats';

const KILLS = 10_000;
const PAIRS = 7;
/** A dead webhook may cost the pipeline at most this share of its rate, and the latency's p99 at most this many ms (or this share) more. */
const MAX_RATE_LOSS = 0.1;
const MAX_P99_GAIN_MS = 1;
const MAX_P99_GAIN = 0.1;

/**
 * The kill loop with a webhook at a closed port beside the same loop without any, in one run: every event subscribed, so
 * every pending_review, deny and budget_exhausted decision queues a notification in the outbox (deny is the busy case) while
 * the notifier's attempts fail. Pipeline drains come in pairs run back to back (which goes first alternates), so both arms of
 * a pair see the same machine; the ratio is the median of the pairs' ratios. The latency runs too come in two pairs of
 * half the latency row's length, in the order none, dead, dead, none; each arm's p99 is over both of its runs.
 */
export async function webhookBench(ctx: BenchContext): Promise<BenchRow> {
  const port = await closedPort();
  const dead = { notify: { webhooks: [{ name: 'dead', url: `http://127.0.0.1:${port}/hook`, format: 'slack', events: [...NOTIFICATION_EVENTS] }] } };
  const kills = scaled(ctx, KILLS, 100);
  const none: PipelineRun[] = [];
  const withDead: PipelineRun[] = [];
  for (let run = 1; run <= PAIRS; run++) {
    // Alternating which goes first, so a machine that slows down or speeds up during the run favours neither.
    const order: Array<[PipelineRun[], Record<string, unknown>, string]> = [
      [none, {}, 'none'],
      [withDead, dead, 'dead'],
    ];
    if (run % 2 === 0) order.reverse();
    for (const [runs, config, label] of order) {
      const result = await pipelineRun(ctx, `webhook-pipeline-${label}:${run}`, kills, run, config);
      runs.push(result);
      ctx.progress(`webhook pipeline pair ${run}/${PAIRS} (${label === 'none' ? 'no webhook' : 'dead webhook'}): ${fmtInt(result.killsPerSecond)} kills/s, ${fmtInt(result.notifications.pending)} notification(s) queued`);
    }
  }
  const half: BenchContext = { ...ctx, durationSeconds: ctx.durationSeconds / 2 };
  const latencyNone1 = await latencyRun(half, 'webhook-latency-none-1');
  const latencyDead1 = await latencyRun(half, 'webhook-latency-dead-1', dead);
  const latencyDead2 = await latencyRun(half, 'webhook-latency-dead-2', dead);
  const latencyNone2 = await latencyRun(half, 'webhook-latency-none-2');
  const latencyNone = { latencies: [...latencyNone1.latencies, ...latencyNone2.latencies] };
  const latencyDead = { latencies: [...latencyDead1.latencies, ...latencyDead2.latencies], unreachableLogLines: latencyDead1.unreachableLogLines + latencyDead2.unreachableLogLines };
  const rateNone = median(none.map((r) => r.killsPerSecond));
  const rateDead = median(withDead.map((r) => r.killsPerSecond));
  const queued = median(withDead.map((r) => r.notifications.pending));
  const failedAttempts = withDead.map((r) => r.notifications.failedAttempts);
  const p99None = summary(latencyNone.latencies).p99;
  const p99Dead = summary(latencyDead.latencies).p99;
  const ratios = withDead.map((r, i) => r.killsPerSecond / none[i]!.killsPerSecond);
  const ratio = median(ratios);
  if (withDead.some((r) => r.notifications.pending === 0 || r.notifications.failedAttempts === 0) || latencyDead.unreachableLogLines === 0) {
    throw new Error('the dead webhook was never tried: the comparison would measure nothing');
  }
  const { measuredCount } = latencyCounts(half);
  ctx.progress(`webhook: ${fmtInt(rateDead)} vs ${fmtInt(rateNone)} kills/s, p99 ${fmtMs(p99Dead)} vs ${fmtMs(p99None)}`);
  return {
    name: 'webhook',
    title: `Dead webhook vs none (pipeline ${fmtInt(kills)} kills; latency at ${fmtInt(ctx.rate)}/s)`,
    result: `pipeline ${fmtInt(rateDead)} vs ${fmtInt(rateNone)} kills/s (paired ratio ${ratio.toFixed(2)}×, pairs ${ratios.map((r) => r.toFixed(2)).join(', ')}), ${fmtInt(queued)} notifications queued per drain; latency p99 ${fmtMs(p99Dead)} vs ${fmtMs(p99None)}`,
    median: `${fmtInt(rateDead)} vs ${fmtInt(rateNone)} kills/s`,
    p99: `${fmtMs(p99Dead)} vs ${fmtMs(p99None)}`,
    target: `rate ≥ ${(1 - MAX_RATE_LOSS).toFixed(1)}× and p99 ≤ +${MAX_P99_GAIN_MS} ms (or +${MAX_P99_GAIN * 100} %) of no webhook`,
    holds: ratio >= 1 - MAX_RATE_LOSS && p99Dead <= Math.max(p99None + MAX_P99_GAIN_MS, p99None * (1 + MAX_P99_GAIN)),
    method:
      `the same observer agent process and varied kills as the pipeline and latency rows, with and without one webhook at a closed port on 127.0.0.1 ` +
      `(format slack, every event subscribed: each pending_review, deny and budget_exhausted decision writes an outbox row in its batch's transaction); ` +
      `${PAIRS} pairs of pipeline drains, back to back, alternating which goes first; median rates, and the median of the pairs' ratios against the target; then latency runs of ${half.durationSeconds} s at ${fmtInt(ctx.rate)}/s in the order none, dead, dead, none (${fmtInt(measuredCount)} measured kills each after a warm-up), each arm's p99 over its two runs. ` +
      `The dead webhook's attempts failed (connection refused) ${failedAttempts.join(', ')} time(s) in the drains and ${latencyDead.unreachableLogLines} time(s) in its latency runs, backing off from 1 s.`,
    data: {
      kills,
      pipeline: { none, dead: withDead, killsPerSecond: { none: rateNone, dead: rateDead }, pairRatios: ratios, ratio },
      latency: { none: summary(latencyNone.latencies), dead: summary(latencyDead.latencies), deadUnreachableAttempts: latencyDead.unreachableLogLines },
      targets: { maxRateLoss: MAX_RATE_LOSS, maxP99GainMs: MAX_P99_GAIN_MS, maxP99Gain: MAX_P99_GAIN },
    },
  };
}

/** A port on 127.0.0.1 nothing listens on: bound once, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
