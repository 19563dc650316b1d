import { parseArgs } from 'node:util';
import { MedicError } from '@medic/domain';
import { createAgent } from './agent';
import type { Agent } from './agent-runtime';
import { formatResults, runChecks } from './check';
import { loadConfig } from './config';
import type { AgentConfig } from './config';

const USAGE = 'usage: pnpm agent [--config FILE] [--mode observer|live] [--check]';
/** A second SIGTERM/SIGINT later than this after the first forces the exit. */
const RELAYED_SIGNAL_WINDOW_MS = 1000;

/**
 * Starts the agent; exit code 2 on a bad command line or configuration, 1 on a start-up failure. With --check it checks
 * the configuration and every dependency instead, one line each, and exits 0 when all hold, 1 when one does not.
 */
async function main(): Promise<void> {
  let config: AgentConfig;
  let check = false;
  try {
    const { values } = parseArgs({
      args: process.argv.slice(2),
      options: { config: { type: 'string' }, mode: { type: 'string' }, check: { type: 'boolean' }, help: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      console.log(USAGE);
      return;
    }
    check = values.check ?? false;
    // Relative paths resolve against this process's working directory and nothing else: an inherited INIT_CWD
    // could name another command's directory. `pnpm agent` starts the agent in the directory it was typed in.
    config = loadConfig({ path: values.config, mode: values.mode, cwd: process.cwd() });
  } catch (error) {
    const reason = error instanceof MedicError ? error.message : `invalid command line: ${(error as Error).message}\n${USAGE}`;
    if (check && error instanceof MedicError) console.log(`FAILED  configuration: ${reason}`);
    console.error(`medic: ${reason}`);
    process.exit(2);
  }

  if (check) {
    const results = await runChecks(config);
    for (const line of formatResults(results)) console.log(line);
    const failed = results.filter((r) => r.status === 'FAILED');
    console.log(failed.length === 0 ? `medic: check passed (${results.length} checks)` : `medic: check failed: ${failed.map((r) => r.subject).join('; ')}`);
    process.exit(failed.length === 0 ? 0 : 1);
  }

  // The handlers come before createAgent: a stop requested while it opens the store and connects is honoured once it
  // has, so a service manager stopping Medic during start-up still sees exit 0.
  let agent: Agent | undefined = undefined;
  let stoppingSince: number | undefined;
  const stop = (running: Agent) =>
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`medic: shutdown failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  const shutdown = (signal: string) => {
    if (stoppingSince !== undefined) {
      // pnpm passes on the signal its process group already delivered here: a repeat this soon is the same request.
      if (Date.now() - stoppingSince < RELAYED_SIGNAL_WINDOW_MS) return;
      console.error(`medic: second ${signal}, exiting now`);
      process.exit(1);
    }
    stoppingSince = Date.now();
    if (agent) void stop(agent);
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  agent = await createAgent({ config });
  if (stoppingSince !== undefined) return void stop(agent);
  await agent.start();
}

main().catch((error: unknown) => {
  console.error(`medic: failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
