import { drawModules, SimulatedFleet } from './fleet';
import { Prng } from '@medic/domain';

describe('drawModules', () => {
  it('names the modules in order and keeps their hidden rates in [0, 0.95] around the mean', () => {
    const modules = drawModules(2_000, 0.2, new Prng(1));
    expect(modules[0]?.name).toBe('svc-0001');
    expect(modules[1999]?.name).toBe('svc-2000');
    for (const m of modules) {
      expect(m.truePositiveRate).toBeGreaterThanOrEqual(0);
      expect(m.truePositiveRate).toBeLessThanOrEqual(0.95);
    }
    const mean = modules.reduce((sum, m) => sum + m.truePositiveRate, 0) / modules.length;
    expect(mean).toBeGreaterThan(0.18);
    expect(mean).toBeLessThan(0.22);
  });

  it('gives every module a false-positive rate of 1 when the fleet rate is 0', () => {
    expect(drawModules(10, 0, new Prng(1)).every((m) => m.truePositiveRate === 0)).toBe(true);
  });
});

describe('SimulatedFleet', () => {
  const target = (module: string) => ({ killId: `kill-${module}`, module, instanceId: `${module}-1`, killedAt: '2025-03-01T12:00:00Z' });

  it('starts with every module running; a kill stops it, and a true positive leaves it compromised', () => {
    const fleet = new SimulatedFleet(drawModules(3, 0.2, new Prng(1)));
    expect(fleet.running()).toEqual(['svc-01', 'svc-02', 'svc-03']);
    fleet.kill('svc-02', false);
    fleet.kill('svc-03', true);
    expect(fleet.running()).toEqual(['svc-01']);
    expect(fleet.isCompromised('svc-02')).toBe(false);
    expect(fleet.isCompromised('svc-03')).toBe(true);
  });

  it("lets Medic's resurrection bring a module back, compromised or not, and roll back a failed boot", async () => {
    const fleet = new SimulatedFleet(drawModules(2, 0.2, new Prng(1)));
    fleet.kill('svc-01', true);
    await expect(fleet.containers.resurrect(target('svc-01'))).resolves.toMatchObject({ outcome: 'success', action: 'start', healthStatus: 'healthy' });
    expect(fleet.isRunning('svc-01')).toBe(true);
    expect(fleet.isCompromised('svc-01')).toBe(true);

    fleet.kill('svc-02', false);
    fleet.setNextBoot('svc-02', false);
    await expect(fleet.containers.resurrect(target('svc-02'))).resolves.toMatchObject({ outcome: 'rollback', error: 'unhealthy' });
    expect(fleet.isRunning('svc-02')).toBe(false);
  });

  it('a rebuild by hand brings the module back clean', () => {
    const fleet = new SimulatedFleet(drawModules(1, 0.2, new Prng(1)));
    fleet.kill('svc-01', true);
    fleet.setNextBoot('svc-01', false);
    fleet.rebuild('svc-01');
    expect(fleet.isRunning('svc-01')).toBe(true);
    expect(fleet.isCompromised('svc-01')).toBe(false);
    expect(fleet.containers.container('svc-01').health).toBe('passing');
  });

  it('refuses unknown modules', () => {
    const fleet = new SimulatedFleet(drawModules(1, 0.2, new Prng(1)));
    expect(() => fleet.spec('svc-99')).toThrow(/no module svc-99/);
  });
});
