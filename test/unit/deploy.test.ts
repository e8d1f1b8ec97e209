import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { ROOT } from '../support/helpers.js';

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

test('compose: the tail waits for the templates only; the Kibana objects are a separate one-off, retried until imported', async () => {
  const compose = parseYaml(await readFile(join(ROOT, 'docker-compose.yml'), 'utf8'));
  const { memtrail } = compose.services;
  const setup = compose.services['memtrail-setup'];
  const objects = compose.services['memtrail-kibana'];
  // The templates (and the empty indices): what the tail needs, from Elasticsearch alone.
  assert.deepEqual(Object.keys(setup.depends_on), ['elasticsearch']);
  assert.equal(setup.environment.MEMTRAIL_KIBANA_URL, undefined, 'setup without Kibana installs the templates only');
  // The Kibana objects: after the templates, once Kibana is healthy, again on failure.
  assert.deepEqual(objects.command, ['setup']);
  assert.equal(objects.environment.MEMTRAIL_KIBANA_URL, 'http://kibana:5601');
  assert.equal(objects.depends_on.kibana.condition, 'service_healthy');
  assert.equal(objects.depends_on['memtrail-setup'].condition, 'service_completed_successfully');
  assert.match(String(objects.restart), /^on-failure/);
  // Nothing the tail waits for depends on Kibana.
  assert.deepEqual(Object.keys(memtrail.depends_on).sort(), ['elasticsearch', 'memtrail-setup']);
  for (const name of Object.keys(memtrail.depends_on)) assert.equal(compose.services[name].depends_on?.kibana, undefined, `${name} does not wait for Kibana`);
});

test("compose: Kibana is healthy when its overall status is available, whatever a plugin's says", async () => {
  const compose = parseYaml(await readFile(join(ROOT, 'docker-compose.yml'), 'utf8'));
  const [kind, command] = compose.services.kibana.healthcheck.test as [string, string];
  assert.equal(kind, 'CMD-SHELL');
  const [fetch, ...check] = command.split('|');
  assert.match(fetch!, /curl -fs http:\/\/localhost:5601\/api\/status/);
  // The part that reads the body, run on what Kibana answers (v8 format, and the short form without credentials).
  const healthy = (body: object) => {
    try {
      execFileSync('sh', ['-c', check.join('|')], { input: JSON.stringify(body) });
      return true;
    } catch {
      return false;
    }
  };
  const status = (overall: string, plugin: string) => ({
    name: 'kibana',
    version: { number: '8.19.7' },
    status: {
      overall: { level: overall, summary: `overall ${overall}` },
      core: { elasticsearch: { level: 'available', summary: 'ok' }, savedObjects: { level: plugin, summary: 'x' } },
      plugins: { lens: { level: 'available', summary: 'ok' }, dashboard: { level: plugin, summary: 'x' } },
    },
  });
  assert.equal(healthy(status('available', 'available')), true);
  assert.equal(healthy(status('degraded', 'available')), false, 'a plugin available is not Kibana available');
  assert.equal(healthy(status('unavailable', 'available')), false);
  assert.equal(healthy({ status: { overall: { level: 'available' } } }), true, 'the short answer Kibana gives without credentials');
  assert.equal(healthy({ status: { overall: { level: 'critical' } } }), false);
});

test('compose: Prometheus scrapes the tail\'s /metrics with the shipped rules, and the tail\'s health check is /healthz', async () => {
  const compose = parseYaml(await readFile(join(ROOT, 'docker-compose.yml'), 'utf8'));
  const { memtrail, prometheus } = compose.services;
  const listen = memtrail.command.indexOf('--metrics-listen');
  assert.equal(memtrail.command[listen + 1], '0.0.0.0:9464');
  assert.match(memtrail.healthcheck.test.join(' '), /\/healthz/);
  assert.match(prometheus.image, /^prom\/prometheus:v\d+\.\d+\.\d+$/, 'a pinned version');
  const config = parseYaml(await readFile(join(ROOT, 'prometheus', 'prometheus.yml'), 'utf8'));
  assert.deepEqual(config.scrape_configs[0].static_configs[0].targets, ['memtrail:9464']);
  assert.deepEqual(config.rule_files, ['/etc/prometheus/memtrail-rules.yml']);
  assert.ok(prometheus.volumes.some((v: string) => v.startsWith('./prometheus/memtrail-rules.yml:/etc/prometheus/memtrail-rules.yml')));
});
