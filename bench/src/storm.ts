import type { OutcomeRecord } from '@medic/domain';
import { withAgent } from './agent-process';
import { BenchContainers, killContainer } from './containers';
import type { BenchContext } from './context';
import { scaled } from './context';
import { lowRiskKill } from './kills';
import { liveAgent } from './live-agent';
import type { BenchRow } from './report';
import { fmtS } from './report';
import { median, p99 } from './stats';
import { StoreWatch } from './store-watch';
import { publishAll } from './streams';

const CONTAINERS = 20;
/** Each probe is an exec costing the engine ~0.1 s of CPU here: 20 containers probed every second already saturate 2 cores. */
const STORM_HEALTH_INTERVAL_MS = 2_000;

/** Kill storm: many healthy containers killed at once and their low-risk kills published together; time until all are healthy again. */
export async function stormBench(ctx: BenchContext): Promise<BenchRow> {
  const docker = ctx.docker;
  if (!docker) throw new Error('the storm benchmark needs Docker');
  const count = scaled(ctx, CONTAINERS, 2);
  const stream = `medic-bench:${ctx.runId}:storm`;
  ctx.streams.push(stream);
  const containers = new BenchContainers(docker);
  try {
    const names = Array.from({ length: count }, (_, i) => `medic-test-bench-${ctx.runId}-storm-${i}`);
    const created = await containers.create(names, STORM_HEALTH_INTERVAL_MS);
    return await withAgent(ctx.redis, liveAgent(stream, ctx.logLevel), async (agent) => {
      const watch = await StoreWatch.open(agent.databasePath);
      try {
        await Promise.all(created.map(killContainer));
        const kills = names.map((name, i) => lowRiskKill(`storm-${ctx.runId}-${i}`, `bench-storm-${i}`, name));
        const publishedAt = Date.now();
        await publishAll(ctx.redis, stream, kills);
        const records: OutcomeRecord[] = [];
        for (const kill of kills) records.push(await watch.finished(kill.kill_id, 120_000));
        const failed = records.filter((r) => r.outcomeType !== 'success' || r.healthStatus !== 'healthy');
        if (failed.length > 0) throw new Error(`${failed.length} of ${count} storm kills did not end healthy: ${failed.map((r) => `${r.killId} ${r.originalDecision} ${r.outcomeType}`).join(', ')}`);
        const perKillMs = records.map((r) => Date.parse(r.completedAt!) - publishedAt);
        const allMs = Math.max(...perKillMs);
        ctx.progress(`storm: all ${count} healthy after ${fmtS(allMs)}`);
        return {
          name: 'storm',
          title: `Kill storm (${count} containers)`,
          result: `all ${count} healthy after ${fmtS(allMs)}`,
          median: `${fmtS(median(perKillMs))} per kill`,
          p99: fmtS(p99(perKillMs)),
          target: 'reported (baseline for concurrency)',
          holds: null,
          method: `live agent process; ${count} healthy medic-test-bench containers (health check every ${STORM_HEALTH_INTERVAL_MS} ms) SIGKILLed together, then their ${count} low-risk kills XADDed in one pipeline; per kill from just before publishing to its record's completedAt, the result is the last of them.`,
          data: { containers: count, healthIntervalMs: STORM_HEALTH_INTERVAL_MS, allHealthyMs: allMs, perKillMs, records: records.map((r) => ({ killId: r.killId, timeToHealthy: r.timeToHealthy })) },
        };
      } finally {
        await watch.close();
      }
    });
  } finally {
    await containers.removeAll();
  }
}
