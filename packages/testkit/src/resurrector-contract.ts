import type { ResurrectionTarget, Resurrector } from '@medic/domain';
import { FIXTURE_TIME } from '@medic/domain/testing';
import { harnessPool } from './harness-pool';

/** What a Resurrector implementation provides to run the shared contract. */
export interface ResurrectorHarness {
  readonly resurrector: Resurrector;
  /** A resurrector over the same engine with verify_kill on and a kill window shorter than an hour. */
  readonly verifying: Resurrector;
  /** A resurrector over the same engine with require_label on. */
  readonly requiringLabel: Resurrector;
  /** The engine's clock, on which containers start and stop. */
  now(): Date;
  /** Prefix of every container name the contract creates (e.g. "medic-test-<run>-"), so runs never collide. */
  readonly prefix: string;
  /**
   * Creates a container; names are chosen by the contract with the `prefix`. Health checks should pass or fail fast.
   * `running: false` leaves it never started, unless `killed`: then it ran and was stopped just now, as Smith does. A
   * `never` health check does not decide within any test.
   */
  addContainer(spec: { name: string; running: boolean; health: 'passing' | 'failing' | 'never' | 'none'; labels?: Record<string, string>; killed?: boolean }): Promise<void>;
  isRunning(name: string): Promise<boolean>;
  /** The engine's id of the container. */
  containerId(name: string): Promise<string>;
  /** How many times it has been started, e.g. from StartedAt changes — the harness may compute it however it likes. */
  startCount(name: string): Promise<number>;
  /** Removes every container it created. */
  cleanup(): Promise<void>;
}

