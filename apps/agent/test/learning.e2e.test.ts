// The learning loop (re-kill labels, calibration) in a running agent: real Redis stream, real SQLite file, real Docker where a resurrection happens.
import type { CALIBRATION_FIELDS, Calibration, Clock, KillReport, OutcomeRecord, SnakeCased } from '@medic/domain';
import { estimateFalsePositiveRate, round } from '@medic/domain';
import { ManualClock, sampleRecord, sampleReport } from '@medic/domain/testing';
import { uniqueId, waitFor } from '@medic/test-support';
import { killReport, useHarness, withStore } from './harness';
import type { AgentUnderTest } from './harness';

const harness = useHarness();

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

interface LearningAgentOptions {
  readonly dir: string;
  readonly stream: string;
  readonly mode?: 'observer' | 'live';
  /** The configured (initial) auto-approve ceiling. */
  readonly maxScore?: number;
  readonly minSamples?: number;
  readonly intervalHours?: number;
  /** learning.max_harm_rate; 1 takes the harm budget out of a test about something else. */
  readonly maxHarmRate?: number;
  readonly token?: string;
  readonly clock?: Clock;
}

/** Starts an agent on `dir`'s data/outcomes.db with a learning section the test controls. */
function startAgent(options: LearningAgentOptions): Promise<AgentUnderTest> {
  return harness.startAgent({
    dir: options.dir,
    stream: options.stream,
    mode: options.mode ?? 'live',
    ...(options.token ? { token: options.token } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    extra: {
      decision: { auto_approve: { max_score: options.maxScore ?? 0.3 } },
      learning: {
        min_samples: options.minSamples ?? 10,
        ...(options.maxHarmRate !== undefined ? { max_harm_rate: options.maxHarmRate } : {}),
        ...(options.intervalHours !== undefined ? { calibration_interval_hours: options.intervalHours } : {}),
      },
    },
  });
}

/** Writes records into the store an agent on `dir` will open, as earlier runs of Medic would have left them. */
function seed(dir: string, records: readonly OutcomeRecord[]): Promise<void> {
  return withStore(dir, async (repo) => {
    for (const record of records) await repo.insert(record);
  });
}

/** Signals of a kill that looks like a false alarm, and of one that looks like a compromise. */
const FALSE_ALARM = { killReason: 'resource_exhaustion', severity: 'low', confidenceScore: 0.25 } as const;
const COMPROMISE = { killReason: 'threat_detected', severity: 'critical', confidenceScore: 0.9 } as const;

/** A finished resurrection of `module`, decided `hoursAgo` before the real clock, with the given label. */
function resurrection(
  module: string,
  hoursAgo: number,
  label: 'confirmed' | 're_killed',
  options: { autoApproved?: boolean; signals?: Partial<KillReport> } = {},
): OutcomeRecord {
  const decidedAt = Date.now() - hoursAgo * HOUR;
  const completedAt = new Date(decidedAt + 2_000).toISOString();
  const autoApproved = options.autoApproved ?? true;
  const killId = `seed-${uniqueId()}`;
  return sampleRecord({
    killId,
    report: sampleReport({ killId, targetModule: module, targetInstanceId: `${module}-1`, ...options.signals }),
    targetModule: module,
    timestamp: new Date(decidedAt).toISOString(),
    state: 'done',
    originalDecision: autoApproved ? 'approve_auto' : 'pending_review',
    originalRiskScore: 0.2,
    riskLevel: 'low',
    wasAutoApproved: autoApproved,
    ...(autoApproved ? {} : { approvedBy: 'api', approvedAt: new Date(decidedAt + 1_000).toISOString() }),
    outcomeType: label === 'confirmed' ? 'success' : 're_killed',
    healthStatus: 'healthy',
    timeToHealthy: 1.5,
    completedAt,
    confirmedAt: label === 'confirmed' ? new Date(decidedAt + 40 * MINUTE).toISOString() : null,
    reKilledAt: label === 're_killed' ? new Date(decidedAt + 10 * MINUTE).toISOString() : null,
  });
}

/** A kill of `module` decided `hoursAgo` before the real clock that an operator rejected: a true-positive label. */
function rejectedKill(module: string, hoursAgo: number, signals: Partial<KillReport>): OutcomeRecord {
  const decidedAt = Date.now() - hoursAgo * HOUR;
  const killId = `seed-${uniqueId()}`;
  return sampleRecord({
    killId,
    report: sampleReport({ killId, targetModule: module, targetInstanceId: `${module}-1`, ...signals }),
    targetModule: module,
    timestamp: new Date(decidedAt).toISOString(),
    state: 'done',
    originalDecision: 'pending_review',
    rejectedBy: 'api',
    rejectedAt: new Date(decidedAt + 1_000).toISOString(),
  });
}

/**
 * A fleet to learn from: web's kills look like false alarms and held, db's look like compromises and were rejected, and two
 * of web's were rejected too: a quiet compromise now and then, so every auto-approval of web carries a little harm.
 */
function learnable(): OutcomeRecord[] {
  return [
    ...many(80, (i) => resurrection('seeded-web', 2 + i, 'confirmed', { signals: FALSE_ALARM })),
    ...many(10, (i) => rejectedKill('seeded-db', 3 + i, COMPROMISE)),
    ...many(2, (i) => rejectedKill('seeded-web', 90 + i, FALSE_ALARM)),
  ];
}


/** The 3-decimal form reasoning text uses. */
function round3(value: number | undefined): string {
  return String(round(value ?? Number.NaN, 3));
}

function many(n: number, make: (i: number) => OutcomeRecord): OutcomeRecord[] {
  return Array.from({ length: n }, (_, i) => make(i));
}

interface StatsBody {
  thresholds: { auto_approve_max_score: number };
  calibration: SnakeCased<Calibration, (typeof CALIBRATION_FIELDS)[number]> | null;
  by_outcome: Record<string, number>;
  operator_verdicts: { approved: number; rejected: number };
  auto_approve_labelled: number;
  auto_approve_accuracy: number | null;
}

async function stats(base: string): Promise<StatsBody> {
  const response = await fetch(`${base}/stats`);
  expect(response.status).toBe(200);
  return (await response.json()) as StatsBody;
}

async function fetchDecision(base: string, killId: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${base}/decisions/${killId}`);
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

describe('calibration wiring', () => {
  it('raises the ceiling at start-up from stored labelled outcomes, then waits for fresh evidence; the newest calibration survives restarts', async () => {
    const { dir, stream } = harness.workspace('learning');
    // The signals are learnt from every kill of the history window; the ceiling moves on the auto-approvals since the last move.
    await seed(dir, learnable());

    // The harm budget is taken out here: up in one move, as far as the last kill seen under the upper limit. The next test keeps it.
    const first = await startAgent({ dir, stream, maxScore: 0.1, maxHarmRate: 1 });
    const raised = await stats(first.base);
    const next = raised.calibration?.next_max_score ?? 0;
    expect(next).toBeGreaterThan(0.1);
    expect(raised.thresholds.auto_approve_max_score).toBe(next);
    expect(raised.calibration).toMatchObject({ direction: 'up', previous_max_score: 0.1, samples: 80, successes: 80, success_rate: 1, wilson_upper: 1 });
    expect(raised.calibration).toMatchObject({ re_killed: 0, true_positives: 12, labelled: 92, max_harm_rate: 1 });
    expect(raised.calibration?.harm_upper).not.toBeNull();
    expect(raised.calibration?.reason).toContain(`Raised auto_approve_max_score from 0.1 to ${next}: 92 labelled kill(s)`);
    await harness.stopAgent(first);

    // The configured ceiling changed meanwhile; the stored calibration still wins. The same 80 labels judged the old
    // ceiling, so the next run waits for labels decided since the move instead of moving again.
    const second = await startAgent({ dir, stream, maxScore: 0.3, maxHarmRate: 1 });
    const again = await stats(second.base);
    expect(again.thresholds.auto_approve_max_score).toBe(next);
    expect(again.calibration).toMatchObject({ direction: 'none', previous_max_score: next, next_max_score: next, samples: 0, labelled: 0, evidence_since: raised.calibration?.calibrated_at });
    expect(again.calibration?.reason).toMatch(/^Waiting for fresh evidence/);
  });

  it('raises the ceiling no further than the harm it implies stays within max_harm_rate at its upper bound, nor into scores no kill was seen at', async () => {
    const { dir, stream } = harness.workspace('learning');
    await seed(dir, learnable());
    // The same fleet that took the ceiling up without a budget. Under 0.5 % the budget allows a little more than 0.1 at its
    // upper bound, but no kill scores there (web's all score alike, above it): nothing is known there, and it stays.
    const { base } = await startAgent({ dir, stream, maxScore: 0.1 });
    const body = await stats(base);
    expect(body.calibration).toMatchObject({ direction: 'none', samples: 80, successes: 80, labelled: 92, max_harm_rate: 0.005 });
    expect(body.thresholds.auto_approve_max_score).toBe(0.1);
    const reason = /and ceiling (0\.\d+) implies harm [\d.]+ % \([\d.]+ %–([\d.]+) %\), but no kill seen scores between 0\.1 and (0\.\d+)/.exec(body.calibration?.reason ?? '');
    expect(reason).not.toBeNull();
    expect(Number(reason?.[2])).toBeLessThanOrEqual(0.5);
    expect(reason?.[3]).toBe(reason?.[1]);
  });

  it('brings the ceiling down to where the harm it implies is within max_harm_rate', async () => {
    const { dir, stream } = harness.workspace('learning');
    await seed(dir, learnable());
    const { base } = await startAgent({ dir, stream, maxScore: 0.4 });
    const body = await stats(base);
    expect(body.calibration).toMatchObject({ direction: 'down', previous_max_score: 0.4, samples: 80 });
    expect(body.calibration?.harm_point ?? 1).toBeLessThanOrEqual(0.005);
    expect(body.calibration?.reason).toMatch(/ceiling 0\.4 implies harm .*, above max_harm_rate 0\.50 %/);
  });

  it('lowers the ceiling when too many auto-approvals were re-killed', async () => {
    const { dir, stream } = harness.workspace('learning');
    await seed(dir, [...many(10, (i) => resurrection('seeded-api', 2 + i, 'confirmed')), ...many(10, (i) => resurrection('seeded-api', 2 + i, 're_killed'))]);
    const { base } = await startAgent({ dir, stream, maxScore: 0.3 });
    const body = await stats(base);
    expect(body.thresholds.auto_approve_max_score).toBe(0.25);
    expect(body.calibration).toMatchObject({ direction: 'down', previous_max_score: 0.3, next_max_score: 0.25, samples: 20, successes: 10, success_rate: 0.5 });
    expect(body.calibration?.wilson_upper).toBeLessThan(0.8);
  });

  it('moves nothing below min_samples labelled kills, however good the record', async () => {
    const { dir, stream } = harness.workspace('learning');
    // 6 auto-approvals and 3 operators' approvals held: 9 labels of any verdict, one short.
    await seed(dir, [...many(6, (i) => resurrection('seeded-db', 2 + i, 'confirmed')), ...many(3, (i) => resurrection('seeded-db', 2 + i, 'confirmed', { autoApproved: false }))]);
    const { base } = await startAgent({ dir, stream, maxScore: 0.3, minSamples: 10 });
    const body = await stats(base);
    expect(body.thresholds.auto_approve_max_score).toBe(0.3);
    expect(body.calibration).toMatchObject({ direction: 'none', previous_max_score: 0.3, next_max_score: 0.3, samples: 6, successes: 6, labelled: 9 });
    expect(body.calibration?.reason).toMatch(/Waiting for fresh evidence: 9 labelled kill\(s\) .* \(6 of them auto-approved\), at least 10 needed/);
  });

  it('calibrates again every calibration_interval_hours while it runs', async () => {
    const { dir, stream } = harness.workspace('learning');
    // One second between runs.
    const { base } = await startAgent({ dir, stream, intervalHours: 1 / 3600 });
    const first = (await stats(base)).calibration;
    expect(first).not.toBeNull();
    const later = await waitFor(
      'a second calibration from the timer',
      async () => {
        const current = (await stats(base)).calibration;
        return current && current.calibrated_at !== first?.calibrated_at ? current : undefined;
      },
      { timeoutMs: 10_000 },
    );
    expect(Date.parse(later.calibrated_at)).toBeGreaterThan(Date.parse(first?.calibrated_at ?? ''));
  });
});

describe('false-positive history', () => {
  it("estimates the module's false-positive rate from its labels inside the history window, shrunk towards the fleet's", async () => {
    const { dir, stream } = harness.workspace('learning');
    const module = `hist-${uniqueId()}`;
    await seed(dir, [
      resurrection(module, 30, 'confirmed'),
      ...many(3, (i) => resurrection(module, 40 + i, 're_killed')),
      // Outside history_window_days (90): ignored.
      ...many(5, (i) => resurrection(module, 24 * 100 + i, 're_killed')),
      // Another module's labels are the fleet's, not this module's.
      ...many(5, (i) => resurrection(`${module}-other`, 40 + i, 're_killed')),
    ]);
    const { base } = await startAgent({ dir, stream, mode: 'observer' });
    const known = killReport({ target_module: module });
    const unknown = killReport({ target_module: `fresh-${uniqueId()}` });
    await harness.publish(stream, known);
    await harness.publish(stream, unknown);

    // The store holds kills, so the learnt model decides, from the first of them: the module's estimate counts its own labels
    // inside the window (1 held, 3 re-killed) and its kills decided now, shrunk towards the fleet's rate.
    const withHistory = await harness.decision(base, known.kill_id as string, 'decided');
    const text = (withHistory.reasoning as string[]).join(' ');
    const estimate = new RegExp(`False-positive estimate for ${module}: ([\\d.]+) ± ([\\d.]+) \\(Beta–binomial\\) from 4 label\\(s\\) of its own \\(1 false positive\\(s\\)\\)`).exec(text);
    expect(estimate).not.toBeNull();
    const [rate, sd] = [Number(estimate?.[1]), Number(estimate?.[2])];
    expect(text).toMatch(/shrunk towards the fleet's [\d.]+ as if by [\d.]+ labels/);
    // Shrunk: between its own share of false positives (1 of 4) and the fleet's rate.
    const fleetRate = Number(/shrunk towards the fleet's ([\d.]+)/.exec(text)?.[1]);
    expect(rate).toBeGreaterThan(Math.min(fleetRate, 0.25));
    expect(rate).toBeLessThan(Math.max(fleetRate, 0.25));
    // Confidence grows with the estimate's certainty: 0.6 + 0.2 × (1 − 2 sd), threat intel being off (sd is shown to 3 decimals).
    expect(withHistory.confidence).toBeCloseTo(0.6 + 0.2 * (1 - 2 * sd), 2);

    // A module without labels of its own starts from the fleet's rate.
    const newcomer = await harness.decision(base, unknown.kill_id as string, 'decided');
    expect((newcomer.reasoning as string[]).join(' ')).toMatch(/from 0 label\(s\) of its own \(0 false positive\(s\)\) and \d+ unlabelled kill\(s\)/);
  });
});

describe('operators teach it: POST /reject over a real socket, on a real SQLite store', () => {
  const TOKEN = 'e2e-reject-token';

  it('records the verdict, keeps the container down, counts it in /stats and feeds the next decision', async () => {
    const { dir, stream } = harness.workspace('learning');
    const module = `rejected-${uniqueId()}`;
    // Live, with a ceiling no report reaches: every kill waits for an operator.
    const under = await startAgent({ dir, stream, maxScore: 0.1, token: TOKEN });
    const { base } = under;
    const kill = killReport({ target_module: module });
    await harness.publish(stream, kill);
    expect(await harness.decision(base, kill.kill_id as string, 'decided')).toMatchObject({ decision: 'pending_review', state: 'decided' });

    const post = (path: string, token?: string) => fetch(`${base}${path}`, { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {} });
    expect((await post(`/reject/${kill.kill_id as string}`)).status).toBe(401);
    expect((await post(`/reject/${kill.kill_id as string}`, 'wrong')).status).toBe(401);
    expect((await post('/reject/no-such-kill', TOKEN)).status).toBe(404);
    const response = await post(`/reject/${kill.kill_id as string}`, TOKEN);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ kill_id: kill.kill_id, status: 'rejected', rejected_by: 'api', rejected_at: expect.any(String) });
    expect((await post(`/reject/${kill.kill_id as string}`, TOKEN)).status).toBe(409);
    expect((await post(`/approve/${kill.kill_id as string}`, TOKEN)).status).toBe(409);

    expect(await fetchDecision(base, kill.kill_id as string)).toMatchObject({ state: 'done', outcome_type: 'undetermined', rejected_by: 'api', approved_by: null });
    expect((await stats(base)).operator_verdicts).toEqual({ approved: 0, rejected: 1 });

    // The rejection is a true-positive label: the module's next kill is decided with it.
    const next = killReport({ target_module: module });
    await harness.publish(stream, next);
    const reasoning = ((await harness.decision(base, next.kill_id as string, 'decided')).reasoning as string[]).join(' ');
    const estimate = estimateFalsePositiveRate({ falsePositives: 0, truePositives: 1 }, { falsePositives: 0, truePositives: 1 });
    expect(reasoning).toContain(`False-positive estimate for ${module}: ${round3(estimate?.rate)} ± ${round3(estimate?.sd)} (Beta–binomial) from 1 label(s) of its own (0 false positive(s))`);
    await harness.stopAgent(under);

    // The verdict is in the file: a fresh store on it sees it.
    const stored = await withStore(dir, (repo) => repo.get(kill.kill_id as string));
    expect(stored).toMatchObject({ state: 'done', rejectedBy: 'api' });
  });
});

describe('re-kill labelling with a real container', () => {
  beforeAll(() => harness.connectDocker());

  /** A container Smith has killed. */
  const killedContainer = (): Promise<string> => harness.container({ label: 'learning', health: 'passing' });

  /** Smith kills the container again. */
  async function smithKills(name: string): Promise<void> {
    const container = harness.docker.getContainer(name);
    await container.kill();
    await container.wait();
  }

  it('a kill inside the re-kill window labels the resurrection re_killed and is never auto-approved', async () => {
    const { dir, stream } = harness.workspace('learning');
    const name = await killedContainer();
    const clock = new ManualClock(new Date());
    const { base } = await startAgent({ dir, stream, maxScore: 0.4, clock });

    const first = killReport({ target_module: name });
    await harness.publish(stream, first);
    expect(await harness.decision(base, first.kill_id as string)).toMatchObject({ decision: 'approve_auto', outcome_type: 'success', was_auto_approved: true });
    expect(await harness.fleet.isRunning(name)).toBe(true);

    await smithKills(name);
    clock.advance(10 * MINUTE);
    const second = killReport({ target_module: name });
    await harness.publish(stream, second);
    const again = await harness.decision(base, second.kill_id as string, 'decided');
    expect(again).toMatchObject({ decision: 'pending_review', guard: 'rekilled_after_resurrection', was_auto_approved: false, outcome_type: 'undetermined' });

    expect(await fetchDecision(base, first.kill_id as string)).toMatchObject({ outcome_type: 're_killed', re_killed_at: clock.now().toISOString(), confirmed_at: null });
    expect(await harness.fleet.isRunning(name)).toBe(false);
    const body = await stats(base);
    expect(body.by_outcome.re_killed).toBe(1);
    expect(body).toMatchObject({ auto_approve_labelled: 1, auto_approve_accuracy: 0 });
  });

  it('a success that outlives the window is confirmed by the calibration at the next start, and a later kill does not relabel it', async () => {
    const { dir, stream } = harness.workspace('learning');
    const name = await killedContainer();
    const clock = new ManualClock(new Date());
    const first = await startAgent({ dir, stream, maxScore: 0.4, clock });

    const kill = killReport({ target_module: name });
    await harness.publish(stream, kill);
    expect(await harness.decision(first.base, kill.kill_id as string)).toMatchObject({ decision: 'approve_auto', outcome_type: 'success', confirmed_at: null });
    await harness.stopAgent(first);

    clock.advance(31 * MINUTE);
    const restarted = await startAgent({ dir, stream, maxScore: 0.4, clock });
    expect(await fetchDecision(restarted.base, kill.kill_id as string)).toMatchObject({ outcome_type: 'success', confirmed_at: clock.now().toISOString(), re_killed_at: null });
    expect(await stats(restarted.base)).toMatchObject({ auto_approve_labelled: 1, auto_approve_accuracy: 1 });

    await smithKills(name);
    clock.advance(MINUTE);
    const later = killReport({ target_module: name });
    await harness.publish(stream, later);
    // Outside the re-kill window: no re-kill guard. (Medic learns from its first kill on, and one held resurrection is too
    // little to auto-approve on: it may send the kill to review.)
    const decided = await harness.record<Record<string, unknown>>(restarted.base, later.kill_id as string, (r) => r.state === 'decided' || r.state === 'done');
    expect(decided).toMatchObject({ guard: null });
    expect(await fetchDecision(restarted.base, kill.kill_id as string)).toMatchObject({ outcome_type: 'success', re_killed_at: null });
  });
});
