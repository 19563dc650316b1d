import { DependencyError, SOURCE_RETRY, STORE_RETRY, backoffDelay } from '@medic/domain';
import type { Delivery, KillPipeline, KillSource } from '@medic/domain';
import { CHECK_OF } from './dependency-health';
import type { DependencyHealth } from './dependency-health';
import type { Logger } from './logger';

export interface KillLoopDeps {
  readonly source: KillSource;
  readonly pipeline: KillPipeline;
  /** Entries read (and committed together) at most per batch. */
  readonly batchSize: number;
  readonly health: DependencyHealth;
  readonly logger: Logger;
}

/**
 * Reads the kill stream and feeds the pipeline one batch at a time: the pipeline decides, group-commits and acknowledges
 * it, and dispatches its resurrections without waiting for them. A batch that fails is handed in again, after the failing
 * dependency's backoff, until it goes through or the loop stops; it stays unacknowledged meanwhile. While the pipeline
 * holds too many kills (resurrections waiting for a slot), reading waits.
 */
export class KillLoop {
  readonly #deps: KillLoopDeps;
  #stopping = false;
  #running: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #stopSignal: () => void = () => undefined;
  readonly #stopped = new Promise<void>((resolve) => (this.#stopSignal = resolve));

  constructor(deps: KillLoopDeps) {
    this.#deps = deps;
  }

  start(): void {
    this.#running ??= this.#run();
  }

  /** Stops reading; resolves once the batch under way is handled (or given up, if it keeps failing). */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#stopSignal();
    this.#wake?.();
    await this.#running;
  }

  async #run(): Promise<void> {
    const { pipeline, health, logger } = this.#deps;
    let failures = 0;
    let reading: Promise<Delivery[]> | null = null;
    while (!this.#stopping) {
      await Promise.race([pipeline.waitForRoom(), this.#stopped]);
      if (this.#stopping) break;
      reading ??= this.#read();
      let batch: Delivery[];
      try {
        batch = await reading;
      } catch (error) {
        reading = null;
        if (this.#stopping) break;
        failures += 1;
        health.failed('redis', error);
        const delay = backoffDelay(SOURCE_RETRY, failures);
        logger.warn(`reading the kill stream failed, retrying in ${delay} ms: ${messageOf(error)}`);
        await this.#pause(delay);
        continue;
      }
      reading = null;
      if (failures > 0) logger.info('reading the kill stream again');
      failures = 0;
      health.recovered('redis');
      if (batch.length === 0) {
        // A source that does not block answers [] at once: let timers and sockets run before reading again.
        await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      // The next read goes out now, so its reply waits in the socket while this batch is decided and committed. Stopped
      // before it is handled, its entries stay pending and are handed out again after a restart.
      reading = this.#read();
      await this.#handle(batch);
    }
  }

  #read(): Promise<Delivery[]> {
    const reading = this.#deps.source.receive(this.#deps.batchSize);
    // Awaited later (or never, when the loop stops first): a failure must not count as unhandled meanwhile.
    reading.catch(() => undefined);
    return reading;
  }

  /** Hands the batch to the pipeline until it goes through; a failure is reported against the dependency that failed. */
  async #handle(batch: readonly Delivery[]): Promise<void> {
    const { pipeline, health, logger } = this.#deps;
    for (let attempt = 1; ; attempt++) {
      try {
        await pipeline.handle(batch);
        if (attempt > 1) logger.info(`batch of ${batch.length} handled after ${attempt - 1} failed attempt(s)`);
        health.recovered('store');
        health.recovered('redis');
        return;
      } catch (error) {
        const dependency = error instanceof DependencyError ? error.dependency : 'store';
        health.failed(CHECK_OF[dependency], error);
        const delay = backoffDelay(dependency === 'source' ? SOURCE_RETRY : STORE_RETRY, attempt);
        if (this.#stopping) {
          logger.warn(`batch of ${batch.length} failed while stopping; it stays pending: ${messageOf(error)}`, { dependency: CHECK_OF[dependency] });
          return;
        }
        logger.warn(`batch of ${batch.length} failed, retrying in ${delay} ms; nothing of it is acknowledged: ${messageOf(error)}`, { dependency: CHECK_OF[dependency] });
        await this.#pause(delay);
        if (this.#stopping) return;
      }
    }
  }

  /** Waits `ms` unless the loop is stopping. */
  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
