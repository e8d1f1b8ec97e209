import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
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
