import fc from 'fast-check';
import { MAX_ENTRY_BYTES, decodeKillEntry, killIdHint, parseKillReport, readKillEntry } from './kill-report';
import type { KillReport, KillReportRejection } from './model';
import type { Result } from './result';
import { DEMO_KILL_REPORT, DEMO_KILL_WIRE } from './testing/fixtures';

const WIRE = DEMO_KILL_WIRE;

const EXPECTED: KillReport = DEMO_KILL_REPORT;

const withField = (field: string, value: unknown): Record<string, unknown> => ({ ...WIRE, [field]: value });
const without = (field: string): Record<string, unknown> => Object.fromEntries(Object.entries(WIRE).filter(([key]) => key !== field));

function rejectionOf<T>(result: Result<T, KillReportRejection>): KillReportRejection {
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.value)}`);
  return result.error;
}

function valueOf<T>(result: Result<T, KillReportRejection>): T {
  if (!result.ok) throw new Error(`expected success, got ${result.error.message}`);
  return result.value;
}

function expectRejected(input: unknown, field: string, rule: string): KillReportRejection {
  const rejection = rejectionOf(parseKillReport(input));
  expect({ field: rejection.field, rule: rejection.rule }).toEqual({ field, rule });
  expect(rejection.message.startsWith(`${field}: `)).toBe(true);
  return rejection;
}

/** A metadata object nested `depth` levels deep (the object itself is level 1). */
function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 1 };
  for (let level = 1; level < depth; level++) value = { child: value };
  return value;
}

describe('parseKillReport', () => {
  it('maps the reboot plan demo report to camelCase with defaults', () => {
    expect(valueOf(parseKillReport(WIRE))).toEqual(EXPECTED);
    expect(valueOf(parseKillReport(without('evidence'))).evidence).toEqual([]);
    expect(valueOf(parseKillReport(without('dependencies'))).dependencies).toEqual([]);
  });

  it('ignores unknown fields', () => {
    expect(valueOf(parseKillReport({ ...WIRE, extra: 'x', nested: { a: 1 } }))).toEqual(EXPECTED);
  });

  it('keeps metadata', () => {
    expect(valueOf(parseKillReport(withField('metadata', { node: 'n1', tags: ['a'] }))).metadata).toEqual({ node: 'n1', tags: ['a'] });
  });

  it('rejects a report that is not an object', () => {
    expectRejected(null, 'entry', 'type');
    expectRejected([WIRE], 'entry', 'type');
    expectRejected('{}', 'entry', 'type');
  });

  it.each(['kill_id', 'timestamp', 'target_module', 'target_instance_id', 'kill_reason', 'severity', 'confidence_score', 'source_agent'])(
    'requires %s',
    (field) => {
      const rejection = expectRejected(without(field), field, 'required');
      expect(rejection.message).toBe(`${field}: is required`);
    },
  );

  describe('kill_id', () => {
    it('accepts lengths 1 and 128 and the whole charset', () => {
      expect(valueOf(parseKillReport(withField('kill_id', 'a'))).killId).toBe('a');
      expect(valueOf(parseKillReport(withField('kill_id', 'k'.repeat(128)))).killId).toHaveLength(128);
      expect(valueOf(parseKillReport(withField('kill_id', 'Az09._:-'))).killId).toBe('Az09._:-');
    });
    it('rejects lengths 0 and 129', () => {
      expectRejected(withField('kill_id', ''), 'kill_id', 'min_length');
      expectRejected(withField('kill_id', 'k'.repeat(129)), 'kill_id', 'max_length');
    });
    it.each(['a b', 'a/b', 'x;rm -rf /', 'id\n'])('rejects %j', (id) => {
      expectRejected(withField('kill_id', id), 'kill_id', 'pattern');
    });
    it('rejects a number', () => {
      expectRejected(withField('kill_id', 42), 'kill_id', 'type');
    });
  });

  describe('timestamp', () => {
    it.each(['2026-02-11T12:00:00Z', '2026-02-11T12:00:00.123456Z', '2026-02-11T12:00:00+01:00', '2026-02-11T12:00-05:30', '2024-02-29T00:00:00Z'])(
      'accepts %s',
      (timestamp) => {
        expect(valueOf(parseKillReport(withField('timestamp', timestamp))).timestamp).toBe(timestamp);
      },
    );
    it.each([
      '2026-02-11T12:00:00',
      '2026-02-11 12:00:00Z',
      '2026-02-11',
      '2026-02-30T12:00:00Z',
      '2025-02-29T12:00:00Z',
      '2026-13-01T12:00:00Z',
      '2026-02-11T24:00:00Z',
      '2026-02-11T12:60:00Z',
      '2026-02-11T12:00:00+0100',
      'yesterday',
    ])('rejects %s', (timestamp) => {
      expectRejected(withField('timestamp', timestamp), 'timestamp', 'timestamp');
    });
    it('rejects a number', () => {
      expectRejected(withField('timestamp', 1770811200000), 'timestamp', 'type');
    });
  });

  describe.each([
    ['target_module', 'targetModule'],
    ['target_instance_id', 'targetInstanceId'],
  ] as const)('%s', (field, key) => {
    it.each(['a', `a${'b'.repeat(127)}`, 'web_1.prod-a', '0.9'])('accepts %j', (name) => {
      expect(valueOf(parseKillReport(withField(field, name)))[key]).toBe(name);
    });
    it('rejects lengths 0 and 129', () => {
      expectRejected(withField(field, ''), field, 'min_length');
      expectRejected(withField(field, 'a'.repeat(129)), field, 'max_length');
    });
    it.each(['../etc', 'a/b', 'x;rm -rf /', '..', 'a..b', '.hidden', '-flag', 'a\nb', 'a\u0000b', 'nginx test', 'ä'])('rejects %j', (name) => {
      expectRejected(withField(field, name), field, 'pattern');
    });
    it('names the rule and echoes the bad value in the message', () => {
      const rejection = expectRejected(withField(field, '../etc'), field, 'pattern');
      expect(rejection.message).toBe(`${field}: must match [a-zA-Z0-9][a-zA-Z0-9_.-]* without '..' (got "../etc")`);
    });
  });

  it('truncates echoed values', () => {
    const rejection = expectRejected(withField('target_module', `/${'x'.repeat(5000)}`), 'target_module', 'max_length');
    expect(rejection.message.length).toBeLessThan(200);
    const pattern = expectRejected(withField('target_module', `/${'x'.repeat(100)}`), 'target_module', 'pattern');
    expect(pattern.message).toContain('…');
    expect(pattern.message.length).toBeLessThan(200);
  });

  it.each([
    ['kill_reason', 'killed_by_cosmic_ray'],
    ['kill_reason', 'THREAT_DETECTED'],
    ['kill_reason', 3],
    ['severity', 'urgent'],
    ['severity', ''],
  ])('rejects %s %j as enum', (field, value) => {
    expectRejected(withField(field, value), field, 'enum');
  });

  it('accepts every kill reason and severity', () => {
    for (const reason of ['threat_detected', 'anomaly_behavior', 'policy_violation', 'resource_exhaustion', 'dependency_cascade', 'manual_override']) {
      expect(valueOf(parseKillReport(withField('kill_reason', reason))).killReason).toBe(reason);
    }
    for (const severity of ['critical', 'high', 'medium', 'low', 'info']) {
      expect(valueOf(parseKillReport(withField('severity', severity))).severity).toBe(severity);
    }
  });

  describe('confidence_score', () => {
    it.each([0, 1, 0.5, 1e-9])('accepts %p', (score) => {
      expect(valueOf(parseKillReport(withField('confidence_score', score))).confidenceScore).toBe(score);
    });
    it.each([-0.0001, 1.0001, -1, 2])('rejects %p as range', (score) => {
      expectRejected(withField('confidence_score', score), 'confidence_score', 'range');
    });
    it.each([NaN, Infinity, -Infinity, '0.5', true, null, [0.5]])('rejects %p as type', (score) => {
      expectRejected(withField('confidence_score', score), 'confidence_score', 'type');
    });
  });

  describe('evidence', () => {
    it('accepts 100 items of 1024 characters', () => {
      const evidence = Array.from({ length: 100 }, () => 'e'.repeat(1024));
      expect(valueOf(parseKillReport(withField('evidence', evidence))).evidence).toEqual(evidence);
    });
    it('rejects 101 items', () => {
      expectRejected(withField('evidence', Array.from({ length: 101 }, () => 'e')), 'evidence', 'max_items');
    });
    it('rejects an item of 1025 characters, naming its index', () => {
      expectRejected(withField('evidence', ['ok', 'ok', 'ok', 'e'.repeat(1025)]), 'evidence.3', 'max_length');
    });
    it('rejects non-string items and a non-array', () => {
      expectRejected(withField('evidence', ['ok', 7]), 'evidence.1', 'type');
      expectRejected(withField('evidence', 'unusual_traffic'), 'evidence', 'type');
      expectRejected(withField('evidence', null), 'evidence', 'type');
    });
  });

  describe('dependencies', () => {
    it('accepts 100 module names', () => {
      const dependencies = Array.from({ length: 100 }, (_, i) => `dep-${i}`);
      expect(valueOf(parseKillReport(withField('dependencies', dependencies))).dependencies).toEqual(dependencies);
    });
    it('rejects 101 module names', () => {
      expectRejected(withField('dependencies', Array.from({ length: 101 }, (_, i) => `dep-${i}`)), 'dependencies', 'max_items');
    });
    it.each(['../etc', 'a/b', 'a..b', ''])('rejects the name %j', (name) => {
      const rejection = rejectionOf(parseKillReport(withField('dependencies', ['redis', name])));
      expect(rejection.field).toBe('dependencies.1');
      expect(['pattern', 'min_length']).toContain(rejection.rule);
    });
    it('rejects a dependency name of 129 characters', () => {
      expectRejected(withField('dependencies', ['a'.repeat(129)]), 'dependencies.0', 'max_length');
    });
  });

  describe('source_agent', () => {
    it('accepts lengths 1 and 128 and printable unicode', () => {
      expect(valueOf(parseKillReport(withField('source_agent', 's'))).sourceAgent).toBe('s');
      expect(valueOf(parseKillReport(withField('source_agent', 's'.repeat(128)))).sourceAgent).toHaveLength(128);
      expect(valueOf(parseKillReport(withField('source_agent', 'Smith v2 (prod) – ü'))).sourceAgent).toBe('Smith v2 (prod) – ü');
    });
    it('rejects lengths 0 and 129', () => {
      expectRejected(withField('source_agent', ''), 'source_agent', 'min_length');
      expectRejected(withField('source_agent', 's'.repeat(129)), 'source_agent', 'max_length');
    });
    it.each(['smith\n', 'smith\u0000', '\u001b[31msmith', 'smith\u007f', 'tab\there', 'smith\u0085', '\u009b31msmith', 'smith\u0080'])(
      'rejects the control character in %j',
      (agent) => {
        expectRejected(withField('source_agent', agent), 'source_agent', 'pattern');
      },
    );
    it.each(['smith\u202e', 'smi\u2066th', 'sm\u200bith', 'smith\u200d', '\ufeffsmith', 'smith\u2028', 'smith\u00ad', 'smith\ud800'])(
      'rejects the bidi, zero-width, separator or format character in %j',
      (agent) => {
        expectRejected(withField('source_agent', agent), 'source_agent', 'pattern');
      },
    );
    it('escapes every non-printable character of the value it echoes', () => {
      const rejection = expectRejected(withField('source_agent', 'a\u007fb\u0085c\u009bd\u202ee\u001bf'), 'source_agent', 'pattern');
      expect(rejection.message).toContain('(got "a\\u007fb\\u0085c\\u009bd\\u202ee\\u001bf")');
      expect(rejection.message).toMatch(/^[\x20-\x7e]*$/);
    });
  });

  describe('metadata', () => {
    it('accepts depth 5 and rejects depth 6', () => {
      expect(valueOf(parseKillReport(withField('metadata', nested(5)))).metadata).toEqual(nested(5));
      expectRejected(withField('metadata', nested(6)), 'metadata', 'max_depth');
    });
    it('counts arrays as nesting levels', () => {
      expect(valueOf(parseKillReport(withField('metadata', { a: [[[{ b: 1 }]]] }))).metadata).toEqual({ a: [[[{ b: 1 }]]] });
      expectRejected(withField('metadata', { a: [[[[[1]]]]] }), 'metadata', 'max_depth');
    });
    it('accepts exactly 16 KiB serialized and rejects one byte more', () => {
      // {"k":"…"} is 8 bytes of framing.
      const atLimit = { k: 'x'.repeat(16 * 1024 - 8) };
      expect(JSON.stringify(atLimit)).toHaveLength(16 * 1024);
      expect(valueOf(parseKillReport(withField('metadata', atLimit))).metadata).toEqual(atLimit);
      const rejection = expectRejected(withField('metadata', { k: 'x'.repeat(16 * 1024 - 7) }), 'metadata', 'max_size');
      expect(rejection.message).toContain('16385 bytes');
    });
    it('measures the size in UTF-8 bytes', () => {
      // "é" is 2 bytes: 8 framing bytes + 2 × 8188 = 16384.
      expect(valueOf(parseKillReport(withField('metadata', { k: 'é'.repeat(8188) }))).metadata).toEqual({ k: 'é'.repeat(8188) });
      expectRejected(withField('metadata', { k: 'é'.repeat(8189) }), 'metadata', 'max_size');
    });
    it.each([[null], [[1, 2]], ['{}'], [3]])('rejects %j as type', (metadata) => {
      expectRejected(withField('metadata', metadata), 'metadata', 'type');
    });
    it('rejects values that are not JSON', () => {
      expectRejected(withField('metadata', { at: new Date(0) }), 'metadata', 'type');
      expectRejected(withField('metadata', { n: NaN }), 'metadata', 'type');
      expectRejected(withField('metadata', { f: () => 1 }), 'metadata', 'type');
    });
    it('rejects a cyclic object without overflowing', () => {
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      expectRejected(withField('metadata', cyclic), 'metadata', 'max_depth');
    });
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.record({ kill_id: fc.anything(), timestamp: fc.anything(), metadata: fc.anything() })), (input) => {
        const result = parseKillReport(input);
        if (!result.ok) expect(result.error.message).toContain(result.error.field);
      }),
    );
  });
});

describe('decodeKillEntry', () => {
  it('reads the report from field payload', () => {
    expect(valueOf(decodeKillEntry({ payload: JSON.stringify(WIRE) }))).toEqual(WIRE);
  });

  it('reads the report from field data', () => {
    expect(valueOf(decodeKillEntry({ data: JSON.stringify(WIRE) }))).toEqual(WIRE);
  });

  it('prefers payload over data and over flat fields', () => {
    expect(valueOf(decodeKillEntry({ payload: JSON.stringify(WIRE), data: '{"kill_id":"other"}', kill_id: 'flat' }))).toEqual(WIRE);
  });

  it('reads flat fields with JSON-encoded evidence, dependencies and metadata and a numeric confidence', () => {
    const flat = {
      kill_id: 'demo-1',
      timestamp: '2026-02-11T12:00:00Z',
      target_module: 'nginx-test',
      target_instance_id: 'inst-001',
      kill_reason: 'anomaly_behavior',
      severity: 'low',
      confidence_score: '0.4',
      evidence: '["unusual_traffic"]',
      dependencies: '[]',
      metadata: '{"node":"n1"}',
      source_agent: 'smith',
    };
    expect(valueOf(decodeKillEntry(flat))).toEqual({ ...WIRE, metadata: { node: 'n1' } });
    expect(valueOf(readKillEntry(flat))).toEqual({ ...EXPECTED, metadata: { node: 'n1' } });
  });

  it.each(['abc', 'NaN', 'Infinity', '', '0x1', '1,5', ' 0.4', '\ufeff0.4', '0.4\u2028'])('rejects the flat confidence_score %j naming the field', (score) => {
    const rejection = rejectionOf(decodeKillEntry({ kill_id: 'k', confidence_score: score }));
    expect(rejection).toMatchObject({ field: 'confidence_score', rule: 'type' });
    expect(rejection.message).toContain('confidence_score');
  });

  it('leaves an out-of-range flat confidence_score to the schema', () => {
    expect(valueOf(decodeKillEntry({ confidence_score: '1.5' }))).toEqual({ confidence_score: 1.5 });
    expect(rejectionOf(readKillEntry({ ...stringFields(WIRE), confidence_score: '1.5' }))).toMatchObject({ field: 'confidence_score', rule: 'range' });
  });

  it.each([
    [{ payload: '{"kill_id":' }, 'payload'],
    [{ data: 'not json' }, 'data'],
    [{ kill_id: 'k', evidence: '[unusual_traffic]' }, 'evidence'],
    [{ kill_id: 'k', dependencies: '' }, 'dependencies'],
    [{ kill_id: 'k', metadata: '{a:1}' }, 'metadata'],
  ])('rejects invalid JSON in %j', (fields, field) => {
    expect(rejectionOf(decodeKillEntry(fields))).toMatchObject({ field, rule: 'json' });
  });

  it.each(['[1,2]', '"text"', '42', 'null', 'true'])('rejects a payload %s that is not an object', (payload) => {
    expect(rejectionOf(decodeKillEntry({ payload }))).toMatchObject({ field: 'payload', rule: 'type' });
    expect(rejectionOf(decodeKillEntry({ data: payload }))).toMatchObject({ field: 'data', rule: 'type' });
  });

  it('accepts an entry of exactly 64 KiB and rejects one byte more', () => {
    // Key "payload" is 7 bytes.
    const exact = { payload: 'x'.repeat(MAX_ENTRY_BYTES - 7) };
    expect(rejectionOf(decodeKillEntry(exact)).rule).toBe('json');
    const over = { payload: 'x'.repeat(MAX_ENTRY_BYTES - 6) };
    expect(rejectionOf(decodeKillEntry(over))).toMatchObject({ field: 'entry', rule: 'max_size' });
  });

  it('counts keys and values of every field in UTF-8 bytes', () => {
    const base = JSON.stringify(WIRE);
    const pad = (bytes: number) => ({ payload: base, note: '€'.repeat(bytes / 3) });
    // 7 + base + 4 ("note") + padding; "€" is 3 bytes.
    const room = MAX_ENTRY_BYTES - 7 - base.length - 4;
    const fits = room - (room % 3);
    expect(decodeKillEntry(pad(fits)).ok).toBe(true);
    expect(rejectionOf(decodeKillEntry(pad(fits + 3)))).toMatchObject({ field: 'entry', rule: 'max_size' });
  });

  it('lets readKillEntry carry the demo report end to end', () => {
    expect(valueOf(readKillEntry({ payload: JSON.stringify(WIRE) }))).toEqual(EXPECTED);
    expect(rejectionOf(readKillEntry({ payload: JSON.stringify(withField('target_module', '../etc')) }))).toMatchObject({
      field: 'target_module',
      rule: 'pattern',
    });
  });

  it('never throws on arbitrary entries', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('payload', 'data', 'evidence', 'metadata', 'confidence_score', 'kill_id', 'x'), fc.string()), (fields) => {
        const result = readKillEntry(fields);
        expect(typeof result.ok).toBe('boolean');
      }),
    );
  });
});

describe('killIdHint', () => {
  it('finds the kill_id in each framing', () => {
    expect(killIdHint({ payload: JSON.stringify(WIRE) })).toBe('demo-1');
    expect(killIdHint({ data: JSON.stringify(WIRE) })).toBe('demo-1');
    expect(killIdHint({ kill_id: 'flat-1', severity: 'bogus' })).toBe('flat-1');
  });

  it('finds the kill_id in broken JSON', () => {
    expect(killIdHint({ payload: '{"kill_id": "demo-2", "timestamp": ' })).toBe('demo-2');
  });

  it('returns null when there is no well-formed kill_id', () => {
    expect(killIdHint({})).toBeNull();
    expect(killIdHint({ payload: '{"kill_id": 7}' })).toBeNull();
    expect(killIdHint({ kill_id: 'has space' })).toBeNull();
    expect(killIdHint({ kill_id: 'k'.repeat(129) })).toBeNull();
    expect(killIdHint({ payload: '[1]' })).toBeNull();
  });
});

function stringFields(wire: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(wire).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]));
}
