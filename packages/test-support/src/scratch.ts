import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Eight random hex digits, to keep names of one run apart from another's. */
export const uniqueId = (): string => randomUUID().slice(0, 8);

/** A fresh directory under the system's temporary directory, and the function that removes it. */
export function scratchDir(prefix = 'medic-test-'): { readonly dir: string; readonly remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
