import { performance } from 'node:perf_hooks';
import type Docker from 'dockerode';
import type { OutcomeRecord } from '@medic/domain';
import { withAgent } from './agent-process';
import { BenchContainers, killContainer, waitHealthy } from './containers';
import type { BenchContext } from './context';
import { scaled } from './context';
import { publishAll } from '@medic/test-support';
import { lowRiskKill, payloadOf } from './kills';
import { liveAgent } from './live-agent';
import type { BenchRow } from './report';
import { fmtS } from './report';
import { median, p99 } from './stats';
import { StoreWatch } from './store-watch';

const CONTAINERS = 20;
/** Times one kill alone is measured, before the storm. */
const ALONE_ROUNDS = 3;
/**
 * Docker health-check interval of the storm's containers. Docker runs the first probe one interval after the start, so
 * each container's time to healthy is its start plus this; 5 s is a common choice for services (Docker's default is 30 s).
 */
const STORM_HEALTH_INTERVAL_MS = 5_000;
const TARGET_RATIO = 1.5;
/** The agent's default resurrection.health_check_interval_seconds, as users run it; the engine's own storm polls alike. */
const STORM_POLL_MS = 500;

/**
 * Kill storm: many healthy containers killed at once and their low-risk kills published together, against one kill of
 * the same kind of container alone, by the same agent in the same run; and the engine's own storm (the same containers
 * started directly) beside it, since 2 cores start 20 containers only so fast.
 */
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
    // As many resurrections at once as the storm has containers (resurrection.concurrency defaults to 8).
    const agentSpec = liveAgent(stream, ctx.logLevel, { concurrency: count, health_check_interval_seconds: STORM_POLL_MS / 1000 });
    const medic = await withAgent(ctx.redis, agentSpec, async (agent) => {
      const watch = await StoreWatch.open(agent.databasePath);
      try {
        const aloneMs: number[] = [];
        for (let round = 1; round <= ALONE_ROUNDS; round++) {
          await killContainer(created[0]!);
          const kill = lowRiskKill(`storm-alone-${ctx.runId}-${round}`, 'bench-storm-0', names[0]!);
          const publishedAt = Date.now();
          await publishAll(ctx.redis, stream, [payloadOf(kill)]);
          const [record] = await healthyRecords(watch, [kill.kill_id]);
          aloneMs.push(Date.parse(record!.completedAt!) - publishedAt);
          ctx.progress(`storm: one kill alone ${round}/${ALONE_ROUNDS}: ${fmtS(aloneMs.at(-1)!)}`);
        }
        await Promise.all(created.map(killContainer));
        const kills = names.map((name, i) => lowRiskKill(`storm-${ctx.runId}-${i}`, `bench-storm-${i}`, name));
        const publishedAt = Date.now();
        await publishAll(ctx.redis, stream, kills.map(payloadOf));
        const records = await healthyRecords(watch, kills.map((k) => k.kill_id));
        const perKillMs = records.map((r) => Date.parse(r.completedAt!) - publishedAt);
        return { aloneMs, perKillMs, records };
      } finally {
        await watch.close();
      }
    });
    const engine = await engineStorm(created);
    const alone = median(medic.aloneMs);
    const storm = Math.max(...medic.perKillMs);
    const ratio = storm / alone;
    const engineRatio = engine.stormMs / engine.aloneMs;
    ctx.progress(`storm: all ${count} healthy after ${fmtS(storm)} vs ${fmtS(alone)} alone (${ratio.toFixed(2)}×); the engine alone: ${engineRatio.toFixed(2)}×`);
    return {
      name: 'storm',
      title: `Kill storm (${count} containers)`,
      result: `all ${count} healthy after ${fmtS(storm)}, one kill alone ${fmtS(alone)}: ${ratio.toFixed(2)}× (the engine itself: ${engineRatio.toFixed(2)}×)`,
      median: `${fmtS(median(medic.perKillMs))} per kill`,
      p99: fmtS(p99(medic.perKillMs)),
      target: `≤ ${TARGET_RATIO.toFixed(1)}× one kill alone`,
      holds: ratio <= TARGET_RATIO,
      method: `live agent process with resurrection.concurrency ${count} and the default health polling (every ${STORM_POLL_MS} ms); ${count} healthy medic-test-bench containers (health check every ${STORM_HEALTH_INTERVAL_MS / 1000} s, the first probe one interval after the start); one kill alone ${ALONE_ROUNDS} times (median), then all ${count} SIGKILLed together and their low-risk kills XADDed in one pipeline; each from just before publishing to its record's completedAt, the storm's figure is the last. The engine itself: the same containers killed and started directly, one alone and then all at once, until healthy (polled every ${STORM_POLL_MS} ms).`,
      data: {
        containers: count,
        concurrency: count,
        healthIntervalMs: STORM_HEALTH_INTERVAL_MS,
        aloneMs: medic.aloneMs,
        allHealthyMs: storm,
        perKillMs: medic.perKillMs,
        ratio,
        engine: { ...engine, ratio: engineRatio },
        targetRatio: TARGET_RATIO,
        records: medic.records.map((r) => ({ killId: r.killId, timeToHealthy: r.timeToHealthy })),
      },
    };
  } finally {
    await containers.removeAll();
  }
}

/** The records of these kills once all are done, each checked to have ended healthy. */
async function healthyRecords(watch: StoreWatch, killIds: readonly string[]): Promise<OutcomeRecord[]> {
  const records: OutcomeRecord[] = [];
  for (const killId of killIds) records.push(await watch.finished(killId, 120_000));
  const failed = records.filter((r) => r.outcomeType !== 'success' || r.healthStatus !== 'healthy' || !r.completedAt);
  if (failed.length > 0) throw new Error(`${failed.length} of ${records.length} storm kills did not end healthy: ${failed.map((r) => `${r.killId} ${r.originalDecision} ${r.outcomeType} ${r.errorMessage ?? ''}`).join(', ')}`);
  return records;
}

/** The engine alone: one container killed and started directly until healthy, then all of them at once. */
async function engineStorm(containers: readonly Docker.Container[]): Promise<{ aloneMs: number; stormMs: number; pollMs: number }> {
  const first = containers[0]!;
  await killContainer(first);
  let started = performance.now();
  await first.start();
  const aloneMs = (await waitHealthy(first, STORM_POLL_MS)) - started;
  await Promise.all(containers.map(killContainer));
  started = performance.now();
  const healthyAt = await Promise.all(
    containers.map(async (container) => {
      await container.start();
      return waitHealthy(container, STORM_POLL_MS);
    }),
  );
  return { aloneMs, stormMs: Math.max(...healthyAt) - started, pollMs: STORM_POLL_MS };
}
