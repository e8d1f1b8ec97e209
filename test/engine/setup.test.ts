import assert from 'node:assert/strict';
import { savedObjects } from '../../src/sinks/kibana/saved-objects.js';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { engineEnv, request, testEngines, testPrefixes } from '../support/engines.js';
import { fakeKibana, kibanaAnswers, uploadedObjects } from '../support/fake-kibana.js';
import { runCli } from '../support/helpers.js';

const elastic = testEngines().find((e) => e.name === 'elasticsearch');

describe('memtrail setup', { skip: !elastic && 'needs the test Elasticsearch' }, () => {
  const engine = elastic!;
  const newPrefix = testPrefixes(engine, 'setup', after);

  test('installs the templates in the engine and imports every saved object, overwriting, twice', async () => {
    const prefix = newPrefix();
    const kibana = await fakeKibana(kibanaAnswers('kibana', '8.19.7'));
    try {
      for (let run = 0; run < 2; run++) {
        const result = await runCli(['setup', '--index-prefix', prefix, '--kibana-url', kibana.url], { env: engineEnv(engine) });
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stderr, /index templates .* installed in elasticsearch/);
        // Both indices, before the import: a data view over a missing index has no fields. Again: left be.
        const said = result.stderr.split('\n');
        const how = run === 0 ? 'created (empty)' : 'already there';
        const indices = said.indexOf(`memtrail: indices: ${prefix}-findings ${how}, ${prefix}-traces ${how}, ${prefix}-memory ${how}`);
        assert.ok(indices >= 0 && indices < said.findIndex((l) => l.includes('imported')), result.stderr);
        assert.match(result.stderr, /imported 12 saved objects into kibana 8\.19\.7/);
        assert.match(result.stderr, new RegExp(`/app/dashboards#/view/${prefix}-memory-incidents`));
      }
      assert.equal((await request(engine, 'GET', `/_index_template/${prefix}-findings`)).status, 200);
      assert.equal((await request(engine, 'GET', `/_index_template/${prefix}-traces`)).status, 200);
      for (const index of [`${prefix}-findings`, `${prefix}-traces`, `${prefix}-memory`]) {
        assert.equal((await request(engine, 'GET', `/${index}/_count`)).body.count, 0, `${index} is there, empty`);
        const mapping = (await request(engine, 'GET', `/${index}/_mapping`)).body[index].mappings;
        assert.equal(mapping.properties['@timestamp'].type, 'date', `${index} has its template's mapping`);
      }
      const imports = kibana.seen.filter((r) => r.url.startsWith('/api/saved_objects/_import'));
      assert.equal(imports.length, 2);
      for (const req of imports) {
        assert.equal(req.method, 'POST');
        assert.equal(req.url, '/api/saved_objects/_import?overwrite=true');
        assert.equal(req.headers['kbn-xsrf'], 'true');
        assert.match(req.headers['content-type']!, /^multipart\/form-data; boundary=/);
        assert.match(req.headers.authorization!, /^Basic /, "the engine's credentials are used by default");
        const uploaded = uploadedObjects(req.body);
        assert.deepEqual(uploaded, savedObjects(prefix));
        assert.equal(uploaded.find((o) => o.type === 'index-pattern')!.attributes.title, `${prefix}-findings`);
      }
      assert.deepEqual(
        kibana.seen.map((r) => r.url.split('?')[0]),
        ['/api/status', '/api/saved_objects/_import', '/api/status', '/api/saved_objects/_import'],
      );
    } finally {
      await kibana.close();
    }
  });

  test('without Kibana (the compose file\'s first one-off), setup installs the templates and creates the indices', async () => {
    const prefix = newPrefix();
    const result = await runCli(['setup', '--index-prefix', prefix], { env: engineEnv(engine) });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /no --kibana-url given/);
    for (const index of [`${prefix}-findings`, `${prefix}-traces`]) assert.equal((await request(engine, 'GET', `/${index}`)).status, 200);
  });

  test('OpenSearch Dashboards gets the data views and the saved search (it has no Lens)', async () => {
    const prefix = newPrefix();
    const dashboards = await fakeKibana(kibanaAnswers('osd', '2.19.0'));
    try {
      const result = await runCli(['setup', '--index-prefix', prefix, '--kibana-url', dashboards.url], { env: engineEnv(engine) });
      assert.equal(result.code, 0, result.stderr);
      const req = dashboards.seen.find((r) => r.url.startsWith('/api/saved_objects/_import'))!;
      assert.equal(req.headers['osd-xsrf'], 'true');
      assert.deepEqual(
        uploadedObjects(req.body).map((o) => o.type),
        ['index-pattern', 'index-pattern', 'index-pattern', 'search'],
      );
    } finally {
      await dashboards.close();
    }
  });

  test('clear errors: Kibana down, wrong credentials, too old, objects refused', async () => {
    const env = engineEnv(engine);
    const prefix = newPrefix();
    const down = await fakeKibana(() => ({ status: 200 }));
    await down.close();
    const unreachable = await runCli(['setup', '--index-prefix', prefix, '--kibana-url', down.url], { env });
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, new RegExp(`cannot reach Kibana at ${down.url.replace(/[.]/g, '\\.')} \\(GET /api/status\\): ECONNREFUSED`));

    const secret = `pw-${randomBytes(6).toString('hex')}`;
    const guarded = await fakeKibana(() => ({ status: 401, body: { message: 'unauthorized' } }));
    try {
      const denied = await runCli(['setup', '--index-prefix', prefix, '--kibana-url', guarded.url, '--kibana-username', 'ops', '--kibana-password', secret], { env });
      assert.equal(denied.code, 1);
      assert.match(denied.stderr, /authentication failed \(401\) at Kibana .*password of user "ops"/);
      assert.ok(!denied.stderr.includes(secret) && !denied.stdout.includes(secret));
    } finally {
      await guarded.close();
    }

    const old = await fakeKibana(kibanaAnswers('kibana', '7.17.20'));
    try {
      const tooOld = await runCli(['setup', '--index-prefix', prefix, '--kibana-url', old.url], { env });
      assert.equal(tooOld.code, 1);
      assert.match(tooOld.stderr, /Kibana 7\.17\.20 is too old/);
      assert.equal(old.seen.filter((r) => r.url.startsWith('/api/saved_objects')).length, 0, 'nothing imported into the wrong version');
    } finally {
      await old.close();
    }

    const refusing = await fakeKibana(kibanaAnswers('kibana', '8.19.7', [{ id: `${prefix}-memory-incidents`, type: 'dashboard', error: { type: 'conflict', message: 'boom' } }]));
    try {
      const partial = await runCli(['setup', '--index-prefix', prefix, '--kibana-url', refusing.url], { env });
      assert.equal(partial.code, 1);
      assert.match(partial.stderr, new RegExp(`dashboard ${prefix}-memory-incidents: conflict: boom`));
    } finally {
      await refusing.close();
    }
  });
});
