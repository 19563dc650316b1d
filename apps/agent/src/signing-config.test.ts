import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { configMessage } from '../test/config-error';
import { buildConfig, loadConfig } from './config';

const SECRET = 'f3a1c9e07b2d48d6a5e1f0c3b7a9d2e4f6a8c0e2b4d6f8a0c2e4a6b8d0f2a4c6';
const NEXT = '0123456789abcdef0123456789abcdef0123456789abcdef';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'medic-signing-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const build = (raw: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) => buildConfig(raw, { env, cwd: dir, file: null });
const signing = (section: Record<string, unknown>) => ({ smith: { signing: section } });

const revealed = (config: ReturnType<typeof build>) => new Map([...config.signing.keys].map(([id, secret]) => [id, Buffer.from(secret.reveal()).toString()]));

describe('smith.signing configuration', () => {
  it('is off by default: not required, no keys, reports at most 300 s old', () => {
    expect(build({}).signing).toEqual({ required: false, keys: new Map(), maxReportAgeSeconds: 300 });
  });

  it('takes key "smith" from MEDIC_SMITH_KEY when no keys are listed', () => {
    const config = build(signing({ required: true }), { MEDIC_SMITH_KEY: SECRET });
    expect(config.signing.required).toBe(true);
    expect(revealed(config)).toEqual(new Map([['smith', SECRET]]));
  });

  it('reads each listed key from the variable it names, or from the file its _FILE variant names (one trailing newline dropped)', () => {
    const file = join(dir, 'next.key');
    writeFileSync(file, `${NEXT}\n`);
    const config = build(signing({ keys: { 'smith-2026-01': 'SMITH_KEY_OLD', 'smith-2026-07': 'SMITH_KEY_NEW' } }), {
      SMITH_KEY_OLD: SECRET,
      SMITH_KEY_NEW_FILE: 'next.key',
    });
    expect(revealed(config)).toEqual(
      new Map([
        ['smith-2026-01', SECRET],
        ['smith-2026-07', NEXT],
      ]),
    );
  });

  it('never shows a secret when the configuration is printed, inspected or serialized', () => {
    const config = build(signing({ required: true }), { MEDIC_SMITH_KEY: SECRET });
    expect(JSON.stringify(config)).not.toContain(SECRET);
    expect(inspect(config, { depth: 10 })).not.toContain(SECRET);
    expect(String(config.signing.keys.get('smith'))).toBe('[redacted]');
  });

  it('refuses a secret written into the file itself, naming the key', () => {
    const message = configMessage(() => build(signing({ keys: { smith: SECRET } })));
    expect(message).toContain('smith.signing.keys.smith');
    expect(message).toContain('environment variable');
  });

  it('stops start-up when a listed key has no secret, naming the key and the variables', () => {
    const message = configMessage(() => build(signing({ keys: { 'smith-2': 'SMITH_KEY_TWO' } })));
    expect(message).toContain('smith.signing.keys.smith-2');
    expect(message).toContain('SMITH_KEY_TWO (or SMITH_KEY_TWO_FILE) is not set');
  });

  it('refuses a secret shorter than 32 bytes without showing it', () => {
    const message = configMessage(() => build(signing({ required: true }), { MEDIC_SMITH_KEY: 'short-secret' }));
    expect(message).toContain('at least 32');
    expect(message).not.toContain('short-secret');
  });

  it('refuses both a variable and its _FILE variant', () => {
    expect(configMessage(() => build({}, { MEDIC_SMITH_KEY: SECRET, MEDIC_SMITH_KEY_FILE: '/nowhere' }))).toContain('set one');
  });

  it('names an unreadable secret file', () => {
    expect(configMessage(() => build({}, { MEDIC_SMITH_KEY_FILE: join(dir, 'missing.key') }))).toContain('missing.key');
  });

  it('refuses required signing without a key', () => {
    expect(configMessage(() => build(signing({ required: true })))).toContain('smith.signing.required');
  });

  it('validates the key ids and the maximum age', () => {
    expect(configMessage(() => build(signing({ keys: { 'bad id': 'MEDIC_SMITH_KEY' } }), { MEDIC_SMITH_KEY: SECRET }))).toContain('smith.signing.keys');
    expect(configMessage(() => build(signing({ max_report_age_seconds: 0 })))).toContain('smith.signing.max_report_age_seconds');
    expect(configMessage(() => build(signing({ requird: true })))).toContain('smith.signing.requird');
  });
});

describe('config/compose.yaml', () => {
  const composeYaml = join(__dirname, '..', '..', '..', 'config', 'compose.yaml');

  it('requires signed reports and verifies kills against the engine', () => {
    const config = loadConfig({ path: composeYaml, env: { MEDIC_SMITH_KEY: SECRET }, cwd: dir });
    expect(config.signing.required).toBe(true);
    expect([...config.signing.keys.keys()]).toEqual(['smith']);
    expect(config.docker).toMatchObject({ verifyKill: true, requireLabel: true, killWindowMs: 60_000 });
  });

  it('stops start-up without MEDIC_SMITH_KEY', () => {
    expect(configMessage(() => loadConfig({ path: composeYaml, env: {}, cwd: dir }))).toContain('MEDIC_SMITH_KEY');
  });
});

describe('resurrection.verify_kill configuration', () => {
  it('is off by default with a 60 s kill window', () => {
    expect(build({}).docker).toMatchObject({ verifyKill: false, killWindowMs: 60_000 });
  });

  it('reads verify_kill and kill_window_seconds', () => {
    expect(build({ resurrection: { verify_kill: true, kill_window_seconds: 5 } }).docker).toMatchObject({ verifyKill: true, killWindowMs: 5_000 });
    expect(configMessage(() => build({ resurrection: { kill_window_seconds: -1 } }))).toContain('resurrection.kill_window_seconds');
  });
});

describe('MEDIC_API_TOKEN', () => {
  it('must be a bearer token (token68), and the refusal never shows it', () => {
    expect(build({}, { MEDIC_API_TOKEN: 'abc-DEF_012.~+/==' }).api.token).toBe('abc-DEF_012.~+/==');
    const message = configMessage(() => build({}, { MEDIC_API_TOKEN: 'has space!' }));
    expect(message).toContain('MEDIC_API_TOKEN');
    expect(message).not.toContain('has space!');
  });
});
