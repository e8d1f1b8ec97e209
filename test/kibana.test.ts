import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { savedObjects, toNdjson, type SavedObject } from '../src/sinks/kibana/saved-objects.js';
import { templatesFor } from '../src/sinks/search/templates.js';
import { engineEnv, request, testEngines, testPrefixes } from './engines.js';
import { ROOT, runCli } from './helpers.js';

/** Every mapped field of a template, dotted, with its type (sub-fields included). */
function fieldTypes(template: object): Map<string, string> {
  const types = new Map<string, string>();
  const walk = (properties: Record<string, any>, prefix: string) => {
    for (const [name, spec] of Object.entries(properties)) {
      const path = prefix ? `${prefix}.${name}` : name;
      if (spec.properties) walk(spec.properties, path);
      if (spec.type) types.set(path, spec.type);
      for (const [sub, subSpec] of Object.entries((spec.fields ?? {}) as Record<string, any>)) types.set(`${path}.${sub}`, subSpec.type);
    }
  };
  walk((template as any).template.mappings.properties, '');
  return types;
}

const NUMERIC = new Set(['long', 'integer', 'short', 'byte', 'double', 'float', 'scaled_float']);
const objects = savedObjects('memtrail');
const templates = templatesFor('memtrail');
const fieldsOf = (dataView: string) => fieldTypes(templates[dataView]!);

test('the saved objects shipped in kibana/ are exactly what setup imports', async () => {
  const shipped = await readFile(join(ROOT, 'kibana', 'memtrail-saved-objects.ndjson'), 'utf8');
  assert.equal(shipped, toNdjson(objects), 'regenerate with: node --import tsx -e "…toNdjson(savedObjects(\'memtrail\'))"');
});

test("the file parses as Kibana's NDJSON import format, and every reference resolves", async () => {
  const lines = (await readFile(join(ROOT, 'kibana', 'memtrail-saved-objects.ndjson'), 'utf8')).trimEnd().split('\n');
  const parsed = lines.map((line) => JSON.parse(line) as SavedObject);
  const ids = new Set(parsed.map((o) => `${o.type}:${o.id}`));
  assert.equal(ids.size, parsed.length, 'ids are unique per type');
  for (const o of parsed) {
    assert.equal(typeof o.id, 'string');
    assert.ok(['index-pattern', 'search', 'lens', 'dashboard'].includes(o.type));
    assert.equal(typeof o.attributes.title, 'string');
    assert.ok(Array.isArray(o.references));
    for (const ref of o.references) assert.ok(ids.has(`${ref.type}:${ref.id}`), `${o.id} refers to ${ref.type}:${ref.id}`);
  }
  const dashboard = parsed.find((o) => o.type === 'dashboard')!;
  const panels = JSON.parse(dashboard.attributes.panelsJSON as string) as { panelRefName: string }[];
  assert.equal(panels.length, 5);
  for (const panel of panels) assert.ok(dashboard.references.some((r) => r.name === panel.panelRefName));
  const search = parsed.find((o) => o.type === 'search')!;
  assert.equal(search.attributes.title, 'Memory incident timeline');
  assert.deepEqual(search.attributes.sort, [['@timestamp', 'asc']]);
  const meta = JSON.parse((search.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON);
  assert.ok(search.references.some((r) => r.name === meta.indexRefName));
});

test('every field a chart or the saved search uses exists in the index template with a type it can use', () => {
  const dataViewOf = (o: SavedObject) => o.references.find((r) => r.type === 'index-pattern')!.id;
  let checked = 0;
  for (const o of objects.filter((x) => x.type === 'lens')) {
    const fields = fieldsOf(dataViewOf(o));
    const layers = (o.attributes.state as any).datasourceStates.formBased.layers as Record<string, { columns: Record<string, any> }>;
    for (const layer of Object.values(layers)) {
      for (const column of Object.values(layer.columns)) {
        if (column.operationType === 'static_value' || column.sourceField === '___records___') continue;
        const type = fields.get(column.sourceField);
        assert.ok(type, `${o.id}: ${column.sourceField} is mapped in ${dataViewOf(o)}`);
        if (column.operationType === 'date_histogram') assert.equal(type, 'date', `${column.sourceField} is a date`);
        if (['max', 'min', 'average', 'sum'].includes(column.operationType)) assert.ok(NUMERIC.has(type!), `${column.sourceField} is numeric`);
        if (column.operationType === 'terms') assert.equal(type, 'keyword', `${column.sourceField} is a keyword`);
        const filtered = /^([\w.]+) :/.exec(column.filter?.query ?? '')?.[1];
        if (filtered) assert.equal(fields.get(filtered), 'keyword', `${filtered} can be filtered on`);
        checked++;
      }
    }
    const thresholds = ((o.attributes.state as any).visualization.layers as { layerType: string; accessors: string[] }[]).filter((l) => l.layerType === 'referenceLine');
    if (o.id === 'memtrail-memory-usage-over-time') {
      const staticValues = Object.values(layers.thresholds!.columns).map((c) => Number(c.params.value));
      assert.deepEqual(staticValues, [80, 90], 'the 80 % and 90 % thresholds are marked');
      assert.equal(thresholds[0]!.accessors.length, 2);
    }
  }
  const search = objects.find((o) => o.type === 'search')!;
  const findingFields = fieldsOf('memtrail-findings');
  for (const column of search.attributes.columns as string[]) assert.ok(findingFields.has(column), `column ${column} is mapped`);
  assert.ok(checked >= 8);
  for (const view of objects.filter((o) => o.type === 'index-pattern')) {
    assert.equal(fieldsOf(view.id).get(view.attributes.timeFieldName as string), 'date');
  }
});

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A local HTTP server in Kibana's place: it records what setup sends and answers as told. */
async function fakeKibana(respond: (req: Seen) => { status: number; headers?: Record<string, string>; body?: unknown }) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      const entry = { method: req.method!, url: req.url!, headers: req.headers, body };
      seen.push(entry);
      const answer = respond(entry);
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise((r) => server.close(r)) };
}

