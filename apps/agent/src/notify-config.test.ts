import { inspect } from 'node:util';
import { configMessage } from '../test/config-error';
import { buildConfig } from './config';
import { apiUrlOf } from './notification-formats';

const context = (env: NodeJS.ProcessEnv = {}) => ({ env, cwd: '/tmp', file: '/etc/medic.yaml' });

const hook = (extra: Record<string, unknown> = {}) => ({ url: 'https://hooks.example.com/services/T0/B0/xyz', format: 'slack', events: ['pending_review'], ...extra });

describe('notify configuration', () => {
  it('has no webhooks by default, and takes the approve URL from the API unless notify.api_url says otherwise', () => {
    const config = buildConfig({}, context());
    expect(config.notify).toEqual({ webhooks: [], apiUrl: null, timeoutMs: 10_000, retry: { firstDelayMs: 1000, maxDelayMs: 300_000, maxAttempts: 10 } });
    expect(buildConfig({ notify: { api_url: 'https://medic.internal:8443/' } }, context()).notify.apiUrl).toBe('https://medic.internal:8443');
    expect(apiUrlOf({ host: '127.0.0.1', port: 8000 })).toBe('http://127.0.0.1:8000');
    expect(apiUrlOf({ host: '0.0.0.0', port: 9000 })).toBe('http://127.0.0.1:9000');
    expect(apiUrlOf({ host: '::', port: 8000 })).toBe('http://[::1]:8000');
  });

  it('reads each webhook, with ${VAR} references in its URL and header values from the environment', () => {
    const config = buildConfig(
      {
        notify: {
          webhooks: [
            { name: 'ops', url: '${SLACK_URL}', format: 'slack', events: ['pending_review', 'rollback'] },
            { url: 'https://events.example.com/medic', format: 'cloudevents', events: ['deny'], headers: { Authorization: 'Bearer ${EVENTS_TOKEN}', 'X-Team': 'sre' } },
          ],
        },
      },
      context({ SLACK_URL: 'https://hooks.slack.com/services/T1/B2/secretpath', EVENTS_TOKEN: 'tok-123' }),
    );
    const [ops, events] = config.notify.webhooks;
    expect(ops).toMatchObject({ key: 'ops', name: 'ops', origin: 'https://hooks.slack.com', format: 'slack', events: new Set(['pending_review', 'rollback']) });
    expect(ops?.url.revealText()).toBe('https://hooks.slack.com/services/T1/B2/secretpath');
    expect(events).toMatchObject({ key: expect.stringMatching(/^url-[0-9a-f]{12}$/), name: 'https://events.example.com', format: 'cloudevents' });
    expect(events?.headers.get('Authorization')?.revealText()).toBe('Bearer tok-123');
    // Secrets never print: not in the config's JSON, not when inspected.
    for (const shown of [JSON.stringify(config), inspect(config, { depth: 10 })]) {
      expect(shown).not.toContain('secretpath');
      expect(shown).not.toContain('tok-123');
    }
  });

  it('stops with the key named, never a value, when a referenced variable is missing', () => {
    const message = configMessage(() => buildConfig({ notify: { webhooks: [hook({ headers: { Authorization: 'Bearer ${HOOK_TOKEN}' } })] } }, context({ OTHER: 'x' })));
    expect(message).toBe('invalid configuration: notify.webhooks.0.headers.Authorization: the environment variable HOOK_TOKEN is not set');
    expect(configMessage(() => buildConfig({ notify: { webhooks: [hook({ url: '${NOPE}' })] } }, context()))).toBe(
      'invalid configuration: notify.webhooks.0.url: the environment variable NOPE is not set',
    );
  });

  it('refuses bad webhooks naming the key', () => {
    const cases: Array<[unknown, string]> = [
      [{ webhooks: [hook({ format: 'teams' })] }, 'notify.webhooks.0.format'],
      [{ webhooks: [hook({ events: ['reboot'] })] }, 'notify.webhooks.0.events.0'],
      [{ webhooks: [hook({ events: [] })] }, 'notify.webhooks.0.events'],
      [{ webhooks: [hook({ url: 'ftp://example.com/x' })] }, 'notify.webhooks.0.url: must be an http:// or https:// URL'],
      [{ webhooks: [hook({ url: 'https://user:pw@example.com/x' })] }, 'notify.webhooks.0.url: must not carry credentials'],
      [{ webhooks: [hook({ headers: { 'Content-Type': 'text/plain' } })] }, 'notify.webhooks.0.headers.Content-Type: is set by Medic itself'],
      [{ webhooks: [hook({ headers: { 'Bad Header': 'x' } })] }, 'notify.webhooks.0.headers'],
      [{ webhooks: [hook(), hook()] }, 'notify.webhooks.1: another webhook has the same URL'],
      [{ webhooks: [hook({ name: 'a' }), hook({ name: 'a', url: 'https://other.example.com' })] }, 'notify.webhooks.1: another webhook has the same name'],
      [{ webhooks: [hook({ colour: 'red' })] }, 'notify.webhooks.0.colour'],
      [{ retry: { max_attempts: 0 } }, 'notify.retry.max_attempts'],
      [{ api_url: 'medic.internal' }, 'notify.api_url'],
    ];
    for (const [notify, key] of cases) expect(configMessage(() => buildConfig({ notify }, context()))).toContain(key);
    const injected = configMessage(() => buildConfig({ notify: { webhooks: [hook({ headers: { 'X-Token': '${T}' } })] } }, context({ T: 'line\r\nInjected: yes' })));
    expect(injected).toBe('invalid configuration: notify.webhooks.0.headers.X-Token: must be one line without control characters');
  });
});