/** The shared Resurrector contract (ARCHITECTURE.md, Ports), run by every implementation's own test file. */
export function resurrectorContract(name: string, makeHarness: () => Promise<ResurrectorHarness>): void {
  describe(`${name} (Resurrector contract)`, () => {
    const open = harnessPool(makeHarness);
    const target = (module: string, instanceId: string = module, killedAt: string = FIXTURE_TIME): ResurrectionTarget => ({
      killId: `kill-${module}`,
      module,
      instanceId,
      killedAt,
    });
    const HOUR_MS = 3_600_000;
    /** A report timestamp this far from the engine's now. */
    const from = (h: ResurrectorHarness, ms: number): string => new Date(h.now().getTime() + ms).toISOString();

    it('starts an exited container and reports it healthy', async () => {
      const h = await open();
      const app = `${h.prefix}app`;
      await h.addContainer({ name: app, running: false, health: 'passing' });
      const r = await h.resurrector.resurrect(target(app));
      expect(r).toEqual(expect.objectContaining({ outcome: 'success', action: 'start', healthStatus: 'healthy', error: null, message: null }));
      expect(r.containerId).toBe(await h.containerId(app));
      expect(r.timeToHealthy).toBeGreaterThanOrEqual(0);
      expect(await h.isRunning(app)).toBe(true);
    });

    it('restarts a running container', async () => {
      const h = await open();
      const app = `${h.prefix}busy`;
      await h.addContainer({ name: app, running: true, health: 'none' });
      const before = await h.startCount(app);
      const r = await h.resurrector.resurrect(target(app), { restartIfRunning: true });
      expect(r).toEqual(expect.objectContaining({ outcome: 'success', action: 'restart' }));
      expect(await h.startCount(app)).toBeGreaterThan(before);
      expect(await h.isRunning(app)).toBe(true);
    });

    it('only re-checks a running container when restartIfRunning is false', async () => {
      const h = await open();
      const app = `${h.prefix}steady`;
      await h.addContainer({ name: app, running: true, health: 'none' });
      const before = await h.startCount(app);
      const r = await h.resurrector.resurrect(target(app), { restartIfRunning: false });
      expect(r).toEqual(expect.objectContaining({ outcome: 'success', action: 'none', healthStatus: 'none' }));
      expect(await h.startCount(app)).toBe(before);
      expect(await h.isRunning(app)).toBe(true);
    });

    it('rolls back a container whose health check fails', async () => {
      const h = await open();
      const app = `${h.prefix}sick`;
      await h.addContainer({ name: app, running: false, health: 'failing' });
      const r = await h.resurrector.resurrect(target(app));
      expect(r).toEqual(expect.objectContaining({ outcome: 'rollback', action: 'start', healthStatus: 'unhealthy', error: 'unhealthy', timeToHealthy: null }));
      expect(await h.isRunning(app)).toBe(false);
    });

    it('reports health "none" for a container without a health check that stays up', async () => {
      const h = await open();
      const app = `${h.prefix}plain`;
      await h.addContainer({ name: app, running: false, health: 'none' });
      const r = await h.resurrector.resurrect(target(app));
      expect(r).toEqual(expect.objectContaining({ outcome: 'success', action: 'start', healthStatus: 'none', error: null }));
      expect(await h.isRunning(app)).toBe(true);
    });

    it('fails with container_not_found when nothing matches', async () => {
      const h = await open();
      const r = await h.resurrector.resurrect(target(`${h.prefix}ghost`, `${h.prefix}ghost-1`));
      expect(r).toEqual(expect.objectContaining({ outcome: 'failure', action: 'none', error: 'container_not_found', containerId: null }));
      expect(r.message).toContain(`${h.prefix}ghost-1`);
    });

    it('prefers the container named like the instance over the one named like the module', async () => {
      const h = await open();
      const mod = `${h.prefix}mod`;
      const inst = `${h.prefix}mod-7`;
      await h.addContainer({ name: mod, running: false, health: 'none' });
      await h.addContainer({ name: inst, running: false, health: 'none' });
      const r = await h.resurrector.resurrect(target(mod, inst));
      expect(r.outcome).toBe('success');
      expect(r.containerId).toBe(await h.containerId(inst));
      expect(await h.isRunning(inst)).toBe(true);
      expect(await h.isRunning(mod)).toBe(false);
    });

    it('falls back to the container named like the module', async () => {
      const h = await open();
      const mod = `${h.prefix}solo`;
      await h.addContainer({ name: mod, running: false, health: 'none' });
      const r = await h.resurrector.resurrect(target(mod, `${h.prefix}solo-gone`));
      expect(r.outcome).toBe('success');
      expect(await h.isRunning(mod)).toBe(true);
    });

    it('finds the single container labelled medic.module=<module>', async () => {
      const h = await open();
      const labelled = `${h.prefix}replica-x`;
      await h.addContainer({ name: labelled, running: false, health: 'none', labels: { 'medic.module': `${h.prefix}svc` } });
      const r = await h.resurrector.resurrect(target(`${h.prefix}svc`, `${h.prefix}svc-1`));
      expect(r.outcome).toBe('success');
      expect(await h.isRunning(labelled)).toBe(true);
    });

    it('refuses with ambiguous_target when several containers carry the module label', async () => {
      const h = await open();
      const labels = { 'medic.module': `${h.prefix}dup` };
      await h.addContainer({ name: `${h.prefix}dup-a`, running: false, health: 'none', labels });
      await h.addContainer({ name: `${h.prefix}dup-b`, running: false, health: 'none', labels });
      const r = await h.resurrector.resurrect(target(`${h.prefix}dup`, `${h.prefix}dup-1`));
      expect(r).toEqual(expect.objectContaining({ outcome: 'failure', action: 'none', error: 'ambiguous_target', containerId: null }));
      expect(r.message).toContain(`${h.prefix}dup-a`);
      expect(await h.isRunning(`${h.prefix}dup-a`)).toBe(false);
      expect(await h.isRunning(`${h.prefix}dup-b`)).toBe(false);
    });

    it('never matches a container whose name merely contains the module name', async () => {
      const h = await open();
      const others = [`${h.prefix}web-2`, `${h.prefix}x${h.prefix}web`];
      for (const other of others) await h.addContainer({ name: other, running: false, health: 'none' });
      const r = await h.resurrector.resurrect(target(`${h.prefix}web`));
      expect(r).toEqual(expect.objectContaining({ outcome: 'failure', error: 'container_not_found' }));
      for (const other of others) expect(await h.isRunning(other)).toBe(false);
    });

    describe('with require_label on', () => {
      it('refuses a container not labelled medic.enable=true with not_enabled, touching nothing', async () => {
        const h = await open();
        const app = `${h.prefix}unlabelled`;
        await h.addContainer({ name: app, running: false, health: 'none' });
        const r = await h.requiringLabel.resurrect(target(app));
        expect(r).toEqual(expect.objectContaining({ outcome: 'failure', action: 'none', error: 'not_enabled' }));
        expect(r.message).toContain(`${app} is not labelled medic.enable=true`);
        expect(await h.startCount(app)).toBe(0);
      });

      it('resurrects a container labelled medic.enable=true', async () => {
        const h = await open();
        const app = `${h.prefix}optin`;
        await h.addContainer({ name: app, running: false, health: 'none', labels: { 'medic.enable': 'true' } });
        const r = await h.requiringLabel.resurrect(target(app));
        expect(r).toEqual(expect.objectContaining({ outcome: 'success', action: 'start' }));
        expect(await h.isRunning(app)).toBe(true);
      });
    });

    describe('with verify_kill on', () => {
      it('restarts nothing for a running healthy container that has not stopped since the kill: not_killed', async () => {
        const h = await open();
        const app = `${h.prefix}up`;
        await h.addContainer({ name: app, running: true, health: 'passing' });
        const before = await h.startCount(app);
        const r = await h.verifying.resurrect(target(app, app, from(h, HOUR_MS)));
        expect(r).toEqual(expect.objectContaining({ outcome: 'not_killed', action: 'none', error: null, healthStatus: 'healthy' }));
        expect(r.verification).toMatch(/^verify_kill: .*running since .*nothing restarted/);
        expect(await h.startCount(app)).toBe(before);
        expect(await h.isRunning(app)).toBe(true);
      });

      it('restarts nothing for a running container without a health check that started after the kill: already_running', async () => {
        const h = await open();
        const app = `${h.prefix}back`;
        await h.addContainer({ name: app, running: true, health: 'none' });
        const before = await h.startCount(app);
        const r = await h.verifying.resurrect(target(app, app, from(h, 0)));
        expect(r).toEqual(expect.objectContaining({ outcome: 'already_running', action: 'none', error: null, healthStatus: 'none' }));
        expect(r.verification).toMatch(/^verify_kill: .*came back by itself/);
        expect(await h.startCount(app)).toBe(before);
      });

      it('restarts a running container that is unhealthy, and says why', async () => {
        const h = await open();
        const app = `${h.prefix}sick-up`;
        await h.addContainer({ name: app, running: true, health: 'failing' });
        const before = await h.startCount(app);
        const r = await h.verifying.resurrect(target(app, app, from(h, HOUR_MS)));
        expect(r.action).toBe('restart');
        expect(r.verification).toMatch(/^verify_kill: .*unhealthy/);
        expect(await h.startCount(app)).toBeGreaterThan(before);
      });

      it('starts a container that stopped within the kill window, and says so', async () => {
        const h = await open();
        const app = `${h.prefix}killed`;
        await h.addContainer({ name: app, running: false, health: 'none', killed: true });
        const r = await h.verifying.resurrect(target(app, app, from(h, 0)));
        expect(r).toEqual(expect.objectContaining({ outcome: 'success', action: 'start' }));
        expect(r.verification).toMatch(/^verify_kill: .*within/);
        expect(await h.isRunning(app)).toBe(true);
      });

      it('starts nothing that stopped long before the reported kill: not_killed', async () => {
        const h = await open();
        const app = `${h.prefix}old`;
        await h.addContainer({ name: app, running: false, health: 'none', killed: true });
        const r = await h.verifying.resurrect(target(app, app, from(h, HOUR_MS)));
        expect(r).toEqual(expect.objectContaining({ outcome: 'not_killed', action: 'none', error: null }));
        expect(r.verification).toMatch(/^verify_kill: .*stopped at .*before the reported kill/);
        expect(await h.isRunning(app)).toBe(false);
      });

      it('starts nothing that never ran: not_killed', async () => {
        const h = await open();
        const app = `${h.prefix}never`;
        await h.addContainer({ name: app, running: false, health: 'none' });
        const r = await h.verifying.resurrect(target(app, app, from(h, 0)));
        expect(r).toEqual(expect.objectContaining({ outcome: 'not_killed', action: 'none' }));
        expect(await h.isRunning(app)).toBe(false);
      });

      it('still only waits on a running container when re-checking (restartIfRunning false)', async () => {
        const h = await open();
        const app = `${h.prefix}recheck`;
        await h.addContainer({ name: app, running: true, health: 'none' });
        const before = await h.startCount(app);
        const r = await h.verifying.resurrect(target(app, app, from(h, HOUR_MS)), { restartIfRunning: false });
        expect(r).toEqual(expect.objectContaining({ outcome: 'success', action: 'none' }));
        expect(await h.startCount(app)).toBe(before);
      });
    });

    it('with verify_kill off, restarts a running healthy container as the plan demo expects', async () => {
      const h = await open();
      const app = `${h.prefix}demo`;
      await h.addContainer({ name: app, running: true, health: 'passing' });
      const before = await h.startCount(app);
      const r = await h.resurrector.resurrect(target(app, app, from(h, HOUR_MS)));
      expect(r).toEqual(expect.objectContaining({ outcome: 'success', action: 'restart', healthStatus: 'healthy' }));
      expect(r.verification).toBeUndefined();
      expect(await h.startCount(app)).toBeGreaterThan(before);
    });

    describe("the container's own labels", () => {
      it('medic.enable=false excludes the container even without require_label, and says so', async () => {
        const h = await open();
        const app = `${h.prefix}optout`;
        await h.addContainer({ name: app, running: false, health: 'none', labels: { 'medic.enable': 'false' } });
        const r = await h.resurrector.resurrect(target(app));
        expect(r).toEqual(expect.objectContaining({ outcome: 'failure', action: 'none', error: 'not_enabled' }));
        expect(r.message).toContain(`${app} is labelled medic.enable=false`);
        expect(r.labels).toEqual({ applied: [expect.stringContaining('medic.enable=false')], ignored: [] });
        expect(await h.isRunning(app)).toBe(false);
      });

      it('a medic.enable value that is neither true nor false excludes the container too, with a warning naming it and the label', async () => {
        const h = await open();
        const app = `${h.prefix}unclear`;
        await h.addContainer({ name: app, running: false, health: 'none', labels: { 'medic.enable': 'False' } });
        const r = await h.resurrector.resurrect(target(app));
        expect(r).toEqual(expect.objectContaining({ outcome: 'failure', error: 'not_enabled' }));
        expect(r.labels?.ignored).toEqual([expect.stringMatching(new RegExp(`^label medic\\.enable="False" on container ${app} `))]);
        expect(await h.isRunning(app)).toBe(false);
      });

      it('medic.health-timeout replaces the configured health timeout, and says so', async () => {
        const h = await open();
        const app = `${h.prefix}slowpoke`;
        await h.addContainer({ name: app, running: false, health: 'never', labels: { 'medic.health-timeout': '1' } });
        const r = await h.resurrector.resurrect(target(app));
        expect(r).toEqual(expect.objectContaining({ outcome: 'rollback', error: 'health_timeout' }));
        expect(r.labels).toEqual({ applied: [expect.stringContaining(`medic.health-timeout=1 on container ${app} set the health timeout to 1 s`)], ignored: [] });
        expect(await h.isRunning(app)).toBe(false);
      });

      it('a bad medic.health-timeout is ignored with a warning naming the container and the label', async () => {
        const h = await open();
        const app = `${h.prefix}badtimeout`;
        await h.addContainer({ name: app, running: false, health: 'passing', labels: { 'medic.health-timeout': 'soon' } });
        const r = await h.resurrector.resurrect(target(app));
        expect(r).toEqual(expect.objectContaining({ outcome: 'success', healthStatus: 'healthy' }));
        expect(r.labels).toEqual({ applied: [], ignored: [`label medic.health-timeout="soon" on container ${app} ignored: it must be a number of seconds above 0 and at most 3600`] });
      });

      it('asks admit once with the located container and its labels; refused, it withdraws and touches nothing', async () => {
        const h = await open();
        const mod = `${h.prefix}lbl`;
        const app = `${mod}-1`;
        await h.addContainer({ name: app, running: false, health: 'none', labels: { 'medic.criticality': '0.9', 'medic.module': mod } });
        const asked: Array<[string, Readonly<Record<string, string>>]> = [];
        const r = await h.resurrector.resurrect(target(mod, `${mod}-gone`), { restartIfRunning: true, admit: (container, labels) => (asked.push([container, labels]), false) });
        expect(asked).toEqual([[app, expect.objectContaining({ 'medic.criticality': '0.9', 'medic.module': mod })]]);
        expect(r).toEqual(expect.objectContaining({ outcome: 'withdrawn', action: 'none', error: null, containerId: await h.containerId(app) }));
        expect(await h.startCount(app)).toBe(0);
        expect(await h.isRunning(app)).toBe(false);
      });

      it('admitted, the resurrection goes on as without admit', async () => {
        const h = await open();
        const app = `${h.prefix}admitted`;
        await h.addContainer({ name: app, running: false, health: 'passing', labels: { 'medic.criticality': '0.1' } });
        const asked: string[] = [];
        const r = await h.resurrector.resurrect(target(app), { restartIfRunning: true, admit: (container) => (asked.push(container), true) });
        expect(asked).toEqual([app]);
        expect(r).toEqual(expect.objectContaining({ outcome: 'success', action: 'start', healthStatus: 'healthy' }));
        expect(await h.isRunning(app)).toBe(true);
      });

      it('never asks admit for a target that matches nothing, or a container medic.enable excludes', async () => {
        const h = await open();
        const app = `${h.prefix}optout-admit`;
        await h.addContainer({ name: app, running: false, health: 'none', labels: { 'medic.enable': 'false' } });
        const asked: string[] = [];
        const admit = (container: string): boolean => (asked.push(container), true);
        const ghost = await h.resurrector.resurrect(target(`${h.prefix}nothing`), { restartIfRunning: true, admit });
        const excluded = await h.resurrector.resurrect(target(app), { restartIfRunning: true, admit });
        expect(ghost).toEqual(expect.objectContaining({ outcome: 'failure', error: 'container_not_found' }));
        expect(excluded).toEqual(expect.objectContaining({ outcome: 'failure', error: 'not_enabled' }));
        expect(asked).toEqual([]);
      });
    });

    it('reports health up when the engine answers', async () => {
      const h = await open();
      await expect(h.resurrector.health()).resolves.toEqual(expect.objectContaining({ status: 'up' }));
    });
  });
}
