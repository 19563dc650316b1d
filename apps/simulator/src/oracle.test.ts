import type { OutcomeRecord } from '@medic/domain';
import { sampleRecord } from '@medic/domain/testing';
import { oracleTruePositiveProbabilities } from './oracle';
import type { TrueModel } from './oracle';
import type { Kill } from './periods';
import { Prng } from '@medic/domain';
import { drawSignals } from './smith';
import { MINUTE } from './units';

const START = '2025-01-06T00:00:00.000Z';
const MODEL: TrueModel = {
  meanRate: 0.2,
  maxRate: 0.95,
  quietCompromiseRate: 0.05,
  confidenceNoise: 0,
  killsPerDay: 20,
  rekillWindowMinutes: 30,
  rekillDelayMinutes: [2, 24],
};
const iso = (ms: number) => new Date(Date.parse(START) + ms).toISOString();

/** Kill i of `module` at i hours, with signals that look like a false alarm (the same for every module). */
function kill(i: number, module: string, truePositive = false): Kill {
  return {
    killId: `k-${module}-${i}`,
    module,
    at: i * 60 * MINUTE,
    truePositive,
    reKill: false,
    decision: 'pending_review',
    autoResurrected: false,
    signals: drawSignals(false, new Prng(i)),
    runningModules: 30,
    recoveredAt: null,
  };
}

/** The store's record of a kill an operator rejected (or approved) `after` minutes later. */
function verdict(k: Kill, verdictOf: 'rejected' | 'approved', after = 10): OutcomeRecord {
  const at = iso(k.at + after * MINUTE);
  return sampleRecord({
    killId: k.killId,
    targetModule: k.module,
    timestamp: iso(k.at),
    state: 'done',
    ...(verdictOf === 'rejected' ? { rejectedBy: 'operator', rejectedAt: at } : { approvedBy: 'operator', approvedAt: at, outcomeType: 'success', completedAt: at }),
  });
}

describe('oracleTruePositiveProbabilities', () => {
  it('uses no hidden truth: the kills\' real truth changes nothing', () => {
    const kills = Array.from({ length: 12 }, (_, i) => kill(i, i % 2 === 0 ? 'svc-a' : 'svc-b', i % 3 === 0));
    const records = [verdict(kills[0] as Kill, 'rejected'), verdict(kills[1] as Kill, 'approved')];
    const flipped = kills.map((k) => ({ ...k, truePositive: !k.truePositive }));
    expect(oracleTruePositiveProbabilities(flipped, records, MODEL, START)).toEqual(oracleTruePositiveProbabilities(kills, records, MODEL, START));
  });

  it('learns a module\'s rate from operators\' verdicts, once they are known, and only for that module', () => {
    const kills = [kill(0, 'svc-a'), kill(1, 'svc-a'), kill(2, 'svc-b'), kill(3, 'svc-a'), kill(4, 'svc-c'), kill(5, 'svc-c')];
    const none = oracleTruePositiveProbabilities(kills, [], MODEL, START);
    // Kills 0 and 1 of svc-a were quiet compromises an operator rejected; kill 4 of svc-c a false alarm an operator approved.
    const records = [verdict(kills[0] as Kill, 'rejected'), verdict(kills[1] as Kill, 'rejected'), verdict(kills[4] as Kill, 'approved')];
    const taught = oracleTruePositiveProbabilities(kills, records, MODEL, START);
    expect(taught[3]).toBeGreaterThan(2 * (none[3] ?? 1));
    expect(taught[5]).toBeLessThan(none[5] ?? 0);
    expect(taught[2]).toBeCloseTo(none[2] ?? 0, 12);
    // A verdict known only after a kill cannot inform it: rejected 2 h after kill 0, it comes after kill 1 (at 1 h), before kill 3 (at 3 h).
    const late = oracleTruePositiveProbabilities(kills, [verdict(kills[0] as Kill, 'rejected', 120)], MODEL, START);
    expect(late[1]).toBeCloseTo(none[1] ?? 0, 12);
    expect(late[3]).toBeGreaterThan(none[3] ?? 1);
  });

  it('gives loud signals the certainty they carry, and a quiet-looking kill the module\'s share of quiet compromises', () => {
    const loud: Kill = { ...kill(0, 'svc-a', true), signals: drawSignals(true, new Prng(4)) };
    const [p] = oracleTruePositiveProbabilities([loud], [], MODEL, START);
    expect(p).toBeGreaterThan(0.99);
    const [q] = oracleTruePositiveProbabilities([kill(0, 'svc-a')], [], MODEL, START);
    // Prior mean rate about 0.2: q·r / (q·r + 1 − r) is about 1 %.
    expect(q).toBeGreaterThan(0.003);
    expect(q).toBeLessThan(0.03);
  });

  it('treats a kill right after an auto-approved resurrection as likely the same compromise', () => {
    const first: Kill = { ...kill(0, 'svc-a'), autoResurrected: true, decision: 'approve_auto' };
    const again: Kill = { ...kill(0, 'svc-a'), killId: 'k-again', at: first.at + 10 * MINUTE };
    const completed = iso(first.at);
    const records = [
      sampleRecord({ killId: first.killId, targetModule: 'svc-a', timestamp: completed, state: 'done', originalDecision: 'approve_auto', wasAutoApproved: true, outcomeType: 're_killed', completedAt: completed, reKilledAt: iso(again.at) }),
      sampleRecord({ killId: again.killId, targetModule: 'svc-a', timestamp: iso(again.at), guard: 'rekilled_after_resurrection' }),
    ];
    const [p0, p1] = oracleTruePositiveProbabilities([first, again], records, MODEL, START);
    const [alone] = oracleTruePositiveProbabilities([{ ...again, killId: 'k-alone' }], [], MODEL, START);
    expect(p1).toBeGreaterThan(p0 ?? 1);
    expect(p1).toBeGreaterThan(3 * (alone ?? 1));
  });
});
