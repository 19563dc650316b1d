// The dependency rule is enforced by `pnpm lint`: dependency-cruiser (.dependency-cruiser.cjs) for what may import what, eslint
// (eslint.config.mjs) for the core's ban on clocks, randomness, timers and the process. These tests hold the tools to it:
// both pass the repository as it is and fail on a violation.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const REPO_ROOT = join(__dirname, '..', '..', '..');
const bin = (name: string): string => join(REPO_ROOT, 'node_modules', '.bin', name);

/** Runs a tool of the workspace in `cwd`; its exit code and everything it printed. */
function run(tool: string, args: readonly string[], options: { cwd?: string; input?: string } = {}): { status: number | null; output: string } {
  const result = spawnSync(bin(tool), args, { cwd: options.cwd ?? REPO_ROOT, input: options.input, encoding: 'utf8', timeout: 120_000 });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** dependency-cruiser with the repository's rules over `files`, written into a scratch tree shaped like the repository. */
function cruise(files: Record<string, string>): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'medic-dependency-rule-'));
  try {
    for (const [path, code] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), code);
    }
    return run('depcruise', ['--config', join(REPO_ROOT, '.dependency-cruiser.cjs'), '--output-type', 'err', ...Object.keys(files)], { cwd: dir });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the dependency rule', () => {
  it('@medic/domain declares valibot as its only dependency', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'packages', 'domain', 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    expect(Object.keys(pkg['dependencies'] ?? {})).toEqual(['valibot']);
    expect(Object.keys(pkg['peerDependencies'] ?? {})).toEqual([]);
    expect(Object.keys(pkg['optionalDependencies'] ?? {})).toEqual([]);
  });

  it('holds for the repository', () => {
    const { status, output } = run('depcruise', ['--config', '.dependency-cruiser.cjs', '--output-type', 'err', 'packages', 'apps', 'bench']);
    expect([status, output]).toEqual([0, expect.stringContaining('no dependency violations found')]);
  });

  it('fails when the core imports a Node built-in or another package', () => {
    const { status, output } = cruise({
      'packages/domain/src/uses-io.ts': "import { readFileSync } from 'node:fs';\nimport Redis from 'ioredis';\nexport { readFileSync, Redis };\n",
      'packages/domain/src/pure.ts': "import * as v from 'valibot';\nimport { x } from './other';\nexport const s = v.string(x);\n",
      'packages/domain/src/other.ts': 'export const x = 1;\n',
    });
    expect(status).not.toBe(0);
    expect(output).toMatch(/domain-imports-only-valibot: packages\/domain\/src\/uses-io\.ts → (node:)?fs/);
    expect(output).toMatch(/domain-imports-only-valibot: packages\/domain\/src\/uses-io\.ts → ioredis/);
    expect(output).not.toMatch(/pure\.ts/);
  });

  it('fails when production code (the simulator too) imports test tooling, or a package imports an app', () => {
    const { status, output } = cruise({
      'apps/simulator/src/main.ts': "import { clockContract } from '@medic/testkit';\nimport fc from 'fast-check';\nexport { clockContract, fc };\n",
      'apps/simulator/src/main.test.ts': "import { clockContract } from '@medic/testkit';\nexport { clockContract };\n",
      'packages/redis/src/index.ts': "import { createAgent } from '@medic/agent';\nexport { createAgent };\n",
    });
    expect(status).not.toBe(0);
    expect(output).toMatch(/production-code-imports-no-test-tooling: apps\/simulator\/src\/main\.ts → @medic\/testkit/);
    expect(output).toMatch(/production-code-imports-no-test-tooling: apps\/simulator\/src\/main\.ts → fast-check/);
    expect(output).toMatch(/packages-import-no-app: packages\/redis\/src\/index\.ts → @medic\/agent/);
    expect(output).not.toMatch(/main\.test\.ts/);
  });

  it('keeps the core off clocks, randomness, timers and the process', () => {
    const banned = ['Date.now()', 'new Date()', 'Math.random()', 'setTimeout(() => 0, 1)', 'setInterval(() => 0, 1)', 'crypto.randomUUID()', 'process.env'];
    const fine = ['new Date(now.getTime() - 1)', 'clock.now()'];
    const code = ['declare const now: Date, clock: { now(): Date };', ...[...banned, ...fine].map((expression, i) => `export const x${i} = ${expression};`)].join('\n');
    const { status, output } = run('eslint', ['--format', 'json', '--stdin', '--stdin-filename', 'packages/domain/src/violation.ts'], { input: code });
    const [report] = JSON.parse(output) as Array<{ messages: Array<{ line: number; ruleId: string | null }> }>;
    const flagged = (report?.messages ?? []).map((m) => [...banned, ...fine][m.line - 2]);
    expect(status).toBe(1);
    expect(flagged).toEqual(banned);
  });
});
