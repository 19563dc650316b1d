import { performance } from 'node:perf_hooks';
import { SqliteOutcomeRepo } from '@medic/sqlite';
import { CONSUMER_GROUP, withAgent } from './agent-process';
import type { BenchContext } from './context';
import { groupInfo, publishAll, waitFor } from '@medic/test-support';
import { scaled } from './context';
import { malformedMix } from './kills';
import { TARGET_RSS } from './pipeline';
import type { BenchRow } from './report';
import { fmtInt, fmtMb } from './report';
import { median } from './stats';
import { drained } from './streams';

const ENTRIES = 10_000;
const BAD_SHARE = 0.4;
const RUNS = 3;
const TARGET_RATE = 5_000;

/** Malformed mix: 10,000 entries, 40 % of them breaking a rule of the kill report, drained by an observer agent process. */
export async function malformedBench(ctx: BenchContext): Promise<BenchRow> {
  const count = scaled(ctx, ENTRIES, 100);
  const runs: Array<{ entriesPerSecond: number; seconds: number; peakRssBytes: number; bad: number; stored: number; rejections: number; deadLetters: number }> = [];
  for (let run = 1; run <= RUNS; run++) {
    const stream = `medic-bench:${ctx.runId}:malformed:${run}`;
    ctx.streams.push(stream);
    const { entries, bad } = malformedMix(`bad-${ctx.runId}-${run}`, count, BAD_SHARE, run);
    const result = await withAgent(ctx.redis, { mode: 'observer', stream, logLevel: ctx.logLevel }, async (agent) => {
      const started = performance.now();
      await publishAll(ctx.redis, stream, entries);
      await waitFor(`the agent to drain ${count} entries`, async () => drained(await groupInfo(ctx.redis, stream, CONSUMER_GROUP), count), { timeoutMs: 60_000 + count * 10, intervalMs: 5 });
      const seconds = (performance.now() - started) / 1000;
      const peakRssBytes = agent.peakRss();
      await agent.stop();
      const repo = await SqliteOutcomeRepo.open({ path: agent.databasePath });
      try {
        const stats = await repo.stats();
        return { seconds, peakRssBytes, stored: stats.total, rejections: stats.rejections, deadLetters: await ctx.redis.xlen(`${stream}.dead`) };
      } finally {
        await repo.close();
      }
    });
    if (result.stored !== count - bad || result.rejections !== bad || result.deadLetters !== bad) {
      throw new Error(`malformed mix: ${count - bad} valid and ${bad} bad entries, but ${result.stored} records, ${result.rejections} rejections and ${result.deadLetters} dead letters`);
    }
    runs.push({ entriesPerSecond: count / result.seconds, bad, ...result });
    ctx.progress(`malformed run ${run}/${RUNS}: ${fmtInt(count / result.seconds)} entries/s, peak RSS ${fmtMb(result.peakRssBytes)}`);
  }
  const rate = median(runs.map((r) => r.entriesPerSecond));
  const rss = Math.max(...runs.map((r) => r.peakRssBytes));
  const bad = runs[0]?.bad ?? 0;
  return {
    name: 'malformed',
    title: `Malformed mix (${fmtInt(count)} entries, ${Math.round(BAD_SHARE * 100)} % bad)`,
    result: `${fmtInt(rate)} entries/s; peak RSS ${fmtMb(rss)}`,
    median: `${fmtInt(rate)} entries/s`,
    p99: '—',
    target: `≥ ${fmtInt(TARGET_RATE)} entries/s; RSS ≤ ${fmtMb(TARGET_RSS)}`,
    holds: rate >= TARGET_RATE && rss <= TARGET_RSS,
    method: `${RUNS} runs, each a fresh observer agent process and database; ${fmtInt(count)} entries pipelined at once, ${fmtInt(bad)} of them bad (eight kinds: broken JSON, unknown severity, confidence out of range, a path in the module name, missing fields, 101 evidence items, a JSON array, no payload field) spread evenly among varied valid kills; time from the first XADD until every entry is read and acknowledged; each run checks the records, the rejections rows and the dead letters add up; RSS = the agent's VmHWM; median rate, highest RSS.`,
    data: { entries: count, badShare: BAD_SHARE, runs, entriesPerSecond: rate, peakRssBytes: rss, targetEntriesPerSecond: TARGET_RATE, targetRssBytes: TARGET_RSS },
  };
}
