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
