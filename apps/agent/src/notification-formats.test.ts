import fc from 'fast-check';
import { calibrationFacts, decisionFacts, isPrintable, notificationOf, resurrectionFacts } from '@medic/domain';
import type { Notification, NotificationFacts, OutboxEntry, OutcomeRecord } from '@medic/domain';
import { FIXTURE_TIME, sampleRecord, sampleReport } from '@medic/domain/testing';
import { cloudEvent, jsonBody, renderMessage, slackText } from './notification-formats';
import type { MessageContext } from './notification-formats';

const CONTEXT: MessageContext = { apiUrl: 'http://127.0.0.1:8000', approvalsOff: null, source: '/medic/host-1' };
const HOSTILE = ['<!channel> ping <@U123> & <https://evil.example|click>', 'tick ` ```close``` \u202eevil\u0007 line\nbreak'];

function pendingRecord(overrides: Partial<OutcomeRecord> = {}): OutcomeRecord {
  return sampleRecord({
    killId: 'kill-42',
    targetModule: 'web',
    targetInstanceId: 'web-1',
    report: sampleReport({ killId: 'kill-42', targetModule: 'web', targetInstanceId: 'web-1', evidence: HOSTILE, sourceAgent: 'smith <b>' }),
    ...overrides,
  });
}

/** The whole notification `facts` about `record` make, as the outbox hands it out. */
function must(facts: NotificationFacts | null, record: OutcomeRecord | null): Notification {
  const n = facts && notificationOf(facts, record);
  if (!n) throw new Error('no notification');
  return n;
}

function pending(overrides: Partial<OutcomeRecord> = {}): OutboxEntry {
  const record = pendingRecord(overrides);
  return { id: 'n-1', webhook: 'hook', notification: must(decisionFacts(record, 60), record) };
}

