import { parseArgs } from 'node:util';
import { MedicError } from '@medic/domain';
import { createAgent } from './agent';
import { loadConfig } from './config';
import type { AgentConfig } from './config';

const USAGE = 'usage: pnpm agent [--config FILE] [--mode observer|live]';
/** A second SIGTERM/SIGINT later than this after the first forces the exit. */
const RELAYED_SIGNAL_WINDOW_MS = 1000;

/** Starts the agent; exit code 2 on a bad command line or configuration, 1 on a start-up failure. */
async function main(): Promise<void> {
  let config: AgentConfig;
  try {
    const { values } = parseArgs({
      args: process.argv.slice(2),
      options: { config: { type: 'string' }, mode: { type: 'string' }, help: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      console.log(USAGE);
      return;
    }
    // Relative paths resolve against this process's working directory and nothing else: an inherited INIT_CWD
    // could name another command's directory. `pnpm agent` starts the agent in the directory it was typed in.
    config = loadConfig({ path: values.config, mode: values.mode, cwd: process.cwd() });
  } catch (error) {
    const reason = error instanceof MedicError ? error.message : `invalid command line: ${(error as Error).message}\n${USAGE}`;
    console.error(`medic: ${reason}`);
    process.exit(2);
  }

  const agent = await createAgent({ config });
  let stoppingSince: number | undefined;
  const shutdown = (signal: string) => {
    if (stoppingSince !== undefined) {
      // pnpm passes on the signal its process group already delivered here: a repeat this soon is the same request.
      if (Date.now() - stoppingSince < RELAYED_SIGNAL_WINDOW_MS) return;
      console.error(`medic: second ${signal}, exiting now`);
      process.exit(1);
    }
    stoppingSince = Date.now();
    agent.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`medic: shutdown failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  await agent.start();
}

main().catch((error: unknown) => {
  console.error(`medic: failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
