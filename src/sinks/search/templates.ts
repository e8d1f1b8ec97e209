/** Index names and composable index templates with explicit mappings (ECS names where ECS has one). */
import { KINDS } from '../../classify/registry.js';

export const findingsIndex = (prefix: string) => `${prefix}-findings`;
export const tracesIndex = (prefix: string) => `${prefix}-traces`;
export const memoryIndex = (prefix: string) => `${prefix}-memory`;

const keyword = { type: 'keyword', ignore_above: 1024 } as const;
const SETTINGS = { number_of_shards: 1, number_of_replicas: 0 };

/** Bumped when a mapping changes, so templates installed by older versions are replaced. */
export const TEMPLATE_VERSION = 4;

const findingProperties = {
  '@timestamp': { type: 'date' },
  message: { type: 'text', fields: { keyword } },
  log: { properties: { level: keyword, file: { properties: { path: keyword } } } },
  event: { properties: { action: keyword, kind: keyword, severity: { type: 'byte' } } },
  trace: { properties: { id: keyword } },
  host: { properties: { name: keyword } },
  service: { properties: { name: keyword } },
  container: { properties: { name: keyword, id: keyword } },
  kubernetes: { properties: { pod: { properties: { name: keyword } }, namespace: keyword } },
  memtrail: {
    properties: {
      finding_id: keyword,
      stream: keyword,
      unit: keyword,
      timestamp_source: keyword,
      kind: keyword,
      severity: keyword,
      usage_percent: { type: 'double' },
      memory_used_bytes: { type: 'long' },
      payload_bytes: { type: 'long' },
      source: { properties: { file: keyword, line: { type: 'long' }, offset: { type: 'long' }, record: { type: 'long' } } },
      indexed_at: { type: 'date' },
      // Each kind's own fields, as its spec declares them (the mapping is not dynamic: a field not here is not indexed).
      ...kindFieldMappings(),
    },
  },
};

const traceProperties = {
  '@timestamp': { type: 'date' },
  trace: { properties: { id: keyword } },
  host: { properties: { name: keyword } },
  event: { properties: { severity: { type: 'byte' } } },
  memtrail: {
    properties: {
      first_seen: { type: 'date' },
      last_seen: { type: 'date' },
      duration_ms: { type: 'long' },
      severity: keyword,
      peak_usage_percent: { type: 'double' },
      max_payload_bytes: { type: 'long' },
      findings: { type: 'long' },
      counts: { properties: Object.fromEntries(KINDS.map((k) => [k.name, { type: 'long' }])) },
      files: keyword,
      updated_at: { type: 'date' },
    },
  },
};

/** One document per memory series per bucket (a minute; wider for a long batch series): the runbook's memory graphs. */
const memoryProperties = {
  '@timestamp': { type: 'date' },
  host: { properties: { name: keyword } },
  service: { properties: { name: keyword } },
  memtrail: {
    properties: {
      series: keyword,
      pid: keyword,
      bucket_seconds: { type: 'long' },
      samples: { type: 'long' },
      memory: {
        properties: {
          used_min_bytes: { type: 'long' },
          used_max_bytes: { type: 'long' },
          used_last_bytes: { type: 'long' },
          limit_bytes: { type: 'long' },
          usage_max_percent: { type: 'double' },
          swap_used_bytes: { type: 'long' },
        },
      },
      verdict: keyword,
      growth_bytes_per_second: { type: 'double' },
      updated_at: { type: 'date' },
    },
  },
};

function kindFieldMappings(): Record<string, object> {
  const mappings: Record<string, object> = {};
  for (const kind of KINDS) {
    for (const [field, type] of Object.entries(kind.fields)) mappings[field] = type === 'keyword' ? keyword : { type };
  }
  return mappings;
}

function template(pattern: string, properties: object, description: string) {
  return {
    index_patterns: [pattern],
    priority: 200,
    version: TEMPLATE_VERSION,
    _meta: { managed_by: 'memtrail', description },
    template: { settings: SETTINGS, mappings: { dynamic: false, properties } },
  };
}

/** The templates to install: name → body. The same bodies go to Elasticsearch and OpenSearch. */
export function templatesFor(prefix: string): Record<string, object> {
  return {
    [findingsIndex(prefix)]: template(`${findingsIndex(prefix)}*`, findingProperties, 'memtrail findings, one document per finding'),
    [tracesIndex(prefix)]: template(`${tracesIndex(prefix)}*`, traceProperties, 'memtrail trace summaries, one document per trace'),
    [memoryIndex(prefix)]: template(`${memoryIndex(prefix)}*`, memoryProperties, 'memtrail memory series, one document per series per minute'),
  };
}