describe('notification formats', () => {
  it('slack: says what was killed, why it waits, the risk and its factors, the expiry and the exact approve command', () => {
    const text = slackText(pending().notification, CONTEXT);
    expect(text.split('\n')[0]).toBe('*Medic: kill of `web` waits for review until 2025-03-01T13:00:00.000Z*');
    expect(text).toContain('kill      kill-42 (reported 2025-03-01T12:00:00.000Z by smith &lt;b&gt;)');
    expect(text).toContain('module    web, instance web-1');
    expect(text).toContain('smith     anomaly_behavior, severity low, confidence 0.4');
    expect(text).toContain('why       Risk 0.45 is medium.');
    expect(text).toContain('risk      0.45 (medium), confidence 0.6');
    expect(text).toContain('factors   smith_confidence 0.4 (+0.24); severity 0.25 (+0.1)');
    expect(text).toContain('To approve before 2025-03-01T13:00:00.000Z:\n```curl -s -X POST -H "Authorization: Bearer $MEDIC_API_TOKEN" http://127.0.0.1:8000/approve/kill-42```');
  });

  it('slack: a kill report can neither mention, link, close the code block nor put a control character in the text', () => {
    const text = slackText(pending().notification, CONTEXT);
    expect(text).toContain('evidence  &lt;!channel&gt; ping &lt;@U123&gt; &amp; &lt;https://evil.example|click&gt;');
    expect(text).toContain("evidence  tick ' '''close''' \\u202eevil\\u0007 line\\u000abreak");
    expect(text).not.toMatch(/[<>]/);
    expect(text.match(/```/g)).toHaveLength(4);
    expect(text.split('\n').every(isPrintable)).toBe(true);
  });

  it('slack: holds for any evidence and source agent (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 60 }), { maxLength: 3 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }), (evidence, sourceAgent) => {
        const record = pendingRecord({ report: sampleReport({ killId: 'kill-42', targetModule: 'web', targetInstanceId: 'web-1', evidence, sourceAgent }) });
        const text = slackText(must(decisionFacts(record, 60), record), CONTEXT);
        expect(text).not.toMatch(/[<>]/);
        expect(text.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
        expect(text.match(/```/g)).toHaveLength(4);
        expect(text.split('\n').every(isPrintable)).toBe(true);
      }),
    );
  });

  it('slack: no approve command when the kill cannot be approved (observer mode, or no token)', () => {
    const observer = slackText(pending({ mode: 'observer' }).notification, CONTEXT);
    expect(observer).not.toContain('curl');
    expect(observer).toContain('It cannot be approved: Medic ran in observer mode when it decided; approvals need live mode');
    expect(slackText(pending().notification, { ...CONTEXT, approvalsOff: 'MEDIC_API_TOKEN is not set on the agent, so approvals are disabled' })).toContain('MEDIC_API_TOKEN is not set on the agent');
  });

  it('json: Medic’s own body, every string printable, the approve command with the variable, never a token', () => {
    const body = jsonBody(pending(), CONTEXT);
    expect(body).toEqual({
      version: 1,
      id: 'n-1',
      event: 'pending_review',
      time: FIXTURE_TIME,
      summary: 'Kill of web waits for review until 2025-03-01T13:00:00.000Z: risk 0.45 (medium)',
      kill: {
        kill_id: 'kill-42',
        module: 'web',
        instance_id: 'web-1',
        kill_reason: 'anomaly_behavior',
        severity: 'low',
        smith_confidence: 0.4,
        reported_at: FIXTURE_TIME,
        source_agent: 'smith <b>',
        evidence: ['<!channel> ping <@U123> & <https://evil.example|click>', 'tick ` ```close``` \\u202eevil\\u0007 line\\u000abreak'],
      },
      decision: {
        outcome: 'pending_review',
        decided_at: FIXTURE_TIME,
        mode: 'live',
        risk_score: 0.45,
        risk_level: 'medium',
        confidence: 0.6,
        guard: null,
        reason: 'Risk 0.45 is medium.',
        main_factors: [
          { name: 'smith_confidence', value: 0.4, contribution: 0.24, detail: 'Smith was 40% sure' },
          { name: 'severity', value: 0.25, contribution: 0.1, detail: 'severity low' },
        ],
      },
      approval: {
        expires_at: '2025-03-01T13:00:00.000Z',
        available: true,
        unavailable_because: null,
        approve_url: 'http://127.0.0.1:8000/approve/kill-42',
        reject_url: 'http://127.0.0.1:8000/reject/kill-42',
        curl: 'curl -s -X POST -H "Authorization: Bearer $MEDIC_API_TOKEN" http://127.0.0.1:8000/approve/kill-42',
      },
    });
    const rendered = renderMessage('json', pending(), CONTEXT);
    expect(rendered.contentType).toBe('application/json; charset=utf-8');
    expect(JSON.parse(rendered.body)).toEqual(body);
    expect(isPrintable(rendered.body)).toBe(true);
  });

  it('cloudevents: structured CloudEvents 1.0 JSON with the module as subject and Medic’s body as data', () => {
    const entry = pending();
    const rendered = renderMessage('cloudevents', entry, CONTEXT);
    expect(rendered.contentType).toBe('application/cloudevents+json; charset=utf-8');
    expect(JSON.parse(rendered.body)).toEqual({
      specversion: '1.0',
      id: 'n-1',
      source: '/medic/host-1',
      type: 'medic.decision.v1',
      subject: 'web',
      time: FIXTURE_TIME,
      datacontenttype: 'application/json',
      medicevent: 'pending_review',
      data: jsonBody(entry, CONTEXT),
    });
  });

  it('renders outcomes and calibrations in every format', () => {
    const executing = pendingRecord({ state: 'executing', originalDecision: 'approve_auto', wasAutoApproved: true });
    const rollback = must(
      resurrectionFacts(executing, { outcome: 'rollback', error: 'unhealthy', message: 'web-1 reported unhealthy; stopped it again', timeToHealthy: null, healthStatus: 'unhealthy', containerId: 'c0ffee', completedAt: FIXTURE_TIME }),
      executing,
    );
    const entry: OutboxEntry = { id: 'n-2', webhook: 'hook', notification: rollback };
    expect(slackText(rollback, CONTEXT)).toContain('outcome   rollback (unhealthy)');
    expect(jsonBody(entry, CONTEXT)).toMatchObject({ event: 'rollback', resurrection: { outcome: 'rollback', error: 'unhealthy', approved_by: null, container_id: 'c0ffee' } });
    expect(cloudEvent(entry, CONTEXT)).toMatchObject({ type: 'medic.resurrection.v1', subject: 'web', medicevent: 'rollback' });
    const calibration = must(
      calibrationFacts({
        calibratedAt: FIXTURE_TIME, previousMaxScore: 0.3, nextMaxScore: 0.25, direction: 'down', samples: 30, successes: 20, successRate: 0.67,
        wilsonLower: 0.5, wilsonUpper: 0.8, evidenceSince: FIXTURE_TIME, reKilled: 10, truePositives: 40, labelled: 60, harmLower: 0.2, harmPoint: 0.3, harmUpper: 0.4, maxHarmRate: 0.005, reason: 'too many re-kills',
      }),
      null,
    );
    const calibrated: OutboxEntry = { id: 'n-3', webhook: 'hook', notification: calibration };
    expect(slackText(calibration, CONTEXT)).toContain('*Medic: auto-approve ceiling lowered*');
    expect(cloudEvent(calibrated, CONTEXT)).toMatchObject({ type: 'medic.calibration.v1', subject: 'auto_approve_max_score' });
    expect(jsonBody(calibrated, CONTEXT)).toMatchObject({ summary: 'Auto-approve ceiling lowered from 0.3 to 0.25', calibration: { direction: 'down', samples: 30 } });
  });
});
