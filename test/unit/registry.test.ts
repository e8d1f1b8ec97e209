import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DetectorModule } from '../../src/classify/detector.js';
import type { Finding } from '../../src/classify/finding.js';
import { DETECTORS, emptyCounts, KINDS } from '../../src/classify/registry.js';
import { configSchema } from '../../src/config.js';
import { FindingCollector } from '../../src/correlate/collector.js';
import { emptyStats } from '../../src/correlate/report.js';
import { Detection } from '../../src/pipeline/detection.js';
import { findingDocument } from '../../src/sinks/search/documents.js';
import { templatesFor } from '../../src/sinks/search/templates.js';
import { renderText } from '../../src/sinks/text.js';
import { colorsFor } from '../../src/sinks/terminal.js';
import type { Json } from '../support/helpers.js';

/** A finding of a kind, with every field its spec declares set. */
function findingOf(kind: (typeof KINDS)[number]): Finding {
  const details = Object.fromEntries(Object.entries(kind.fields).map(([name, type]) => [name, type === 'keyword' ? 'x' : type === 'date' ? '2026-01-01T00:00:00.000Z' : 1]));
  return {
    id: `id-${kind.name}`,
    trace_id: 't',
    timestamp: 0,
    timestamp_source: 'record',
    kind: kind.name,
    severity: kind.severities[0]!,
    event: 'e',
    message: 'm',
    level: 'INFO',
    host: 'h',
    service: 's',
    usage_percent: 50,
    memory_used_bytes: 1,
    payload_bytes: 2,
    origin: null,
    ...(Object.keys(details).length > 0 ? { details } : {}),
    source: { file: 'f', line: 1, offset: 0 },
  };
}

/** Every leaf path of a document, dotted. */
function leaves(value: Json, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  return Object.entries(value as Record<string, Json>).flatMap(([key, inner]) => leaves(inner, prefix ? `${prefix}.${key}` : key));
}

function mapped(properties: Json, path: string): boolean {
  const [head, ...rest] = path.split('.');
  const spec = properties[head!];
  if (!spec) return false;
  return rest.length === 0 ? spec.type !== undefined : spec.properties !== undefined && mapped(spec.properties, rest.join('.'));
}

test('every registered kind is counted, shown, and every field of its findings is mapped in the index template', () => {
  assert.deepEqual(
    KINDS.map((k) => k.name),
    DETECTORS.flatMap((d) => d.kinds.map((k) => k.name)),
  );
  assert.equal(new Set(KINDS.map((k) => k.name)).size, KINDS.length, 'kind names are unique');
  const findingsTemplate = templatesFor('t')['t-findings'] as Json;
  const tracesTemplate = templatesFor('t')['t-traces'] as Json;
  for (const kind of KINDS) {
    const collector = new FindingCollector({ maxFindingsPerTrace: 10, maxFindings: 10, maxTraces: 10, incidentGapMs: 1000 });
    collector.add(findingOf(kind));
    assert.equal(collector.counts[kind.name], 1, `${kind.name} is counted`);
    assert.equal(emptyCounts()[kind.name], 0, `${kind.name} starts at zero in the stats`);
    const document = findingDocument(findingOf(kind), '2026-01-01T00:00:00.000Z');
    for (const path of leaves(document)) {
      assert.ok(mapped(findingsTemplate.template.mappings.properties, path), `${kind.name}: ${path} is mapped (dynamic: false would drop it)`);
    }
    assert.ok(tracesTemplate.template.mappings.properties.memtrail.properties.counts.properties[kind.name], `trace counts of ${kind.name} are mapped`);
    const text = [...renderText({ stats: { ...emptyStats(), findings: collector.counts }, traces: [], untraced: [], untracedOmitted: 0, tracesOmitted: 0, incidents: [], errors: [], errors_total: 0 }, colorsFor(process.stdout, false))].join('');
    assert.match(text, new RegExp(`1 ${kind.name}`), `${kind.name} is in the text summary`);
  }
});

test('a detector that throws on a record makes that record invalid, keeps none of its findings, and the run goes on', () => {
  const exploding: DetectorModule = {
    name: 'exploding',
    kinds: [],
    create: () => ({
      type: 'record',
      detect(record) {
        if (record.message === 'boom') throw new TypeError('cannot read properties of undefined');
      },
    }),
    needles: () => ({ fields: [], events: [] }),
  };
  const detection = new Detection(configSchema.parse({}), { live: false }, [...DETECTORS, exploding]);
  const findings: Finding[] = [];
  const handlers = { finding: (f: Finding) => findings.push(f), error: () => assert.fail('errors are returned, not reported twice') };
  const source = { file: 'app.log', line: 7, offset: 70 };
  const rejected = detection.record({ timestamp: 0, usage_percent: 99, message: 'boom' }, '{"boom":1}', source, handlers);
  assert.deepEqual(rejected, {
    file: 'app.log',
    line: 7,
    offset: 70,
    kind: 'invalid',
    reason: 'the exploding detector failed on this record: cannot read properties of undefined',
    raw: '{"boom":1}',
  });
  assert.deepEqual(findings, [], 'the memory finding of the failed record is not kept');
  assert.equal(detection.record({ timestamp: 0, usage_percent: 99, message: 'fine' }, '{}', source, handlers), undefined);
  assert.equal(findings.length, 1);
});
