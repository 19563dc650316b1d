/** The auto-approve ceiling in force: deciding and the API read it; only calibration moves it. */
export interface AutoApproveCeiling {
  /** The highest risk score that may be auto-approved now. */
  current(): number;
}

/** The one writable ceiling, held by the composition root: calibration gets it as a CalibratedCeiling, everyone else as an AutoApproveCeiling. */
export class CalibratedCeiling implements AutoApproveCeiling {
  #value: number;

  /** Starts at the configured risk.auto_approve.max_score. */
  constructor(initial: number) {
    this.#value = initial;
  }

  current(): number {
    return this.#value;
  }

  /** Puts a calibrated ceiling in force. */
  set(value: number): void {
    this.#value = value;
  }
}
