import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommandLine, USAGE } from './cli';
import { formatSeeds, formatTable, renderSvg, toJson } from './report';
import { simulate } from './simulate';
import type { SimulationReport } from './types';

/** `pnpm simulate`: exit code 2 on a bad command line, 1 when the run fails. */
async function main(): Promise<void> {
  // Relative paths resolve against this process's working directory only; `pnpm simulate` starts it where it was typed.
  const parsed = parseCommandLine(process.argv.slice(2), process.cwd());
  if (!parsed.ok) {
    console.error(`simulate: ${parsed.error}\n${USAGE}`);
    process.exit(2);
  }
  const request = parsed.value;
  if (request.help) {
    console.log(USAGE);
    return;
  }
  const started = process.hrtime.bigint();
  let report: SimulationReport | SimulationReport[];
  if (request.seeds === null) {
    report = await simulate(request.simulation);
    console.log(formatTable(report));
  } else {
    report = [];
    for (const seed of request.seeds) {
      const dbDir = request.simulation.dbDir === undefined ? {} : { dbDir: join(request.simulation.dbDir, `seed-${seed}`) };
      report.push(await simulate({ ...request.simulation, ...dbDir, seed }));
    }
    console.log(formatSeeds(report));
  }
  writeFileSync(request.out, toJson(report));
  console.log(`\nJSON report: ${request.out}`);
  if (request.svg) {
    const first = Array.isArray(report) ? report[0] : report;
    if (first) writeFileSync(request.svg, renderSvg(first));
    console.log(`SVG chart${Array.isArray(report) ? ` (seed ${first?.parameters.seed})` : ''}: ${request.svg}`);
  }
  console.log(`simulated in ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)} s`);
}

main().catch((error: unknown) => {
  console.error(`simulate: failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
