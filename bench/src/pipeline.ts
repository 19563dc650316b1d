import { performance } from 'node:perf_hooks';
import { SqliteOutcomeRepo } from '@medic/sqlite';
import { CONSUMER_GROUP, withAgent } from './agent-process';
import type { BenchContext } from './context';
import { groupInfo, publishAll, waitFor } from '@medic/test-support';
import { scaled } from './context';
import { payloadOf, variedKills } from './kills';
import type { BenchRow } from './report';
import { fmtInt, fmtMb } from './report';
import { median } from './stats';
import { drained } from './streams';

const KILLS = 10_000;
const RUNS = 3;
const TARGET_RATE = 10_000;
/** Agent peak RSS, the same target for the malformed mix. */
export const TARGET_RSS = 100 * 2 ** 20;

/** One drain of a pipeline run: its rate, the agent's peak RSS, the stored decisions and the notifications left in the outbox. */
export interface PipelineRun {
  readonly killsPerSecond: number;
  readonly seconds: number;
  readonly peakRssBytes: number;
  readonly byDecision: Record<string, number>;
  /** Notifications still queued when the agent stopped, and failed delivery attempts (0 without webhooks). */
  readonly notifications: { readonly pending: number; readonly failedAttempts: number };
}

/** A fresh observer agent process (with `config` merged into its configuration) drains `kills` varied kills, seeded by `seed`. */
export async function pipelineRun(ctx: BenchContext, label: string, kills: number, seed: number, config: Record<string, unknown> = {}): Promise<PipelineRun> {
  const stream = `medic-bench:${ctx.runId}:${label}`;
  ctx.streams.push(stream);
  const result = await withAgent(ctx.redis, { mode: 'observer', stream, logLevel: ctx.logLevel, config }, async (agent) => {
    const batch = variedKills(`${label}-${ctx.runId}`, kills, { seed });
    const started = performance.now();
    await publishAll(ctx.redis, stream, batch.map(payloadOf));
    await waitFor(`the agent to drain ${kills} kills`, async () => drained(await groupInfo(ctx.redis, stream, CONSUMER_GROUP), kills), { timeoutMs: 60_000 + kills * 10, intervalMs: 5 });
    const seconds = (performance.now() - started) / 1000;
    const peakRssBytes = agent.peakRss();
    await agent.stop();
    return { seconds, peakRssBytes, ...(await storedDecisions(agent.databasePath, kills)) };
  });
  return { killsPerSecond: kills / result.seconds, ...result };
}

/** Observer pipeline: 10,000 kills published at once, drained (decided, stored, acknowledged) by the agent process. */
export async function pipelineBench(ctx: BenchContext): Promise<BenchRow> {
  const kills = scaled(ctx, KILLS, 100);
  const runs: PipelineRun[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const result = await pipelineRun(ctx, `pipeline:${run}`, kills, run);
    runs.push(result);
    ctx.progress(`pipeline run ${run}/${RUNS}: ${fmtInt(result.killsPerSecond)} kills/s, peak RSS ${fmtMb(result.peakRssBytes)}`);
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

/** Opens the finished database and checks every kill was stored once; the counts by decision and what the outbox holds go into the report. */
async function storedDecisions(path: string, expected: number): Promise<Pick<PipelineRun, 'byDecision' | 'notifications'>> {
  const repo = await SqliteOutcomeRepo.open({ path });
  try {
    const stats = await repo.stats();
    if (stats.total !== expected) throw new Error(`pipeline stored ${stats.total} records for ${expected} kills`);
    const webhooks = await repo.outbox.webhookStates();
    const notifications = { pending: webhooks.reduce((n, w) => n + w.pending, 0), failedAttempts: webhooks.reduce((n, w) => n + w.failedAttempts, 0) };
    return { byDecision: stats.byDecision, notifications };
  } finally {
    await repo.close();
  }
}
