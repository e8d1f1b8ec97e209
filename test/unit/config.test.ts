import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/cli/options.js';
import { buildConfig, ConfigError } from '../../src/config.js';
import { withTempDir } from '../support/helpers.js';

test('defaults match the runbook and README', () => {
  const config = buildConfig(undefined, {});
  assert.deepEqual(config.thresholds, { warn_percent: 80, critical_percent: 90, payload_bytes: 1048576 });
  assert.equal(config.incident_gap, 20_000);
  assert.equal(config.max_record_bytes, 1048576);
  assert.equal(config.preset, 'auto');
});

test('flags override the config file key by key', async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, 'memtrail.json');
    await writeFile(file, JSON.stringify({ thresholds: { warn_percent: 70, critical_percent: 85 }, incident_gap: '10m', fields: { trace_id: 'req.trace' } }));
    const config = await loadConfig({ config: file, criticalPercent: 95, incidentGap: '30s' });
    assert.deepEqual(config.thresholds, { warn_percent: 70, critical_percent: 95, payload_bytes: 1048576 });
    assert.equal(config.incident_gap, 30_000);
    assert.deepEqual(config.fields.trace_id, ['req.trace']);
  });
});

test('a bad key in the config file is named with the file', async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, 'memtrail.json');
    await writeFile(file, JSON.stringify({ thresholds: { warn_percnt: 70 } }));
    await assert.rejects(loadConfig({ config: file }), (error: Error) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, `config file ${file}: thresholds.warn_percnt: unknown key`);
      return true;
    });
    await writeFile(file, JSON.stringify({ incident_gap: 'soon' }));
    await assert.rejects(loadConfig({ config: file }), /incident_gap: not a duration: "soon"/);
    await assert.rejects(loadConfig({ incidentGap: '300' }), /--incident-gap: a duration needs a unit: "300" \(use e\.g\. 300s or 300ms\)/);
    await writeFile(file, '{ not json');
    await assert.rejects(loadConfig({ config: file }), /is not valid JSON/);
    await assert.rejects(loadConfig({ config: join(dir, 'missing.json') }), /cannot read config file .*missing\.json: ENOENT/);
  });
});

test('a bad flag value is named by its flag', async () => {
  await assert.rejects(loadConfig({ warnPercent: Number('abc') }), /^ConfigError: --warn-percent: /);
  await assert.rejects(loadConfig({ criticalPercent: 101 }), /--critical-percent: Too big/);
  await assert.rejects(loadConfig({ field: ['nonsense=a.b'] }), /--field nonsense=a.b: expected NAME=PATH/);
  await assert.rejects(loadConfig({ warnPercent: 95 }), /warn_percent must not exceed critical_percent/);
});
