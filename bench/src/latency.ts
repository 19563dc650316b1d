import { performance } from 'node:perf_hooks';
import { withAgent } from './agent-process';
import type { BenchContext } from './context';
import { sleep } from './context';
import { variedKills } from './kills';
import type { BenchRow } from './report';
import { fmtInt, fmtMs } from './report';
import { StoreWatch } from './store-watch';
import { summary } from './stats';
import { publishOne } from './streams';

const TARGET_P99_MS = 20;
/** Pause between two looks at the store; each latency is an upper bound by up to this plus one read. */
const POLL_MS = 2;
/** Traffic before the measured stretch, s: a freshly started agent runs unoptimised code for its first kills. */
const WARM_UP_S = 2;
/** How long to wait after the last publish for the last decisions. */
const DRAIN_TIMEOUT_MS = 30_000;
/** Length of the stretches the JSON report summarises separately, s. */
const STRETCH_S = 5;

/** Latency: kills published at a steady rate, each timed from its XADD to its record becoming visible in the SQLite file. */
export async function latencyBench(ctx: BenchContext): Promise<BenchRow> {
  const rate = ctx.rate;
  const seconds = ctx.durationSeconds;
  const warmUp = Math.round(rate * Math.min(WARM_UP_S, seconds));
  const measuredCount = Math.max(1, Math.round(rate * seconds));
  const total = warmUp + measuredCount;
  const stream = `medic-bench:${ctx.runId}:latency`;
  ctx.streams.push(stream);
  const kills = variedKills(`lat-${ctx.runId}`, total, { seed: 11 });

  const run = await withAgent(ctx.redis, { mode: 'observer', stream, logLevel: ctx.logLevel }, async (agent) => {
    const watch = await StoreWatch.open(agent.databasePath);
    try {
      let publishing = true;
      let lastPublish = performance.now();
      const watching = (async () => {
        while (publishing || watch.seenAt.size < total) {
          await watch.poll();
          await sleep(POLL_MS);
          if (!publishing && performance.now() - lastPublish > DRAIN_TIMEOUT_MS) {
            throw new Error(`only ${watch.seenAt.size} of ${total} decisions were stored ${DRAIN_TIMEOUT_MS} ms after the last publish`);
          }
        }
      })();
      // Awaited after publishing; this only keeps an early failure from counting as unhandled meanwhile.
      watching.catch(() => undefined);

      const publishedAt: number[] = [];
      const publishes: Array<Promise<void>> = [];
      const started = performance.now();
      // Kill i is due at started + i / rate; a late tick sends every kill that is due, so the offered rate holds on average.
      while (publishes.length < total) {
        const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
        while (publishes.length < due) {
          lastPublish = performance.now();
          publishedAt.push(lastPublish);
          publishes.push(publishOne(ctx.redis, stream, kills[publishes.length]!));
        }
        await sleep(1);
      }
      await Promise.all(publishes);
      publishing = false;
      await watching;

      const measuredFrom = publishedAt[warmUp] ?? started;
      const latencies = kills.slice(warmUp).map((k, i) => (watch.seenAt.get(k.kill_id) ?? Number.NaN) - (publishedAt[warmUp + i] ?? Number.NaN));
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
      return { latencies, stretches, achievedRate, peakRssBytes: agent.peakRss() };
    } finally {
      await watch.close();
    }
  });

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
    method: `observer agent process; varied kills XADDed one by one when due at ${fmtInt(rate)}/s (achieved ${fmtInt(run.achievedRate)}/s), the first ${WARM_UP_S} s as warm-up, then ${fmtInt(measuredCount)} measured: from just before its XADD until the bench's own reader of the SQLite file (WAL, polled every ${POLL_MS} ms) first sees its record, so each value is high by up to ~${POLL_MS + 1} ms.`,
    data: { offeredRate: rate, achievedRate: run.achievedRate, seconds, warmUpKills: warmUp, kills: measuredCount, latencyMs: s, latencyMsByStretch: run.stretches, pollMs: POLL_MS, peakRssBytes: run.peakRssBytes, targetP99Ms: TARGET_P99_MS },
  };
}
