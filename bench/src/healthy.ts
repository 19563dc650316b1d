import { performance } from 'node:perf_hooks';
import { withAgent } from './agent-process';
import { BenchContainers, HEALTH_INTERVAL_MS, POLL_INTERVAL_MS, killContainer, waitHealthy } from './containers';
import type { BenchContext } from './context';
import { scaled } from './context';
import { publish } from '@medic/test-support';
import { lowRiskKill, payloadOf } from './kills';
import { liveAgent } from './live-agent';
import type { BenchRow } from './report';
import { fmtS } from './report';
import { median, p99 } from './stats';
import { StoreWatch } from './store-watch';

const ROUNDS = 20;
const TARGET_RATIO = 1.05;

/**
 * Time to healthy: one healthy container killed and published ROUNDS times; each round also measures the bare floor
 * (the same container killed, started directly and polled the same way), interleaved so drift hits both alike.
 */
export async function healthyBench(ctx: BenchContext): Promise<BenchRow> {
  const docker = ctx.docker;
  if (!docker) throw new Error('the healthy benchmark needs Docker');
  const rounds = scaled(ctx, ROUNDS, 3);
  const stream = `medic-bench:${ctx.runId}:healthy`;
  ctx.streams.push(stream);
  const containers = new BenchContainers(docker);
  const name = `medic-test-bench-${ctx.runId}-healthy`;
  try {
    const [container] = await containers.create([name]);
    if (!container) throw new Error(`${name} was not created`);
    return await withAgent(ctx.redis, liveAgent(stream, ctx.logLevel), async (agent) => {
      const watch = await StoreWatch.open(agent.databasePath);
      try {
        const medicMs: number[] = [];
        const floorMs: number[] = [];
        for (let round = 1; round <= rounds; round++) {
          await killContainer(container);
          const killId = `healthy-${ctx.runId}-${round}`;
          const publishedAt = Date.now();
          await publish(ctx.redis, stream, payloadOf(lowRiskKill(killId, 'bench-healthy', name)));
          const record = await watch.finished(killId);
          if (record.outcomeType !== 'success' || record.healthStatus !== 'healthy' || !record.completedAt) {
            throw new Error(`round ${round}: Medic did not bring ${name} back healthy: ${record.originalDecision} ${record.outcomeType} ${record.errorMessage ?? ''}`);
          }
          medicMs.push(Date.parse(record.completedAt) - publishedAt);

          await killContainer(container);
          const startedAt = performance.now();
          await container.start();
          floorMs.push((await waitHealthy(container)) - startedAt);
          ctx.progress(`healthy round ${round}/${rounds}: Medic ${fmtS(medicMs.at(-1)!)}, floor ${fmtS(floorMs.at(-1)!)}`);
        }
        const medic = median(medicMs);
        const floor = median(floorMs);
        const ratio = medic / floor;
        return {
          name: 'healthy',
          title: 'Time to healthy (live)',
          result: `Medic ${fmtS(medic)} vs bare floor ${fmtS(floor)}: ${ratio.toFixed(2)}×`,
          median: `${fmtS(medic)} (floor ${fmtS(floor)})`,
          p99: `${fmtS(p99(medicMs))} (floor ${fmtS(p99(floorMs))})`,
          target: `≤ ${TARGET_RATIO.toFixed(2)}× floor (median)`,
          holds: ratio <= TARGET_RATIO,
          method: `live agent process, auto-approve on; one medic-test-bench container (health check every ${HEALTH_INTERVAL_MS} ms) SIGKILLed and its low-risk kill published, ${rounds} times; Medic = from just before XADD to the completedAt of its record (agent clock, ms); floor = the same container killed, started through the engine and inspected every ${POLL_INTERVAL_MS} ms (the agent's health_check_interval) until a probe of the new run passed; rounds interleaved.`,
          data: { rounds, medicMs, floorMs, medianMedicMs: medic, medianFloorMs: floor, ratio, healthIntervalMs: HEALTH_INTERVAL_MS, pollIntervalMs: POLL_INTERVAL_MS, targetRatio: TARGET_RATIO },
        };
      } finally {
        await watch.close();
      }
    });
  } finally {
    await containers.removeAll();
  }
}