const kibanaAnswers =
  (product: 'kibana' | 'osd', version: string, importErrors: unknown[] = []) =>
  (req: Seen) => {
    if (req.url === '/api/status') {
      return { status: 200, headers: { [product === 'kibana' ? 'kbn-name' : 'osd-name']: 'test' }, body: { version: { number: version } } };
    }
    if (req.url.startsWith('/api/saved_objects/_import')) {
      const count = uploadedObjects(req.body).length;
      return { status: 200, body: { success: importErrors.length === 0, successCount: count - importErrors.length, errors: importErrors } };
    }
    return { status: 404, body: { message: 'not found' } };
  };

/** The NDJSON inside a multipart body. */
function uploadedObjects(body: string): SavedObject[] {
  const part = body.split('\r\n\r\n')[1]!.split('\r\n--')[0]!;
  return part.trimEnd().split('\n').map((l) => JSON.parse(l) as SavedObject);
}

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
        assert.match(result.stderr, /imported 8 saved objects into kibana 8\.19\.7/);
        assert.match(result.stderr, new RegExp(`/app/dashboards#/view/${prefix}-memory-incidents`));
      }
      assert.equal((await request(engine, 'GET', `/_index_template/${prefix}-findings`)).status, 200);
      assert.equal((await request(engine, 'GET', `/_index_template/${prefix}-traces`)).status, 200);
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
        ['index-pattern', 'index-pattern', 'search'],
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

test('the compose file parses and pins Elasticsearch and Kibana to the version the tests run', async () => {
  const compose = parseYaml(await readFile(join(ROOT, 'docker-compose.yml'), 'utf8'));
  const engineScript = await readFile(join(ROOT, 'scripts', 'engine.ts'), 'utf8');
  const testedVersion = process.env.MEMTRAIL_TEST_ES_VERSION ?? /MEMTRAIL_ES_VERSIONS \?\? '([\d.]+)'/.exec(engineScript)![1]!;
  const { elasticsearch, kibana, memtrail } = compose.services;
  const setup = compose.services['memtrail-setup'];
  assert.equal(elasticsearch.image, `docker.elastic.co/elasticsearch/elasticsearch:${testedVersion}`);
  assert.equal(kibana.image, `docker.elastic.co/kibana/kibana:${testedVersion}`);
  for (const [name, service] of Object.entries({ elasticsearch, kibana, memtrail })) {
    assert.ok(service.healthcheck?.test, `${name} has a health check`);
    assert.ok(service.deploy?.resources?.limits?.memory, `${name} has a memory limit`);
    assert.ok(service.deploy?.resources?.reservations?.memory, `${name} has a memory reservation`);
  }
  assert.equal(elasticsearch.environment['discovery.type'], 'single-node');
  assert.match(String(elasticsearch.environment['xpack.security.enabled']), /ES_SECURITY/, 'security can be switched on');
  assert.equal(kibana.depends_on.elasticsearch.condition, 'service_healthy');
  assert.equal(setup.depends_on.kibana.condition, 'service_healthy');
  assert.deepEqual(setup.command, ['setup']);
  assert.equal(memtrail.depends_on['memtrail-setup'].condition, 'service_completed_successfully');
  assert.deepEqual(memtrail.command.slice(0, 1), ['tail']);
  assert.ok(memtrail.command.includes('--index'));
  assert.ok(memtrail.volumes.some((v: string) => /:\/logs:ro$/.test(v)), 'the log folder is mounted read-only');
  assert.ok(memtrail.command.includes('--state'));
});

test('the Dockerfile is multi-stage, installs production dependencies only, and runs as non-root', async () => {
  const dockerfile = await readFile(join(ROOT, 'Dockerfile'), 'utf8');
  assert.equal((dockerfile.match(/^FROM /gm) ?? []).length, 2);
  assert.match(dockerfile, /npm ci --omit=dev/);
  assert.match(dockerfile, /^USER node$/m);
  assert.match(dockerfile, /COPY --from=build \/app\/dist/);
  const node = /^FROM node:(\d+)/m.exec(dockerfile)![1];
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
  assert.ok(Number(node) >= Number(/\d+/.exec(pkg.engines.node)![0]), 'the image runs a Node version package.json accepts');
});
