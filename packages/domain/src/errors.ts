/** The one error base class of Medic: every thrown error carries a stable string `code`. */
export class MedicError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MedicError';
  }
}

/** The dependencies behind the ports, as health reports name them apart. */
export type Dependency = 'source' | 'store' | 'engine' | 'threat_intel';

/** A port call that failed, naming the dependency behind it; keeps the cause's code when it has one (e.g. "store_error"). */
export class DependencyError extends MedicError {
  constructor(
    readonly dependency: Dependency,
    cause: unknown,
  ) {
    const code = cause instanceof MedicError ? cause.code : `${dependency}_failed`;
    super(code, cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'DependencyError';
  }
}
