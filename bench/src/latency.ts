import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withAgent } from './agent-process';
import type { BenchContext } from './context';
import { publish, sleep, waitFor } from '@medic/test-support';
import { payloadOf, variedKills } from './kills';
import type { BenchRow } from './report';
import { fmtInt, fmtMs } from './report';
import { summary } from './stats';

const TARGET_P99_MS = 5;
/** Traffic before the measured stretch, s: a freshly started agent runs unoptimised code for its first kills. */
const WARM_UP_S = 2;
/** How long to wait after the last publish for the last decisions. */
const DRAIN_TIMEOUT_MS = 30_000;
/** Length of the stretches the JSON report summarises separately, s. */
const STRETCH_S = 5;

/**
 * Latency: kills published one at a time at a steady rate, each timed from just before its XADD to the agent's own log
 * line of its decision, which the agent writes once the decision is committed (its timestamp, ms, is the decision time).
 */
export async function latencyBench(ctx: BenchContext): Promise<BenchRow> {
  const rate = ctx.rate;
  const seconds = ctx.durationSeconds;
  const run = await latencyRun(ctx, 'latency');
  const { warmUp, measuredCount } = latencyCounts(ctx);
  const s = summary(run.latencies);
  ctx.progress(`latency: p50 ${fmtMs(s.p50)}, p99 ${fmtMs(s.p99)} at ${fmtInt(run.achievedRate)}/s offered`);
  return {
    name: 'latency',
    title: `Latency at ${fmtInt(rate)}/s for ${seconds} s`,
    result: `p50 ${fmtMs(s.p50)}, p99 ${fmtMs(s.p99)}, max ${fmtMs(s.max)}`,
    median: fmtMs(s.p50),
    p99: fmtMs(s.p99),
    target: `p99 ≤ ${TARGET_P99_MS} ms`,
    holds: s.p99 <= TARGET_P99_MS,
    method: `observer agent process, JSON logs at info; varied kills XADDed one by one when due at ${fmtInt(rate)}/s (achieved ${fmtInt(run.achievedRate)}/s), the first ${WARM_UP_S} s as warm-up, then ${fmtInt(measuredCount)} measured: from the bench's clock just before each XADD to the timestamp of the agent's "decision" log line for that kill, which it writes after the decision is committed (same machine clock, ms resolution, so each value is ±1 ms).`,
    data: { offeredRate: rate, achievedRate: run.achievedRate, seconds, warmUpKills: warmUp, kills: measuredCount, latencyMs: s, latencyMsByStretch: run.stretches, peakRssBytes: run.peakRssBytes, targetP99Ms: TARGET_P99_MS },
  };
}

/** How many kills a latency run warms up with and measures. */
export function latencyCounts(ctx: BenchContext): { warmUp: number; measuredCount: number } {
  return { warmUp: Math.round(ctx.rate * Math.min(WARM_UP_S, ctx.durationSeconds)), measuredCount: Math.max(1, Math.round(ctx.rate * ctx.durationSeconds)) };
}

/** One latency run: a fresh observer agent (with `config` merged into its configuration), kills published at ctx.rate for ctx.durationSeconds. */
export async function latencyRun(ctx: BenchContext, label: string, config: Record<string, unknown> = {}) {
  const rate = ctx.rate;
  const seconds = ctx.durationSeconds;
  const { warmUp, measuredCount } = latencyCounts(ctx);
  const total = warmUp + measuredCount;
  const stream = `medic-bench:${ctx.runId}:${label}`;
  ctx.streams.push(stream);
  const kills = variedKills(`${label}-${ctx.runId}`, total, { seed: 11 });

  // Decisions are logged at info level; JSON lines, so the bench can read them back exactly.
  return withAgent(ctx.redis, { mode: 'observer', stream, logLevel: 'info', logFormat: 'json', config }, async (agent) => {
    const publishedAt: number[] = [];
    const publishes: Array<Promise<string>> = [];
    const started = Date.now();
    // Kill i is due at started + i / rate; a late tick sends every kill that is due, so the offered rate holds on average.
    while (publishes.length < total) {
      const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * rate) + 1);
      while (publishes.length < due) {
        publishedAt.push(Date.now());
        publishes.push(publish(ctx.redis, stream, payloadOf(kills[publishes.length]!)));
      }
      await sleep(1);
    }
    await Promise.all(publishes);
    const lastPublish = publishedAt.at(-1) ?? started;
    let decidedAt = new Map<string, number>();
    await waitFor(`all ${total} decisions in the agent's log`, () => (decidedAt = decisionTimes(agent.dir)).size >= total, { timeoutMs: DRAIN_TIMEOUT_MS, intervalMs: 50 });
    const measuredFrom = publishedAt[warmUp] ?? started;
    const latencies = kills.slice(warmUp).map((k, i) => (decidedAt.get(k.kill_id) ?? Number.NaN) - (publishedAt[warmUp + i] ?? Number.NaN));
    // Per stretch of the run, so a drift (a store that slows down as it fills) shows.
    const stretches = Array.from({ length: Math.ceil(seconds / STRETCH_S) }, (_, s) => {
      const from = measuredFrom + s * STRETCH_S * 1000;
      const inStretch = latencies.filter((_, i) => {
        const at = publishedAt[warmUp + i] ?? 0;
        return at >= from && at < from + STRETCH_S * 1000;
      });
      return { fromSecond: s * STRETCH_S, ...summary(inStretch) };
    });
    const achievedRate = (measuredCount - 1) / Math.max((lastPublish - measuredFrom) / 1000, 1 / rate);
    return { latencies, stretches, achievedRate, peakRssBytes: agent.peakRss(), unreachableLogLines: unreachableWebhookLines(agent.dir) };
  });
}

/** How many times the agent logged a webhook as unreachable (each is one failed delivery attempt). */
function unreachableWebhookLines(dir: string): number {
  return readFileSync(join(dir, 'agent.log'), 'utf8')
    .split('\n')
    .filter((line) => line.includes('"message":"webhook ') && line.includes(' unreachable (attempt ')).length;
}

/** kill_id → the time (ms) of its "decision" log line, from the agent's JSON log. */
function decisionTimes(dir: string): Map<string, number> {
  const times = new Map<string, number>();
  for (const line of readFileSync(join(dir, 'agent.log'), 'utf8').split('\n')) {
    if (!line.startsWith('{') || !line.includes('"decision ')) continue;
    let entry: { message?: string; kill_id?: string; timestamp?: string };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue; // the line the agent is writing right now
    }
    if (entry.kill_id && entry.timestamp && entry.message?.startsWith('decision ')) times.set(entry.kill_id, Date.parse(entry.timestamp));
  }
  return times;
}
