import * as v from 'valibot';
import { FACTOR_NAMES, KILL_REASONS, NOTIFICATION_EVENTS, SEVERITIES } from '@medic/domain';
import type { KillReport, NotificationExtra, RiskFactor, ThreatLookup } from '@medic/domain';
import type { StoredNotification } from './rows';

// The shapes of the JSON columns, as the store wrote them. A root message completes "column X …"; a nested field that
// fails is reported by its path. Objects are loose: the columns' values are returned as parsed, extra keys included.

const finite = v.pipe(v.number(), v.finite());

const RISK_FACTOR = v.looseObject({
  name: v.picklist(FACTOR_NAMES),
  value: finite,
  weight: finite,
  normalizedWeight: finite,
  contribution: finite,
  detail: v.string(),
});

/** RiskFactor[] */
export const riskFactors: v.GenericSchema<unknown, RiskFactor[]> = v.array(RISK_FACTOR, 'is not a JSON array');

/** string[] */
export const textList: v.GenericSchema<unknown, string[]> = v.array(v.string(), 'is not a JSON array of strings');

/** string[] of instants */
export const instantList: v.GenericSchema<unknown, string[]> = v.array(v.string(), 'is not a JSON array of instants');

/** ThreatLookup */
export const threatLookup: v.GenericSchema<unknown, ThreatLookup> = v.variant(
  'status',
  [
    v.looseObject({
      status: v.literal('answered'),
      context: v.looseObject({
        riskScore: finite,
        alertCount: finite,
        openCount: finite,
        falsePositiveCount: finite,
        indicators: v.array(v.string()),
        recommendation: v.picklist(['deny', 'review', 'allow']),
        lookbackHours: finite,
      }),
    }),
    v.looseObject({ status: v.literal('unavailable'), reason: v.string() }),
    v.looseObject({ status: v.literal('disabled') }),
  ],
  'is not a JSON object with a known status',
);

/** KillReport */
export const killReport: v.GenericSchema<unknown, KillReport> = v.looseObject(
  {
    killId: v.string(),
    timestamp: v.string(),
    targetModule: v.string(),
    targetInstanceId: v.string(),
    killReason: v.picklist(KILL_REASONS),
    severity: v.picklist(SEVERITIES),
    confidenceScore: finite,
    evidence: v.array(v.string()),
    dependencies: v.array(v.string()),
    sourceAgent: v.string(),
    metadata: v.record(v.string(), v.unknown()),
  },
  'is not a JSON object',
);

/** What a notification's event adds, in outline: restoreEntry checks that it fits the event. */
const EXTRA_OUTLINE = v.nullable(
  v.union([
    v.looseObject({ expiresAt: v.nullable(v.string()) }),
    v.looseObject({ resurrection: v.looseObject({}) }),
    v.looseObject({ calibration: v.looseObject({}) }),
  ]),
);
const EXTRA = v.custom<NotificationExtra>((value) => v.is(EXTRA_OUTLINE, value));

/** The notifications one notifications row keeps (StoredNotification[]). */
export const storedItems: v.GenericSchema<unknown, StoredNotification[]> = v.pipe(
  v.array(
    v.looseObject({
      id: v.string(),
      event: v.picklist(NOTIFICATION_EVENTS),
      kill: v.nullable(v.string()),
      at: v.string(),
      extra: EXTRA,
      state: v.picklist(['pending', 'sent', 'dropped']),
      reason: v.optional(v.string()),
    }),
    'is not a non-empty JSON array',
  ),
  v.minLength(1, 'is not a non-empty JSON array'),
);
