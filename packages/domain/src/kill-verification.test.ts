import { verifyKill } from './kill-verification';
import type { ContainerState } from './kill-verification';

const T = '2026-02-11T12:00:00.000Z';
const WINDOW_MS = 60_000;
const at = (seconds: number): string => new Date(Date.parse(T) + seconds * 1000).toISOString();
const state = (overrides: Partial<ContainerState>): ContainerState => ({ name: 'web', running: false, health: 'none', startedAt: at(-3600), finishedAt: null, ...overrides });

describe('verifyKill', () => {
  it.each([
    ['stopped at the reported time', { finishedAt: at(0) }],
    ['stopped just inside the window before it', { finishedAt: at(-60) }],
    ['stopped after it (Smith stamps, then kills)', { finishedAt: at(5) }],
  ])('resurrects a container %s', (_, overrides) => {
    const verdict = verifyKill(state(overrides), T, WINDOW_MS);
    expect(verdict).toEqual({ proceed: true, verification: expect.stringMatching(/^verify_kill: web stopped at .* within 60 s of the reported kill/) });
  });

  it('refuses a container that stopped before the window: not_killed', () => {
    expect(verifyKill(state({ finishedAt: at(-61) }), T, WINDOW_MS)).toEqual({
      proceed: false,
      outcome: 'not_killed',
      verification: `verify_kill: web stopped at ${at(-61)}, more than 60 s before the reported kill at ${T}: not this kill`,
    });
  });

  it('refuses a container that never ran: not_killed', () => {
    expect(verifyKill(state({ startedAt: null, finishedAt: null }), T, WINDOW_MS)).toMatchObject({ proceed: false, outcome: 'not_killed' });
  });

  it.each(['healthy', 'none'] as const)('refuses a running %s container that started before the window: not_killed', (health) => {
    const verdict = verifyKill(state({ running: true, health, startedAt: at(-61) }), T, WINDOW_MS);
    expect(verdict).toMatchObject({ proceed: false, outcome: 'not_killed', verification: expect.stringContaining('nothing restarted') });
  });

  it.each(['healthy', 'none'] as const)('refuses a running %s container that started since: already_running', (health) => {
    const verdict = verifyKill(state({ running: true, health, startedAt: at(2), finishedAt: at(0) }), T, WINDOW_MS);
    expect(verdict).toMatchObject({ proceed: false, outcome: 'already_running', verification: expect.stringContaining('came back by itself') });
  });

  it.each(['unhealthy', 'starting'] as const)('restarts a running %s container, whenever it started', (health) => {
    for (const startedAt of [at(-3600), at(2)]) {
      expect(verifyKill(state({ running: true, health, startedAt }), T, WINDOW_MS)).toMatchObject({ proceed: true, verification: expect.stringContaining('is restarted') });
    }
  });
});
