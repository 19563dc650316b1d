import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { KEY_ID_FIELD, MedicError, SIGNATURE_FIELD, signKillEntry } from '@medic/domain';
import { DEFAULT_KEY_ID, DEFAULT_KEY_VARIABLE, NODE_MAC, readSecret } from './signing';

const USAGE = `usage: pnpm -s sign-report [--kid ID] [--field payload|data] [PAYLOAD]
Signs a kill report's JSON (PAYLOAD, or standard input without its trailing newline) with the secret in
${DEFAULT_KEY_VARIABLE} (or the file named by ${DEFAULT_KEY_VARIABLE}_FILE) and prints the fields to add to the entry:
  kid <ID> sig <HMAC-SHA256 hex>
e.g. redis-cli XADD smith.events.kill_notifications '*' payload "$PAYLOAD" $(pnpm -s sign-report "$PAYLOAD")`;

/** Prints `kid <id> sig <hex>` for one payload; exit 2 on a bad command line, payload or secret. */
function main(): void {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    options: { kid: { type: 'string', default: DEFAULT_KEY_ID }, field: { type: 'string', default: 'payload' }, help: { type: 'boolean' } },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (positionals.length > 1) throw new MedicError('usage', `one PAYLOAD at most (got ${positionals.length}); quote it`);
  if (values.field !== 'payload' && values.field !== 'data') throw new MedicError('usage', `--field must be payload or data (got ${values.field})`);
  const payload = positionals[0] ?? readFileSync(0, 'utf8').replace(/\r?\n$/, '');
  let report: unknown;
  try {
    report = JSON.parse(payload);
  } catch {
    throw new MedicError('usage', 'the payload is not JSON; pass the report exactly as it goes into the entry');
  }
  warnIfStale(report);
  const secret = readSecret('signing key', DEFAULT_KEY_VARIABLE, process.env, process.cwd());
  const signed = signKillEntry({ [values.field]: payload }, values.kid, secret.reveal(), NODE_MAC);
  console.log(`${KEY_ID_FIELD} ${signed[KEY_ID_FIELD]} ${SIGNATURE_FIELD} ${signed[SIGNATURE_FIELD]}`);
}

/** A report's timestamp is part of what is signed; an old one will be refused as stale_report, so say so now. */
function warnIfStale(report: unknown): void {
  const timestamp = typeof report === 'object' && report !== null ? (report as { timestamp?: unknown }).timestamp : undefined;
  const age = typeof timestamp === 'string' ? (Date.now() - Date.parse(timestamp)) / 1000 : Number.NaN;
  if (age > 300) console.error(`sign-report: note: the report's timestamp is ${Math.round(age)} s old; Medic refuses signed reports older than smith.signing.max_report_age_seconds (default 300) as stale_report`);
}

try {
  main();
} catch (error) {
  console.error(`sign-report: ${error instanceof Error ? error.message : String(error)}`);
  if (error instanceof MedicError && error.code === 'usage') console.error(USAGE);
  process.exit(2);
}
