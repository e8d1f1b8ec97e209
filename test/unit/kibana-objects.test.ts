import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CORE_MIGRATION_VERSION, MIGRATION_VERSIONS, savedObjects, toNdjson, type SavedObject } from '../../src/sinks/kibana/saved-objects.js';
import { templatesFor } from '../../src/sinks/search/templates.js';
import { ROOT, type Json } from '../support/helpers.js';

/** Every mapped field of a template, dotted, with its type (sub-fields included). */
function fieldTypes(template: object): Map<string, string> {
  const types = new Map<string, string>();
  const walk = (properties: Record<string, Json>, prefix: string) => {
    for (const [name, spec] of Object.entries(properties)) {
      const path = prefix ? `${prefix}.${name}` : name;
      if (spec.properties) walk(spec.properties, path);
      if (spec.type) types.set(path, spec.type);
      for (const [sub, subSpec] of Object.entries((spec.fields ?? {}) as Record<string, Json>)) types.set(`${path}.${sub}`, subSpec.type);
    }
  };
  walk((template as Json).template.mappings.properties, '');
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
  const panels = JSON.parse(dashboard.attributes.panelsJSON as string) as { panelIndex: string; panelRefName: string }[];
  assert.equal(panels.length, 8);
  // Kibana 8 finds a panel's saved object under `<panelIndex>:<panelRefName>`.
  for (const panel of panels) assert.ok(dashboard.references.some((r) => r.name === `${panel.panelIndex}:${panel.panelRefName}`));
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
    const layers = (o.attributes.state as Json).datasourceStates.formBased.layers as Record<string, { columns: Record<string, Json> }>;
    for (const layer of Object.values(layers)) {
      for (const column of Object.values(layer.columns)) {
        if (column.operationType === 'static_value' || column.sourceField === '___records___') continue;
        const type = fields.get(column.sourceField);
        assert.ok(type, `${o.id}: ${column.sourceField} is mapped in ${dataViewOf(o)}`);
        if (column.operationType === 'date_histogram') assert.equal(type, 'date', `${column.sourceField} is a date`);
        if (['max', 'min', 'average', 'sum'].includes(column.operationType)) assert.ok(NUMERIC.has(type), `${column.sourceField} is numeric`);
        if (column.operationType === 'terms') assert.equal(type, 'keyword', `${column.sourceField} is a keyword`);
        const filtered = /^([\w.]+) :/.exec(column.filter?.query ?? '')?.[1];
        if (filtered) assert.equal(fields.get(filtered), 'keyword', `${filtered} can be filtered on`);
        checked++;
      }
    }
    const thresholds = ((o.attributes.state as Json).visualization.layers as { layerType: string; accessors: string[] }[]).filter((l) => l.layerType === 'referenceLine');
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

test('every object carries the model version Kibana 8.19 exports for its type, so a newer Kibana migrates it instead of guessing', async () => {
  const lines = (await readFile(join(ROOT, 'kibana', 'memtrail-saved-objects.ndjson'), 'utf8')).trimEnd().split('\n');
  const expected: Record<string, string> = { 'index-pattern': '8.0.0', search: '10.5.0', lens: '8.9.0', dashboard: '10.2.0' };
  assert.deepEqual({ ...MIGRATION_VERSIONS }, expected);
  assert.equal(CORE_MIGRATION_VERSION, '8.8.0');
  const seen = new Set<string>();
  for (const line of lines) {
    const o = JSON.parse(line) as SavedObject;
    assert.equal(o.typeMigrationVersion, expected[o.type], `${o.type} ${o.id}: typeMigrationVersion`);
    assert.equal(o.coreMigrationVersion, '8.8.0', `${o.type} ${o.id}: coreMigrationVersion`);
    seen.add(o.type);
  }
  assert.deepEqual([...seen].sort(), Object.keys(expected).sort(), 'every type the file holds is covered');
});

test('dashboard panels are referenced as Kibana 8 exports them: `<panelIndex>:panel_<panelIndex>`, one reference per panel', () => {
  const dashboard = objects.find((o) => o.type === 'dashboard')!;
  const panels = JSON.parse(dashboard.attributes.panelsJSON as string) as { panelIndex: string; panelRefName: string; type: string; gridData: { i: string } }[];
  const indexes = panels.map((p) => p.panelIndex);
  assert.equal(new Set(indexes).size, panels.length, 'panel indexes are unique');
  assert.deepEqual(
    dashboard.references.map((r) => r.name),
    indexes.map((i) => `${i}:panel_${i}`),
  );
  for (const panel of panels) {
    assert.equal(panel.panelRefName, `panel_${panel.panelIndex}`);
    assert.equal(panel.gridData.i, panel.panelIndex, 'the grid item is the panel');
    const ref = dashboard.references.find((r) => r.name === `${panel.panelIndex}:panel_${panel.panelIndex}`)!;
    assert.equal(ref.type, panel.type);
    assert.ok(objects.some((o) => o.id === ref.id && o.type === ref.type), `${ref.name} leads to an object in the file`);
  }
});
