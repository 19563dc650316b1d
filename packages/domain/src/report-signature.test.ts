import { createHmac, timingSafeEqual } from 'node:crypto';
import { readKillEntry } from './kill-report';
import type { KillReportRejection } from './model';
import { FLAT_SIGNING_PREFIX, MAX_CLOCK_SKEW_SECONDS, checkFreshness, checkSignature, signKillEntry, signedBytes } from './report-signature';
import type { EntryTrust, MacFunctions, SigningPolicy } from './report-signature';
import type { Result } from './result';
import { DEMO_KILL_WIRE } from './testing/fixtures';

const calls = { equal: 0 };
const MAC: MacFunctions = {
  hmacSha256: (key, message) => createHmac('sha256', key).update(message).digest(),
  equal: (a, b) => {
    calls.equal += 1;
    return a.length === b.length && timingSafeEqual(a, b);
  },
};
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const KEY_A = bytes('a'.repeat(32));
const KEY_B = bytes('b'.repeat(32));
const NOW = new Date('2026-02-11T12:01:00Z');

const policy = (overrides: Partial<SigningPolicy> = {}): SigningPolicy => ({
  required: true,
  keys: new Map([
    ['smith-1', KEY_A],
    ['smith-2', KEY_B],
  ]),
  maxReportAgeSeconds: 300,
  mac: MAC,
  ...overrides,
});
const trust = (overrides: Partial<SigningPolicy> = {}, extra: Partial<EntryTrust> = {}): EntryTrust => ({ policy: policy(overrides), now: NOW, ...extra });

const payload = (report: Record<string, unknown> = {}): string => JSON.stringify({ ...DEMO_KILL_WIRE, ...report });
const flat = (report: Record<string, unknown> = {}): Record<string, string> =>
  Object.fromEntries(Object.entries({ ...DEMO_KILL_WIRE, ...report }).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));

function rejection<T>(result: Result<T, KillReportRejection>): Pick<KillReportRejection, 'field' | 'rule'> {
  if (result.ok) throw new Error('expected a rejection');
  return { field: result.error.field, rule: result.error.rule };
}

describe('signedBytes: what a signature covers', () => {
  it('is the exact UTF-8 bytes of the payload field, or of the data field', () => {
    const text = '{"kill_id":"k-1", "note":"ü"}';
    expect(signedBytes({ payload: text, kid: 'x', sig: 'y', other: 'z' })).toEqual(bytes(text));
    expect(signedBytes({ data: text })).toEqual(bytes(text));
    // payload wins over data, as in decoding.
    expect(signedBytes({ data: 'ignored', payload: text })).toEqual(bytes(text));
  });

  it('is the prefix and name/value netstrings in code-point order for flat fields, without sig and kid', () => {
    const fields = { z: 'ü€😀', kill_id: 'demo-1', 'évidence': 'x', timestamp: '2026-02-11T12:00:00Z', severity: 'low', sig: 's', kid: 'k' };
    const expected =
      `${FLAT_SIGNING_PREFIX}7:kill_id,6:demo-1,8:severity,3:low,9:timestamp,20:2026-02-11T12:00:00Z,1:z,9:ü€😀,9:évidence,1:x,`;
    expect(new TextDecoder().decode(signedBytes(fields))).toBe(expected);
  });

  it('matches a signature computed by the README Python snippet (known answer)', () => {
    const fields = { kill_id: 'demo-1', timestamp: '2026-02-11T12:00:00Z', severity: 'low', 'évidence': 'x', z: 'ü€😀' };
    expect(signKillEntry(fields, 'k', bytes('k'.repeat(32)), MAC).sig).toBe('84c195ae8b465fab8f35f561b4633cac57c41aa76c3f0543e144d3fa7ad8bac1');
  });
});

