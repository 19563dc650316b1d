import { buildConfig } from '../src/config';

const build = (learning: Record<string, unknown>) => buildConfig({ learning }, { env: {}, cwd: '/srv/medic', file: null });

describe('learning configuration', () => {
  it('reads the calibration settings the agent schedules and calibrates with', () => {
    const config = build({ min_samples: 5, calibration_window_days: 14, calibration_interval_hours: 6, rekill_window_minutes: 10, history_window_days: 7, max_harm_rate: 0.01 });
    expect(config.calibration).toEqual({ minSamples: 5, windowDays: 14, intervalHours: 6, maxHarmRate: 0.01 });
    expect(config.policy).toMatchObject({ rekillWindowMinutes: 10, historyWindowDays: 7 });
  });

  it('refuses a calibration interval longer than a Node timer can wait, naming the key', () => {
    // 720 h is 2.6e9 ms, past 2^31-1: setInterval would fire every millisecond and step the ceiling each time.
    expect(() => build({ calibration_interval_hours: 720 })).toThrow(expect.objectContaining({ code: 'config_invalid', message: expect.stringContaining('learning.calibration_interval_hours') }));
    expect(build({ calibration_interval_hours: 576 }).calibration.intervalHours).toBe(576);
  });

  it('defaults the harm budget to 0.005 and refuses one outside [0, 1], naming the key', () => {
    expect(build({}).calibration.maxHarmRate).toBe(0.005);
    expect(() => build({ max_harm_rate: 1.5 })).toThrow(expect.objectContaining({ code: 'config_invalid', message: expect.stringContaining('learning.max_harm_rate') }));
    expect(() => build({ max_harm_rate: -0.1 })).toThrow(expect.objectContaining({ code: 'config_invalid' }));
  });

  it('refuses a calibration interval of zero', () => {
    expect(() => build({ calibration_interval_hours: 0 })).toThrow(expect.objectContaining({ code: 'config_invalid' }));
  });
});
