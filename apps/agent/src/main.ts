import { parseArgs } from 'node:util';
import { MedicError } from '@medic/domain';
import { createAgent } from './agent';
import { loadConfig } from './config';
import type { AgentConfig } from './config';

const USAGE = 'usage: pnpm agent [--config FILE] [--mode observer|live]';

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
    // pnpm runs scripts from the package directory; INIT_CWD is where the user typed the command.
    config = loadConfig({ path: values.config, mode: values.mode, cwd: process.env.INIT_CWD ?? process.cwd() });
  } catch (error) {
    const reason = error instanceof MedicError ? error.message : `invalid command line: ${(error as Error).message}\n${USAGE}`;
    console.error(`medic: ${reason}`);
    process.exit(2);
  }

  const agent = await createAgent({ config });
  let signals = 0;
  const shutdown = (signal: string) => {
    signals += 1;
    if (signals > 1) {
      console.error(`medic: second ${signal}, exiting now`);
      process.exit(1);
    }
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