describe('checkSignature', () => {
  it('accepts an entry signed with either of two valid keys, in each framing', () => {
    for (const [kid, key] of [
      ['smith-1', KEY_A],
      ['smith-2', KEY_B],
    ] as const) {
      expect(checkSignature(signKillEntry({ payload: payload() }, kid, key, MAC), policy())).toEqual({ ok: true, value: true });
      expect(checkSignature(signKillEntry({ data: payload() }, kid, key, MAC), policy())).toEqual({ ok: true, value: true });
      expect(checkSignature(signKillEntry(flat(), kid, key, MAC), policy())).toEqual({ ok: true, value: true });
    }
  });

  it('compares through the constant-time function it was handed', () => {
    const before = calls.equal;
    checkSignature(signKillEntry({ payload: payload() }, 'smith-1', KEY_A, MAC), policy());
    expect(calls.equal).toBe(before + 1);
  });

  it('accepts the signature in upper-case hex', () => {
    const signed = signKillEntry({ payload: payload() }, 'smith-1', KEY_A, MAC);
    expect(checkSignature({ ...signed, sig: signed.sig!.toUpperCase() }, policy()).ok).toBe(true);
  });

  it('refuses an unsigned entry when signing is required, naming sig', () => {
    expect(rejection(checkSignature({ payload: payload() }, policy()))).toEqual({ field: 'sig', rule: 'bad_signature' });
  });

  it('lets an unsigned entry through when signing is not required', () => {
    expect(checkSignature({ payload: payload() }, policy({ required: false }))).toEqual({ ok: true, value: false });
  });

  it('ignores sig and kid when signing is neither required nor configured', () => {
    expect(checkSignature({ payload: payload(), kid: 'who', sig: 'what' }, policy({ required: false, keys: new Map() }))).toEqual({ ok: true, value: false });
  });

  it('still refuses a wrong signature when keys are configured but signing is not required', () => {
    const signed = signKillEntry({ payload: payload() }, 'smith-1', KEY_B, MAC);
    expect(rejection(checkSignature(signed, policy({ required: false })))).toEqual({ field: 'sig', rule: 'bad_signature' });
  });

  it.each([
    ['an unknown key id', (s: Record<string, string>) => ({ ...s, kid: 'smith-9' }), 'kid'],
    ['a key id outside its charset', (s: Record<string, string>) => ({ ...s, kid: 'smith\u202e1' }), 'kid'],
    ['a missing key id', ({ kid: _kid, ...s }: Record<string, string>) => s, 'kid'],
    ['a missing signature', ({ sig: _sig, ...s }: Record<string, string>) => s, 'sig'],
    ['a signature that is not 64 hex digits', (s: Record<string, string>) => ({ ...s, sig: 'zz' }), 'sig'],
    ['a signature made with the other key', (s: Record<string, string>) => ({ ...s, kid: 'smith-2' }), 'sig'],
    ['a changed payload', (s: Record<string, string>) => ({ ...s, payload: payload({ severity: 'info' }) }), 'sig'],
    ['a payload with one more space', (s: Record<string, string>) => ({ ...s, payload: `${s.payload} ` }), 'sig'],
    ['a payload moved to data beside a new payload', (s: Record<string, string>) => ({ ...s, data: s.payload!, payload: payload({ severity: 'info' }) }), 'sig'],
  ])('refuses %s with bad_signature naming %s', (_, tamper, field) => {
    const signed = signKillEntry({ payload: payload() }, 'smith-1', KEY_A, MAC);
    expect(rejection(checkSignature(tamper(signed), policy()))).toEqual({ field, rule: 'bad_signature' });
  });

  it.each([
    ['a changed value', (s: Record<string, string>) => ({ ...s, severity: 'info' })],
    ['an added field', (s: Record<string, string>) => ({ ...s, evidence: '["x"]' })],
    ['a removed field', ({ dependencies: _d, ...s }: Record<string, string>) => s],
    ['an added payload field', (s: Record<string, string>) => ({ ...s, payload: payload() })],
    ['a value split across two fields', (s: Record<string, string>) => ({ ...s, source_agent: 'smi', source_agentx: 'th' })],
  ])('refuses a flat entry with %s', (_, tamper) => {
    const signed = signKillEntry(flat(), 'smith-1', KEY_A, MAC);
    expect(rejection(checkSignature(tamper(signed), policy()))).toEqual({ field: 'sig', rule: 'bad_signature' });
  });

  it('never echoes the presented signature', () => {
    const signed = signKillEntry({ payload: payload() }, 'smith-1', KEY_A, MAC);
    const result = checkSignature({ ...signed, kid: 'smith-2' }, policy());
    expect(result.ok ? '' : result.error.message).not.toContain(signed.sig);
  });
});

