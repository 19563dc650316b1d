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
/** How long to wait after the last publish for the last decisions. */
const DRAIN_TIMEOUT_MS = 30_000;

/** Latency: kills published at a steady rate, each timed from its XADD to its record becoming visible in the SQLite file. */
export async function latencyBench(ctx: BenchContext): Promise<BenchRow> {
  const rate = ctx.rate;
  const seconds = ctx.durationSeconds;
  const total = Math.max(1, Math.round(rate * seconds));
  const stream = `medic-bench:${ctx.runId}:latency`;
  ctx.streams.push(stream);
  const kills = variedKills(`lat-${ctx.runId}`, total, { seed: 11 });

  const measured = await withAgent(ctx.redis, { mode: 'observer', stream, logLevel: ctx.logLevel }, async (agent) => {
    const watch = await StoreWatch.open(agent.databasePath);
    try {
      const publishedAt = new Map<string, number>();
      const started = performance.now();
      let lastPublish = started;
      let publishing = true;
      const watching = (async () => {
        while (publishing || watch.seenAt.size < total) {
          await watch.poll();
          await sleep(POLL_MS);
          if (!publishing && performance.now() - lastPublish > DRAIN_TIMEOUT_MS) {
            throw new Error(`only ${watch.seenAt.size} of ${total} decisions were stored ${DRAIN_TIMEOUT_MS} ms after the last publish`);
          }
        }
      })();
      // Handled below, after publishing; this only keeps an early failure from counting as unhandled meanwhile.
      watching.catch(() => undefined);
      let sent = 0;
      const inFlight = new Set<Promise<void>>();
      // Each kill is due at started + i / rate; a late tick sends every kill that is due, so the offered rate holds on average.
      while (sent < total) {
        const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
        for (; sent < due; sent++) {
          const kill = kills[sent]!;
          lastPublish = performance.now();
          publishedAt.set(kill.kill_id, lastPublish);
          const publish = publishOne(ctx.redis, stream, kill);
          inFlight.add(publish);
          void publish.finally(() => inFlight.delete(publish));
        }
        await sleep(1);
      }
      await Promise.all(inFlight);
      const offeredSeconds = (lastPublish - started) / 1000;
      publishing = false;
      await watching;
      const latencies = kills.map((k) => (watch.seenAt.get(k.kill_id) ?? Number.NaN) - (publishedAt.get(k.kill_id) ?? Number.NaN));
      return { latencies, offeredRate: total / Math.max(offeredSeconds, 1 / rate), peakRssBytes: agent.peakRss() };
    } finally {
      await watch.close();
    }
  });

  const s = summary(measured.latencies);
  ctx.progress(`latency: p50 ${fmtMs(s.p50)}, p99 ${fmtMs(s.p99)} at ${fmtInt(measured.offeredRate)}/s offered`);
  return {
    name: 'latency',
    title: `Latency at ${fmtInt(rate)}/s for ${seconds} s`,
    result: `p50 ${fmtMs(s.p50)}, p99 ${fmtMs(s.p99)}, max ${fmtMs(s.max)}`,
    median: fmtMs(s.p50),
    p99: fmtMs(s.p99),
    target: `p99 ≤ ${TARGET_P99_MS} ms`,
    holds: s.p99 <= TARGET_P99_MS,
    method: `observer agent process; ${fmtInt(total)} varied kills, each XADDed when due at ${fmtInt(rate)}/s (achieved ${fmtInt(measured.offeredRate)}/s); time from just before its XADD until the bench's own reader of the SQLite file (WAL, polled every ${POLL_MS} ms) first sees its record, so each value is high by up to ~${POLL_MS + 1} ms.`,
    data: { offeredRate: rate, achievedRate: measured.offeredRate, seconds, kills: total, latencyMs: s, pollMs: POLL_MS, peakRssBytes: measured.peakRssBytes, targetP99Ms: TARGET_P99_MS },
  };
}
