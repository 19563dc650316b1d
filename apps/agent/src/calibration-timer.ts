import { restoreCeiling, runCalibration } from '@medic/domain';
import type { CalibrationConfig, CalibrationDeps } from '@medic/domain';
import type { Logger } from './logger';

/** Puts the newest stored calibration in force, calibrates at start-up, then every `intervalHours`. */
export class CalibrationTimer {
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly core: CalibrationDeps,
    private readonly config: CalibrationConfig & { readonly intervalHours: number },
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const restored = await restoreCeiling(this.core);
    if (restored) this.logger.info(`restored auto_approve_max_score ${restored.nextMaxScore} from calibration at ${restored.calibratedAt}`);
    await this.#calibrate();
    this.#timer = setInterval(() => void this.#calibrate(), this.config.intervalHours * 3_600_000);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  async #calibrate(): Promise<void> {
    try {
      await runCalibration(this.core, this.config);
    } catch (error) {
      this.logger.error(`calibration failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
