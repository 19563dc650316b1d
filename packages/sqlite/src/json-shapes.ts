import { FACTOR_NAMES, KILL_REASONS, NOTIFICATION_EVENTS, SEVERITIES } from '@medic/domain';

/** Checks one parsed JSON value; returns what is wrong (completing "column X …"), or null when it fits. */
export type ShapeCheck = (value: unknown) => string | null;

type Is = (value: unknown) => boolean;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText: Is = (v) => typeof v === 'string';
const isNumber: Is = (v) => typeof v === 'number' && Number.isFinite(v);
const isTextArray: Is = (v) => Array.isArray(v) && v.every(isText);
const isOneOf =
  (values: readonly string[]): Is =>
  (v) =>
    typeof v === 'string' && values.includes(v);

/** The first field of `fields` that `value` lacks or gets wrong, as a dotted path under `path`. */
function badField(value: unknown, fields: Readonly<Record<string, Is>>, path: string): string | null {
  if (!isObject(value)) return path === '' ? 'is not a JSON object' : `has a non-object ${path}`;
  for (const [key, is] of Object.entries(fields)) {
    if (!is(value[key])) return `has a missing or invalid ${path === '' ? key : `${path}.${key}`}`;
  }
  return null;
}

const factorFields = {
  name: isOneOf(FACTOR_NAMES),
  value: isNumber,
  weight: isNumber,
  normalizedWeight: isNumber,
  contribution: isNumber,
  detail: isText,
};

/** RiskFactor[] */
export const riskFactors: ShapeCheck = (value) => {
  if (!Array.isArray(value)) return 'is not a JSON array';
  for (const [i, item] of value.entries()) {
    const problem = badField(item, factorFields, `[${i}]`);
    if (problem !== null) return problem;
  }
  return null;
};

/** string[] */
export const textList: ShapeCheck = (value) => (isTextArray(value) ? null : 'is not a JSON array of strings');

const contextFields = {
  riskScore: isNumber,
  alertCount: isNumber,
  openCount: isNumber,
  falsePositiveCount: isNumber,
  indicators: isTextArray,
  recommendation: isOneOf(['deny', 'review', 'allow']),
  lookbackHours: isNumber,
};

/** ThreatLookup */
export const threatLookup: ShapeCheck = (value) => {
  const problem = badField(value, { status: isOneOf(['answered', 'unavailable', 'disabled']) }, '');
  if (problem !== null || !isObject(value)) return problem;
  if (value['status'] === 'answered') return badField(value['context'], contextFields, 'context');
  if (value['status'] === 'unavailable') return badField(value, { reason: isText }, '');
  return null;
};

/** KillReport */
export const killReport: ShapeCheck = (value) =>
  badField(
    value,
    {
      killId: isText,
      timestamp: isText,
      targetModule: isText,
      targetInstanceId: isText,
      killReason: isOneOf(KILL_REASONS),
      severity: isOneOf(SEVERITIES),
      confidenceScore: isNumber,
      evidence: isTextArray,
      dependencies: isTextArray,
      sourceAgent: isText,
      metadata: isObject,
    },
    '',
  );

const extraFields: Is = (v) =>
  v === null ||
  (isObject(v) &&
    (('expiresAt' in v && (v.expiresAt === null || isText(v.expiresAt))) || ('resurrection' in v && isObject(v.resurrection)) || ('calibration' in v && isObject(v.calibration))));

const storedItemFields = {
  id: isText,
  event: isOneOf(NOTIFICATION_EVENTS),
  kill: (v: unknown) => v === null || isText(v),
  at: isText,
  extra: extraFields,
  state: isOneOf(['pending', 'sent', 'dropped']),
};

/** The notifications one notifications row keeps (StoredNotification[]). */
export const storedItems: ShapeCheck = (value) => {
  if (!Array.isArray(value) || value.length === 0) return 'is not a non-empty JSON array';
  for (const [i, item] of value.entries()) {
    const problem = badField(item, storedItemFields, `[${i}]`);
    if (problem !== null) return problem;
  }
  return null;
};
