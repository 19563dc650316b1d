import type { SignalModel } from '../signal-model';

/** What Medic learnt about the signals, in force now: deciding reads it; only learning replaces it. */
export interface LearnedSignals {
  /** The model in force; null while the window holds no kill, and the configured weighted mean decides. */
  current(): SignalModel | null;
}

/** The one replaceable model, held by the composition root: learning gets it as a LearnedSignalModel, deciding as LearnedSignals. */
export class LearnedSignalModel implements LearnedSignals {
  #model: SignalModel | null = null;

  current(): SignalModel | null {
    return this.#model;
  }

  /** Puts a newly learnt model (or none) in force. */
  set(model: SignalModel | null): void {
    this.#model = model;
  }
}
