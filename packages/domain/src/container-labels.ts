import { escapeNonPrintable } from './printable';

/** Names the module a container serves, for containers whose name is not the module's. */
export const MODULE_LABEL = 'medic.module';
/** `true` opts a container in (resurrection.require_label); `false` always excludes it. */
export const ENABLE_LABEL = 'medic.enable';
/** A criticality in [0, 1] that overrides risk.module_criticality for the container's module. */
export const CRITICALITY_LABEL = 'medic.criticality';
/** Seconds that override resurrection.health_check_timeout_seconds for the container. */
export const HEALTH_TIMEOUT_LABEL = 'medic.health-timeout';
/** The longest health timeout a label may set: a resurrection holds one of the concurrency slots while it waits. */
export const MAX_HEALTH_TIMEOUT_SECONDS = 3600;

/** A container's labels as the engine reports them (null: it has none). */
export type ContainerLabelMap = Readonly<Record<string, string>> | null | undefined;

/** A label Medic reads a number from: absent, usable, or unusable (then ignored, with the warning that says so). */
export type LabelReading =
  | { readonly status: 'absent' }
  | { readonly status: 'set'; readonly value: number }
  | { readonly status: 'invalid'; readonly warning: string };

/** What medic.enable says: whether the container opted in, and, when it is excluded, the sentence saying why. */
export interface EnableReading {
  readonly optedIn: boolean;
  /** Set when the label excludes the container: `false`, or a value that is neither true nor false. */
  readonly excluded: string | null;
  /** Set when the value was neither true nor false. */
  readonly warning: string | null;
}

const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)$/;
/** Characters of a label's value a message shows at most. */
const SHOWN_CHARS = 64;

/**
 * medic.enable: exactly `true` opts in, exactly `false` excludes. Any other value (`False`, `no`, `0`) excludes too, with a
 * warning: a label that tries to say something Medic cannot read never lets it touch the container.
 */
export function readEnableLabel(container: string, labels: ContainerLabelMap): EnableReading {
  const value = labelValue(labels, ENABLE_LABEL);
  if (value === undefined || value === 'true') return { optedIn: value === 'true', excluded: null, warning: null };
  if (value === 'false') return { optedIn: false, excluded: `container ${container} is labelled ${ENABLE_LABEL}=false, which excludes it from resurrection`, warning: null };
  const warning = `label ${ENABLE_LABEL}=${shown(value)} on container ${container} is neither true nor false; the container is left alone, as with false`;
  return { optedIn: false, excluded: warning, warning };
}

/** medic.criticality: a number from 0 to 1. */
export function readCriticalityLabel(container: string, labels: ContainerLabelMap): LabelReading {
  return readNumber(container, labels, CRITICALITY_LABEL, (n) => n >= 0 && n <= 1, 'a number from 0 to 1');
}

/** medic.health-timeout: seconds, more than 0 and at most MAX_HEALTH_TIMEOUT_SECONDS. */
export function readHealthTimeoutLabel(container: string, labels: ContainerLabelMap): LabelReading {
  return readNumber(container, labels, HEALTH_TIMEOUT_LABEL, (n) => n > 0 && n <= MAX_HEALTH_TIMEOUT_SECONDS, `a number of seconds above 0 and at most ${MAX_HEALTH_TIMEOUT_SECONDS}`);
}

function readNumber(container: string, labels: ContainerLabelMap, label: string, inRange: (n: number) => boolean, expected: string): LabelReading {
  const value = labelValue(labels, label);
  if (value === undefined) return { status: 'absent' };
  const n = DECIMAL.test(value) ? Number(value) : Number.NaN;
  if (Number.isFinite(n) && inRange(n)) return { status: 'set', value: n };
  return { status: 'invalid', warning: `label ${label}=${shown(value)} on container ${container} ignored: it must be ${expected}` };
}

/** Own properties only: a label named like an Object.prototype member must not read the prototype. */
function labelValue(labels: ContainerLabelMap, label: string): string | undefined {
  return labels && Object.hasOwn(labels, label) ? labels[label] : undefined;
}

/** A label's value for a message: quoted, shortened, every non-printable character escaped (a label is input). */
function shown(value: string): string {
  const cut = value.length > SHOWN_CHARS ? `${value.slice(0, SHOWN_CHARS)}…` : value;
  return escapeNonPrintable(JSON.stringify(cut));
}
