/* eslint-disable no-restricted-imports -- this test reads the package's own files from disk to enforce the rule (ARCHITECTURE.md, Dependency rule) */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
/* eslint-enable no-restricted-imports */

const PACKAGE_DIR = join(__dirname, '..');
const ALLOWED_PACKAGES = ['valibot'];
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Clock, randomness, timers and the process are handed to the core through ports, never reached for. */
const FORBIDDEN = [
  { pattern: /\bDate\.now\(/, what: 'Date.now(' },
  { pattern: /\bnew Date\(\s*\)/, what: 'new Date()' },
  { pattern: /\bMath\.random\(/, what: 'Math.random(' },
  { pattern: /\bsetTimeout\(/, what: 'setTimeout(' },
  { pattern: /\bsetInterval\(/, what: 'setInterval(' },
  { pattern: /\bsetImmediate\(/, what: 'setImmediate(' },
  { pattern: /\bprocess\./, what: 'process.' },
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

function stripComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:\\'"`])\/\/.*$/gm, '$1');
}

/** Module specifiers of static imports, re-exports, dynamic imports and requires. */
function specifiers(code: string): string[] {
  const found: string[] = [];
  const patterns = [/\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]/g, /\brequire\s*\(\s*['"]([^'"]+)['"]/g];
  for (const pattern of patterns) for (const m of code.matchAll(pattern)) if (m[1]) found.push(m[1]);
  return found;
}

function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** Everything in one file's code that breaks the dependency rule. */
function violations(code: string): string[] {
  const bare = stripComments(code);
  const problems: string[] = [];
  for (const s of specifiers(bare)) {
    if (s.startsWith('./') || s.startsWith('../')) continue;
    if (BUILTINS.has(s) || BUILTINS.has(packageOf(s))) problems.push(`imports the Node built-in ${s}`);
    else if (!ALLOWED_PACKAGES.includes(packageOf(s))) problems.push(`imports the package ${s}`);
  }
  for (const { pattern, what } of FORBIDDEN) if (pattern.test(bare)) problems.push(`uses ${what}`);
  return problems;
}

describe('dependency rule of @medic/domain (ARCHITECTURE.md, Dependency rule)', () => {
  it('depends on valibot and nothing else', () => {
    const pkg = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    expect(Object.keys(pkg['dependencies'] ?? {})).toEqual(['valibot']);
    expect(Object.keys(pkg['peerDependencies'] ?? {})).toEqual([]);
    expect(Object.keys(pkg['optionalDependencies'] ?? {})).toEqual([]);
  });

  it('has no source file (testing/ included) that imports Node or another package, or reaches for time, randomness or the process', () => {
    const files = sourceFiles(join(PACKAGE_DIR, 'src'));
    expect(files.length).toBeGreaterThan(10);
    expect(files.map((f) => relative(PACKAGE_DIR, f))).toEqual(expect.arrayContaining(['src/ports.ts', 'src/testing/manual-clock.ts', 'src/use-cases/handle-delivery.ts']));
    const broken = files.flatMap((f) => violations(readFileSync(f, 'utf8')).map((p) => `${relative(PACKAGE_DIR, f)} ${p}`));
    expect(broken).toEqual([]);
  });

  it('catches each kind of violation (the scanner itself works)', () => {
    const bad = [
      "import { readFileSync } from 'fs';",
      "import type { Socket } from 'node:net';",
      "export * from 'node:path/posix';",
      "const Redis = require('ioredis');",
      "import '@elastic/elasticsearch';",
      "const x = await import('dockerode');",
      'const t = Date.now();',
      'const d = new Date();',
      'const r = Math.random();',
      'setTimeout(() => {}, 1);',
      'setInterval(() => {}, 1);',
      'const env = process.env;',
    ];
    for (const line of bad) expect([line, violations(line).length]).toEqual([line, 1]);
    const fine = [
      "import * as v from 'valibot';",
      "import { ok } from './result';",
      "export type { Clock } from '../ports';",
      "const d = new Date(clock.now().getTime() - 1);",
      '// Date.now() is never called here; process.env neither',
      '/* setTimeout( */ const a = 1;',
    ];
    for (const line of fine) expect([line, violations(line)]).toEqual([line, []]);
  });
});
