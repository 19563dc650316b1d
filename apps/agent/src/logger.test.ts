import { PassThrough } from 'node:stream';
import type { DomainEvent } from '@medic/domain';
import { logEvents } from './log-events';
import { createLogger } from './logger';

function capture(format: 'text' | 'json') {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
  return { logger: createLogger({ level: 'debug', format }, stream), lines };
}

const decided: DomainEvent = {
  type: 'decided',
  killId: 'demo-1',
  module: 'nginx-test',
  executing: true,
  decision: {
    verdict: 'approve_auto',
    riskScore: 0.37,
    riskLevel: 'low',
    confidence: 0.6,
    factors: [],
    reasoning: ['Auto-approved: risk 0.37 is low.'],
    guard: null,
    autoApproveMaxScore: 0.4,
  },
};

describe('logging', () => {
  it('text lines carry kill_id first and the decision with outcome, score, level and reason', async () => {
    const { logger, lines } = capture('text');
    logEvents(logger)(decided);
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\S+ info kill_id=demo-1 decision approve_auto: Auto-approved: risk 0.37 is low\. /);
    expect(lines[0]).toContain('score=0.37');
    expect(lines[0]).toContain('risk_level=low');
    expect(lines[0]).not.toContain('undefined');
  });

  it('JSON lines are one object each with kill_id', async () => {
    const { logger, lines } = capture('json');
    logEvents(logger)(decided);
    logEvents(logger)({ type: 'duplicate', killId: 'demo-1', state: 'done' });
    await new Promise((r) => setImmediate(r));
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed).toHaveLength(2);
    expect(parsed[0]).toMatchObject({ level: 'info', kill_id: 'demo-1', outcome: 'approve_auto', score: 0.37, risk_level: 'low' });
    expect(parsed[1]).toMatchObject({ kill_id: 'demo-1', state: 'done' });
  });
});

describe('logging input it does not control', () => {
  const hostile = 'evil\u001b[2J\u0007\nfake line\u007f\u0085\u009b31m\u202e\u2028';
  const rejected: DomainEvent = {
    type: 'rejected',
    deliveryId: '1-0',
    killId: null,
    rejection: { field: 'source_agent', rule: 'pattern', message: `source_agent: must be printable (got ${hostile})` },
  };

  it.each(['text', 'json'] as const)('escapes control, C1 and bidi characters in %s lines, one line per event', async (format) => {
    const { logger, lines } = capture(format);
    logEvents(logger)(rejected);
    logger.warn(hostile, { detail: hostile });
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/^[\x20-\x7e]*$/);
    expect(lines[0]).toContain('evil\\u001b[2J\\u0007');
    if (format === 'json') {
      const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(parsed[1]).toMatchObject({ message: hostile, detail: hostile });
    }
  });
});