describe('checkFreshness', () => {
  const at = (secondsFromNow: number): string => new Date(NOW.getTime() + secondsFromNow * 1000).toISOString();

  it('accepts a report exactly max_report_age_seconds old and refuses one a second older as stale_report', () => {
    expect(checkFreshness(at(-300), trust()).ok).toBe(true);
    expect(rejection(checkFreshness(at(-301), trust()))).toEqual({ field: 'timestamp', rule: 'stale_report' });
  });

  it(`allows ${MAX_CLOCK_SKEW_SECONDS} s of clock skew into the future and no more`, () => {
    expect(checkFreshness(at(MAX_CLOCK_SKEW_SECONDS), trust()).ok).toBe(true);
    expect(rejection(checkFreshness(at(MAX_CLOCK_SKEW_SECONDS + 1), trust()))).toEqual({ field: 'timestamp', rule: 'stale_report' });
  });

  it('counts the age to when the broker accepted the entry, so a backlog read late is still fresh', () => {
    expect(checkFreshness(at(-3600), trust({}, { enqueuedAt: at(-3590) })).ok).toBe(true);
    expect(rejection(checkFreshness(at(-3600), trust({}, { enqueuedAt: at(-3000) })))).toEqual({ field: 'timestamp', rule: 'stale_report' });
  });

  it('never counts from a broker time later than now (an entry id chosen in the future)', () => {
    expect(rejection(checkFreshness(at(-3600), trust({}, { enqueuedAt: at(86_400) })))).toEqual({ field: 'timestamp', rule: 'stale_report' });
  });
});

describe('readKillEntry with a signing policy', () => {
  const fresh = (report: Record<string, unknown> = {}) => payload({ timestamp: '2026-02-11T12:00:30Z', ...report });

  it('reads a signed, fresh report', () => {
    const result = readKillEntry(signKillEntry({ payload: fresh() }, 'smith-1', KEY_A, MAC), trust());
    expect(result.ok && result.value.killId).toBe('demo-1');
  });

  it('checks the signature before the wire format, and the wire format of a signed entry', () => {
    expect(rejection(readKillEntry({ payload: fresh({ severity: 'apocalyptic' }) }, trust()))).toEqual({ field: 'sig', rule: 'bad_signature' });
    expect(rejection(readKillEntry(signKillEntry({ payload: fresh({ severity: 'apocalyptic' }) }, 'smith-1', KEY_A, MAC), trust()))).toEqual({
      field: 'severity',
      rule: 'enum',
    });
    expect(rejection(readKillEntry(signKillEntry({ payload: '{not json' }, 'smith-1', KEY_A, MAC), trust()))).toEqual({ field: 'payload', rule: 'json' });
  });

  it('checks the size first', () => {
    const huge = signKillEntry({ payload: fresh({ metadata: { blob: 'x'.repeat(70_000) } }) }, 'smith-1', KEY_A, MAC);
    expect(rejection(readKillEntry(huge, trust()))).toEqual({ field: 'entry', rule: 'max_size' });
  });

  it('refuses a signed report that is stale', () => {
    const old = signKillEntry({ payload: payload({ timestamp: '2026-02-11T11:00:00Z' }) }, 'smith-1', KEY_A, MAC);
    expect(rejection(readKillEntry(old, trust()))).toEqual({ field: 'timestamp', rule: 'stale_report' });
  });

  it('does not age-check an unsigned report when signing is not required (the plan demo keeps its fixed timestamp)', () => {
    const result = readKillEntry({ payload: payload({ timestamp: '2020-01-01T00:00:00Z' }) }, trust({ required: false }));
    expect(result.ok).toBe(true);
  });
});
