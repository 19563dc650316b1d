import { round } from '@medic/domain';
import type { Prng } from '@medic/domain';
import { InMemoryFleet } from '@medic/domain/testing';

/** One module of the synthetic fleet and the hidden truth about it. */
export interface ModuleSpec {
  readonly name: string;
  /** Hidden from Medic: the share of Smith's kills of this module that are real compromises. */
  readonly truePositiveRate: number;
}

/** The highest hidden rate a module can have, so even the worst module is sometimes killed wrongly. */
export const MAX_RATE = 0.95;

/**
 * Draws `count` modules whose hidden true-positive rates are exponentially distributed around `meanRate` (capped at 0.95):
 * most modules are mostly killed wrongly, a few are killed rightly most of the time.
 */
export function drawModules(count: number, meanRate: number, rng: Prng): ModuleSpec[] {
  const width = String(count).length;
  return Array.from({ length: count }, (_, i) => ({
    name: `svc-${String(i + 1).padStart(Math.max(2, width), '0')}`,
    truePositiveRate: round(Math.min(MAX_RATE, rng.exponential(meanRate)), 4),
  }));
}

/**
 * The synthetic fleet: one container per module in an InMemoryFleet (the Resurrector Medic drives), plus what only the world
 * knows, whether a module is compromised. Smith's kills stop containers; people restore them by hand.
 */
export class SimulatedFleet {
  /** The containers, as Medic's Resurrector sees them. */
  readonly containers = new InMemoryFleet();
  readonly #modules: readonly ModuleSpec[];
  readonly #compromised = new Set<string>();

  constructor(modules: readonly ModuleSpec[]) {
    this.#modules = modules;
    for (const m of modules) this.containers.add({ name: m.name, running: true, health: 'passing' });
  }

  /** Names of the running modules, in fleet order. */
  running(): string[] {
    return this.#modules.filter((m) => this.containers.container(m.name).running).map((m) => m.name);
  }

  spec(name: string): ModuleSpec {
    const spec = this.#modules.find((m) => m.name === name);
    if (!spec) throw new Error(`no module ${name} in the fleet`);
    return spec;
  }

  isRunning(name: string): boolean {
    return this.containers.container(name).running;
  }

  /** Whether the module is compromised: every kill of it is then a true positive. */
  isCompromised(name: string): boolean {
    return this.#compromised.has(name);
  }

  /** Smith stops the module; a true-positive kill means it is compromised until rebuilt. */
  kill(name: string, truePositive: boolean): void {
    this.containers.container(name).running = false;
    if (truePositive) this.#compromised.add(name);
  }

  /** Whether the module's next start passes its health check (otherwise Medic rolls it back). */
  setNextBoot(name: string, healthy: boolean): void {
    this.containers.container(name).health = healthy ? 'passing' : 'failing';
  }

  /** A person restores the module by hand, from a clean image: running and no longer compromised. */
  rebuild(name: string): void {
    const container = this.containers.container(name);
    container.running = true;
    container.health = 'passing';
    container.startCount += 1;
    this.#compromised.delete(name);
  }
}

