import { parseCommandLine } from './cli';

describe('parseCommandLine', () => {
  it('leaves every parameter to its default and writes simulation.json where the command was started', () => {
    const parsed = parseCommandLine([], '/home/me/work');
    expect(parsed).toEqual({ ok: true, value: { simulation: expect.any(Object), seeds: null, out: '/home/me/work/simulation.json', svg: null, help: false } });
    if (parsed.ok) expect(Object.values(parsed.value.simulation).filter((v) => v !== undefined)).toEqual([]);
  });

  it('reads every flag, resolving paths against the starting directory', () => {
    const parsed = parseCommandLine(
      [
        '--seed', '9', '--days', '14', '--modules', '12', '--kills-per-day', '7.5', '--true-positive-rate', '0.3',
        '--operator-delay-minutes', '45', '--manual-recovery-minutes', '120', '--quiet-compromise-rate', '0.2',
        '--rollback-rate', '0', '--confidence-noise', '0.25', '--auto-approve', 'off', '--max-score', '0.4', '--out', 'out/report.json', '--svg', '/tmp/chart.svg', '--db', 'stores',
      ],
      '/srv',
    );
    expect(parsed).toEqual({
      ok: true,
      value: {
        simulation: {
          seed: 9, days: 14, modules: 12, killsPerDay: 7.5, truePositiveRate: 0.3, operatorDelayMinutes: 45, manualRecoveryMinutes: 120,
          quietCompromiseRate: 0.2, rollbackRate: 0, confidenceNoise: 0.25, autoApprove: false, maxScore: 0.4, dbDir: '/srv/stores',
        },
        seeds: null,
        out: '/srv/out/report.json',
        svg: '/tmp/chart.svg',
        help: false,
      },
    });
  });

  it('reads --seeds as a range or a list, and refuses it with --seed, reversed, empty or too long', () => {
    expect(parseCommandLine(['--seeds', '1-10'], '/')).toMatchObject({ ok: true, value: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] } });
    expect(parseCommandLine(['--seeds', '7,3,42'], '/')).toMatchObject({ ok: true, value: { seeds: [7, 3, 42] } });
    expect(parseCommandLine(['--seeds', '4-4'], '/')).toMatchObject({ ok: true, value: { seeds: [4] } });
    expect(parseCommandLine(['--seeds', '1-3', '--seed', '2'], '/')).toEqual({ ok: false, error: expect.stringContaining('--seed and --seeds cannot be combined') });
    for (const bad of ['10-1', '', '1-200', '1,,2', 'a-b', '5000000000']) {
      expect(parseCommandLine(['--seeds', bad], '/')).toEqual({ ok: false, error: expect.stringContaining('--seeds must be') });
    }
  });

  it('refuses a confidence noise outside [0, 1]', () => {
    expect(parseCommandLine(['--confidence-noise', '1.2'], '/')).toEqual({ ok: false, error: expect.stringContaining('--confidence-noise must be a number from 0 to 1') });
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
