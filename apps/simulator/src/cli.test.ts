import { parseCommandLine } from './cli';

describe('parseCommandLine', () => {
  it('leaves every parameter to its default and writes simulation.json where the command was started', () => {
    const parsed = parseCommandLine([], '/home/me/work');
    expect(parsed).toEqual({ ok: true, value: { simulation: expect.any(Object), out: '/home/me/work/simulation.json', svg: null, help: false } });
    if (parsed.ok) expect(Object.values(parsed.value.simulation).filter((v) => v !== undefined)).toEqual([]);
  });

  it('reads every flag, resolving paths against the starting directory', () => {
    const parsed = parseCommandLine(
      [
        '--seed', '9', '--days', '14', '--modules', '12', '--kills-per-day', '7.5', '--true-positive-rate', '0.3',
        '--operator-delay-minutes', '45', '--manual-recovery-minutes', '120', '--quiet-compromise-rate', '0.2',
        '--rollback-rate', '0', '--auto-approve', 'off', '--max-score', '0.4', '--out', 'out/report.json', '--svg', '/tmp/chart.svg', '--db', 'stores',
      ],
      '/srv',
    );
    expect(parsed).toEqual({
      ok: true,
      value: {
        simulation: {
          seed: 9, days: 14, modules: 12, killsPerDay: 7.5, truePositiveRate: 0.3, operatorDelayMinutes: 45, manualRecoveryMinutes: 120,
          quietCompromiseRate: 0.2, rollbackRate: 0, autoApprove: false, maxScore: 0.4, dbDir: '/srv/stores',
        },
        out: '/srv/out/report.json',
        svg: '/tmp/chart.svg',
        help: false,
      },
    });
  });

  it('refuses an unknown flag, naming it', () => {
    expect(parseCommandLine(['--fleet-size', '3'], '/')).toEqual({ ok: false, error: expect.stringContaining('--fleet-size') });
    expect(parseCommandLine(['positional'], '/')).toMatchObject({ ok: false });
  });

  it('refuses bad values, naming every bad flag', () => {
    const parsed = parseCommandLine(['--days', '0', '--seed=-1', '--true-positive-rate', '1.5', '--auto-approve', 'yes', '--kills-per-day', 'many'], '/');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      for (const flag of ['--days', '--seed', '--true-positive-rate', '--auto-approve', '--kills-per-day']) expect(parsed.error).toContain(flag);
    }
    expect(parseCommandLine(['--modules', '2.5'], '/')).toMatchObject({ ok: false, error: expect.stringContaining('--modules must be an integer') });
    expect(parseCommandLine(['--days', ''], '/')).toMatchObject({ ok: false });
  });
});
