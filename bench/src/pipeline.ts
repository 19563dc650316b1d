import { performance } from 'node:perf_hooks';
import { SqliteOutcomeRepo } from '@medic/sqlite';
import { CONSUMER_GROUP, withAgent } from './agent-process';
import type { BenchContext } from './context';
import { pollUntil, scaled } from './context';
import { variedKills } from './kills';
import type { BenchRow } from './report';
import { fmtInt, fmtMb } from './report';
import { median } from './stats';
import { drained, groupProgress, publishAll } from './streams';

const KILLS = 10_000;
const RUNS = 3;
const TARGET_RATE = 10_000;
/** Agent peak RSS, the same target for the malformed mix. */
export const TARGET_RSS = 100 * 2 ** 20;

/** Observer pipeline: 10,000 kills published at once, drained (decided, stored, acknowledged) by the agent process. */
export async function pipelineBench(ctx: BenchContext): Promise<BenchRow> {
  const kills = scaled(ctx, KILLS, 100);
  const runs: Array<{ killsPerSecond: number; seconds: number; peakRssBytes: number; byDecision: Record<string, number> }> = [];
  for (let run = 1; run <= RUNS; run++) {
    const stream = `medic-bench:${ctx.runId}:pipeline:${run}`;
    ctx.streams.push(stream);
    const result = await withAgent(ctx.redis, { mode: 'observer', stream, logLevel: ctx.logLevel }, async (agent) => {
      const batch = variedKills(`pipe-${ctx.runId}-${run}`, kills, { seed: run });
      const started = performance.now();
      await publishAll(ctx.redis, stream, batch);
      await pollUntil(`the agent to drain ${kills} kills`, async () => drained(await groupProgress(ctx.redis, stream, CONSUMER_GROUP), kills), 60_000 + kills * 10);
      const seconds = (performance.now() - started) / 1000;
      const peakRssBytes = agent.peakRss();
      await agent.stop();
      return { seconds, peakRssBytes, byDecision: await storedDecisions(agent.databasePath, kills) };
    });
    runs.push({ killsPerSecond: kills / result.seconds, ...result });
    ctx.progress(`pipeline run ${run}/${RUNS}: ${fmtInt(kills / result.seconds)} kills/s, peak RSS ${fmtMb(result.peakRssBytes)}`);
  }
  const rate = median(runs.map((r) => r.killsPerSecond));
  const rss = Math.max(...runs.map((r) => r.peakRssBytes));
  return {
    name: 'pipeline',
    title: `Observer pipeline (${fmtInt(kills)} kills)`,
    result: `${fmtInt(rate)} kills/s; peak RSS ${fmtMb(rss)}`,
    median: `${fmtInt(rate)} kills/s`,
    p99: '—',
    target: `≥ ${fmtInt(TARGET_RATE)} kills/s; RSS ≤ ${fmtMb(TARGET_RSS)}`,
    holds: rate >= TARGET_RATE && rss <= TARGET_RSS,
    method: `${RUNS} runs, each a fresh observer agent process (apps/agent/bin/medic-agent, default batch size and logging) and database; ${fmtInt(kills)} varied kills over 50 modules pipelined into the stream at once; time from the first XADD until XINFO GROUPS shows every entry read and acknowledged (acks follow the durable commit), polled every 5 ms; RSS = the agent's VmHWM; median rate, highest RSS.`,
    data: { kills, runs, killsPerSecond: rate, peakRssBytes: rss, targetKillsPerSecond: TARGET_RATE, targetRssBytes: TARGET_RSS },
  };
}

/** Opens the finished database and checks every kill was stored once; the counts by decision go into the report. */
async function storedDecisions(path: string, expected: number): Promise<Record<string, number>> {
  const repo = await SqliteOutcomeRepo.open({ path });
  try {
    const stats = await repo.stats();
    if (stats.total !== expected) throw new Error(`pipeline stored ${stats.total} records for ${expected} kills`);
    return stats.byDecision;
  } finally {
    await repo.close();
  }
}
