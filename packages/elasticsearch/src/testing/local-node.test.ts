import { startLocalNode } from './local-node';
import type { LocalNode, LocalNodeOptions } from './local-node';

// What @elastic/elasticsearch 9.x sends (lib/client.js vendoredHeaders; its transport puts the JSON content type in Accept
// when there is a JSON body, and the two-type Accept otherwise).
const CLIENT_9_JSON = 'application/vnd.elasticsearch+json; compatible-with=9';
const CLIENT_9_ACCEPT_WITHOUT_BODY = 'application/vnd.elasticsearch+json; compatible-with=9,text/plain';
const CLIENT_8_JSON = 'application/vnd.elasticsearch+json; compatible-with=8';

const nodes: LocalNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((node) => node.close()));
});

async function node(options: Partial<LocalNodeOptions> = {}): Promise<LocalNode> {
  const started = await startLocalNode({ behaviour: 'answer', ...options });
  nodes.push(started);
  return started;
}

async function send(es: LocalNode, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  const response = await fetch(`${es.url}${path}`, { method: init.method ?? 'POST', headers: init.headers ?? {}, ...(init.body !== undefined ? { body: init.body } : {}) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

const search = (es: LocalNode, path: string, json = CLIENT_8_JSON) =>
  send(es, path, { headers: { accept: json, 'content-type': json }, body: '{"size":0}' });

describe('the stand-in node enforces REST compatibility as Elasticsearch does', () => {
  it('refuses the 9.x client\'s search as Elasticsearch 8 does, with its error body', async () => {
    const es = await node({ major: 8 });
    const answer = await search(es, '/.alerts-security.alerts-*/_search', CLIENT_9_JSON);
    expect(answer).toEqual({
      status: 400,
      body: {
        error: {
          root_cause: [{ type: 'media_type_header_exception', reason: 'Invalid media-type value on headers [Accept, Content-Type]' }],
          type: 'media_type_header_exception',
          reason: 'Invalid media-type value on headers [Accept, Content-Type]',
          caused_by: {
            type: 'status_exception',
            reason: 'Accept version must be either version 8 or 7, but found 9. Accept=application/vnd.elasticsearch+json; compatible-with=9',
          },
        },
        status: 400,
      },
    });
  });

  it('lets the 9.x client\'s ping through, as Elasticsearch 8 ignores an Accept that lists two types', async () => {
    const es = await node({ major: 8 });
    expect((await send(es, '/', { method: 'HEAD', headers: { accept: CLIENT_9_ACCEPT_WITHOUT_BODY } })).status).toBe(200);
  });

  it('answers compatible-with=8 on Elasticsearch 8 and 9, and compatible-with=9 only on 9', async () => {
    const es8 = await node({ major: 8 });
    const es9 = await node({ major: 9 });
    expect((await search(es8, '/.alerts-security.alerts-*/_search')).status).toBe(200);
    expect((await search(es9, '/.alerts-security.alerts-*/_search')).status).toBe(200);
    expect((await search(es9, '/.alerts-security.alerts-*/_search', CLIENT_9_JSON)).status).toBe(200);
  });

  it('refuses a Content-Type whose version differs from the Accept version, and a versioned body type without a versioned Accept', async () => {
    const mixed = await send(await node({ major: 9 }), '/.alerts-security.alerts-*/_search', { headers: { accept: CLIENT_8_JSON, 'content-type': CLIENT_9_JSON }, body: '{}' });
    expect(mixed.status).toBe(400);
    expect(JSON.stringify(mixed.body)).toContain(`and the compatible versions must match. Accept=${CLIENT_8_JSON}, Content-Type=${CLIENT_9_JSON}`);
    const half = await send(await node({ major: 8 }), '/.alerts-security.alerts-*/_search', { headers: { accept: 'application/json', 'content-type': CLIENT_8_JSON }, body: '{}' });
    expect(half.status).toBe(400);
    expect(JSON.stringify(half.body)).toContain(`if either one has requested a compatible version. Accept=application/json, Content-Type=${CLIENT_8_JSON}`);
  });
});

describe('the stand-in node resolves indices as a secured Elasticsearch does', () => {
  it('answers a pattern that matches nothing with no hits by default: the "all clear" the adapter must not trust', async () => {
    const es = await node({ indices: ['.alerts-security.alerts-default'] });
    const answer = await search(es, '/.alerts-securty.alerts-*/_search');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ hits: { total: { value: 0 } } });
  });

  it('refuses a pattern that matches nothing with allow_no_indices=false', async () => {
    const es = await node({ indices: ['.alerts-security.alerts-default'] });
    const answer = await search(es, '/.alerts-securty.alerts-*/_search?allow_no_indices=false');
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ error: { type: 'index_not_found_exception', reason: 'no such index [[.alerts-securty.alerts-*]]' } });
  });

  it('expands a pattern only to the indices the key may read', async () => {
    const searched: Array<readonly string[]> = [];
    const es = await node({
      indices: ['.alerts-security.alerts-default', '.alerts-security.alerts-secops'],
      key: { monitor: false, read: ['.alerts-security.alerts-secops'] },
      search: (_body, indices) => {
        searched.push(indices);
        return { hits: { total: { value: 0, relation: 'eq' }, hits: [] } };
      },
    });
    expect((await search(es, '/.alerts-security.alerts-*/_search?allow_no_indices=false')).status).toBe(200);
    expect(searched).toEqual([['.alerts-security.alerts-secops']]);
    const unreadable = await search(es, '/.alerts-security.alerts-default*/_search?allow_no_indices=false');
    expect(unreadable).toMatchObject({ status: 404, body: { error: { type: 'index_not_found_exception' } } });
    expect(searched).toHaveLength(1);
  });

  it('refuses a named index the key may not read, and does not find a missing one', async () => {
    const es = await node({ indices: ['.alerts-security.alerts-default', 'medic-demo-alerts'], key: { monitor: false, read: ['medic-*'] } });
    const refused = await search(es, '/.alerts-security.alerts-default/_search');
    expect(refused).toMatchObject({ status: 403, body: { error: { type: 'security_exception' } } });
    expect(JSON.stringify(refused.body)).toContain(
      'action [indices:data/read/search] is unauthorized for API key id [medic-test-key] of user [medic] on indices [.alerts-security.alerts-default], this action is granted by the index privileges [read,all]',
    );
    const missing = await search(es, '/medic-demo-alertz/_search');
    expect(missing).toMatchObject({ status: 404, body: { error: { type: 'index_not_found_exception', reason: 'no such index [medic-demo-alertz]' } } });
  });

  it('needs the monitor privilege for the cluster info and ping, not for a search', async () => {
    const es = await node({ key: { monitor: false, read: ['.alerts-security.alerts-*'] } });
    const info = await send(es, '/', { method: 'GET', headers: { accept: CLIENT_8_JSON } });
    expect(info).toMatchObject({ status: 403, body: { error: { type: 'security_exception' } } });
    expect(JSON.stringify(info.body)).toContain('action [cluster:monitor/main] is unauthorized');
    expect((await search(es, '/.alerts-security.alerts-*/_search?allow_no_indices=false')).status).toBe(200);
  });
});
