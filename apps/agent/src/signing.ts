import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { inspect } from 'node:util';
import { MedicError } from '@medic/domain';
import type { MacFunctions } from '@medic/domain';

/** Node's HMAC-SHA256 and constant-time comparison, for the core's signature check. */
export const NODE_MAC: MacFunctions = {
  hmacSha256: (key, message) => createHmac('sha256', key).update(message).digest(),
  equal: (a, b) => a.length === b.length && timingSafeEqual(a, b),
};

/** The variable holding the secret of key `smith` when the configuration lists no keys. */
export const DEFAULT_KEY_VARIABLE = 'MEDIC_SMITH_KEY';
export const DEFAULT_KEY_ID = 'smith';
/** HMAC-SHA256 keys shorter than its 32-byte output weaken it. */
export const MIN_SECRET_BYTES = 32;

/** A secret read from the environment or a file; it prints, inspects and serializes as [redacted]. */
export class Secret {
  readonly #bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  /** The secret itself, for the one place that uses it. */
  reveal(): Uint8Array {
    return this.#bytes;
  }

  /** The secret as UTF-8 text (a URL, a header value), for the one place that uses it. */
  revealText(): string {
    return Buffer.from(this.#bytes).toString('utf8');
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return 'Secret [redacted]';
  }
}

/**
 * The secret a variable names: the variable's text as UTF-8 bytes, or, when `<VARIABLE>_FILE` is set instead, the
 * contents of that file without one trailing newline. Throws MedicError('config_invalid') naming `key` (never the
 * value) when neither or both are set, the file cannot be read, or the secret is shorter than MIN_SECRET_BYTES.
 */
export function readSecret(key: string, variable: string, env: NodeJS.ProcessEnv, cwd: string): Secret {
  const inline = env[variable];
  const file = env[`${variable}_FILE`];
  const invalid = (reason: string) => new MedicError('config_invalid', `invalid configuration: ${key}: ${reason}`);
  if (inline !== undefined && inline !== '' && file !== undefined && file !== '') {
    throw invalid(`both ${variable} and ${variable}_FILE are set; set one`);
  }
  let text: string;
  if (file !== undefined && file !== '') {
    const path = isAbsolute(file) ? file : resolve(cwd, file);
    try {
      text = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      throw invalid(`cannot read the secret file ${path} named by ${variable}_FILE: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  } else if (inline !== undefined && inline !== '') {
    text = inline;
  } else {
    throw invalid(`the environment variable ${variable} (or ${variable}_FILE) is not set`);
  }
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length < MIN_SECRET_BYTES) {
    throw invalid(`the secret in ${file ? `${variable}_FILE` : variable} is ${bytes.length} bytes; it must be at least ${MIN_SECRET_BYTES} (e.g. openssl rand -hex 32)`);
  }
  return new Secret(new Uint8Array(bytes));
}
