import { findingsIndex, memoryIndex, tracesIndex } from '../search/templates.js';

export type SavedObjectType = 'index-pattern' | 'search' | 'lens' | 'dashboard';

/** Kibana's saved-object import format: one object per NDJSON line. */
export interface SavedObject {
  id: string;
  type: SavedObjectType;
  /** The model the attributes are written in: Kibana migrates from there, and never guesses. */
  typeMigrationVersion: string;
  coreMigrationVersion: string;
  attributes: Record<string, unknown>;
  references: { id: string; name: string; type: string }[];
}

/** The Kibana version the objects are written for; older ones are refused by `setup`. */
export const KIBANA_TARGET = '8.19.7';

/**
 * The model version each object is written in: what Kibana 8.19 itself exports for these types
 * (data views 8.0.0, saved searches model version 5 = 10.5.0, Lens 8.9.0, dashboards model
 * version 2 = 10.2.0). An object without one is stamped by a newer Kibana with its own latest
 * version, so none of the migrations in between would run (Kibana 9's saved searches moved their
 * attributes into `tabs` in model version 6: an unstamped 8.x search would break).
 */
export const MIGRATION_VERSIONS: Readonly<Record<SavedObjectType, string>> = {
  'index-pattern': '8.0.0',
  search: '10.5.0',
  lens: '8.9.0',
  dashboard: '10.2.0',
};

/** Every 8.x export carries this core version (the last change to the shared saved-object envelope). */
export const CORE_MIGRATION_VERSION = '8.8.0';

const versionsOf = (type: SavedObjectType) => ({
  typeMigrationVersion: MIGRATION_VERSIONS[type],
  coreMigrationVersion: CORE_MIGRATION_VERSION,
});

const query = { language: 'kuery', query: '' };

interface Column {
  label: string;
  dataType: 'date' | 'number' | 'string';
  operationType: string;
  sourceField?: string;
  isBucketed: boolean;
  params?: Record<string, unknown>;
  isStaticValue?: boolean;
  filter?: { language: 'kuery'; query: string };
}

/** A Lens (formBased) chart over one data view. */
function lens(
  id: string,
  title: string,
  dataView: string,
  visualizationType: string,
  layers: Record<string, { columns: Record<string, Column> }>,
  visualization: Record<string, unknown>,
): SavedObject {
  return {
    id,
    type: 'lens',
    ...versionsOf('lens'),
    attributes: {
      title,
      description: '',
      visualizationType,
      state: {
        datasourceStates: {
          formBased: {
            layers: Object.fromEntries(
              Object.entries(layers).map(([layerId, layer]) => [
                layerId,
                { columns: layer.columns, columnOrder: Object.keys(layer.columns), incompleteColumns: {} },
              ]),
            ),
          },
        },
        visualization,
        query,
        filters: [],
      },
    },
    references: Object.keys(layers).map((layerId) => ({
      id: dataView,
      name: `indexpattern-datasource-layer-${layerId}`,
      type: 'index-pattern',
    })),
  };
}

const dateHistogram: Column = {
  label: '@timestamp',
  dataType: 'date',
  operationType: 'date_histogram',
  sourceField: '@timestamp',
  isBucketed: true,
  params: { interval: 'auto', includeEmptyRows: false },
};

const staticLine = (label: string, value: number): Column => ({
  label,
  dataType: 'number',
  operationType: 'static_value',
  isBucketed: false,
  isStaticValue: true,
  params: { value: String(value) },
});

const hostTerms: Column = {
  label: 'Host',
  dataType: 'string',
  operationType: 'terms',
  sourceField: 'host.name',
  isBucketed: true,
  params: { size: 10, orderBy: { type: 'alphabetical' }, orderDirection: 'asc' },
};

/** Lines over time, one per host (the ten first), of each measure: the runbook's "memory usage graphs". */
function byHost(id: string, title: string, dataView: string, measures: Record<string, Column>): SavedObject {
  return lens(
    id,
    title,
    dataView,
    'lnsXY',
    { series: { columns: { time: dateHistogram, host: hostTerms, ...measures } } },
    {
      preferredSeriesType: 'line',
      legend: { isVisible: true, position: 'right' },
      valueLabels: 'hide',
      layers: [{ layerId: 'series', layerType: 'data', seriesType: 'line', xAccessor: 'time', splitAccessor: 'host', accessors: Object.keys(measures) }],
    },
  );
}

/** A horizontal bar chart of the ten traces with the largest value of one measure. */
function topTraces(id: string, title: string, dataView: string, layerId: string, measureId: string, measure: Column): SavedObject {
  return lens(
    id,
    title,
    dataView,
    'lnsXY',
    {
      [layerId]: {
        columns: {
          trace: {
            label: 'Trace',
            dataType: 'string',
            operationType: 'terms',
            sourceField: 'trace.id',
            isBucketed: true,
            params: { size: 10, orderBy: { type: 'column', columnId: measureId }, orderDirection: 'desc' },
          },
          [measureId]: measure,
        },
      },
    },
    {
      preferredSeriesType: 'bar_horizontal',
      legend: { isVisible: false, position: 'right' },
      layers: [{ layerId, layerType: 'data', seriesType: 'bar_horizontal', xAccessor: 'trace', accessors: [measureId] }],
    },
  );
}

/**
 * The data views, the "Memory incident timeline" saved search, four Lens charts and the dashboard
 * that holds them, for indices with this prefix.
 */
export function savedObjects(prefix: string, thresholds = { warn: 80, critical: 90 }): SavedObject[] {
  const findings = findingsIndex(prefix);
  const traces = tracesIndex(prefix);
  const memory = memoryIndex(prefix);
  const ids = {
    memoryByHost: `${prefix}-memory-used-by-host`,
    growthRate: `${prefix}-memory-growth-rate`,
    growthFindings: `${prefix}-memory-growth-findings`,
    usage: `${prefix}-memory-usage-over-time`,
    severity: `${prefix}-findings-by-severity`,
    topTraces: `${prefix}-top-traces-by-peak-usage`,
    payloads: `${prefix}-oversized-payloads-by-size`,
    search: `${prefix}-memory-incident-timeline`,
    dashboard: `${prefix}-memory-incidents`,
  };
  const objects: SavedObject[] = [
    {
      id: findings,
      type: 'index-pattern',
      ...versionsOf('index-pattern'),
      attributes: { title: findings, name: 'memtrail findings', timeFieldName: '@timestamp' },
      references: [],
    },
    {
      id: traces,
      type: 'index-pattern',
      ...versionsOf('index-pattern'),
      attributes: { title: traces, name: 'memtrail trace summaries', timeFieldName: '@timestamp' },
      references: [],
    },
    {
      id: memory,
      type: 'index-pattern',
      ...versionsOf('index-pattern'),
      attributes: { title: memory, name: 'memtrail memory series', timeFieldName: '@timestamp' },
      references: [],
    },
    byHost(ids.memoryByHost, 'Memory used by host (with its limit)', memory, {
      used: { label: 'Memory used (bytes)', dataType: 'number', operationType: 'max', sourceField: 'memtrail.memory.used_max_bytes', isBucketed: false },
      limit: { label: 'Memory limit (bytes)', dataType: 'number', operationType: 'max', sourceField: 'memtrail.memory.limit_bytes', isBucketed: false },
    }),
    byHost(ids.growthRate, 'Memory growth rate by host (bytes per second)', memory, {
      rate: { label: 'Growth rate (bytes/s)', dataType: 'number', operationType: 'max', sourceField: 'memtrail.growth_bytes_per_second', isBucketed: false },
    }),
    lens(
      ids.growthFindings,
      'Memory growth findings (leaks) by host',
      findings,
      'lnsXY',
      {
        growth: {
          columns: {
            time: dateHistogram,
            host: hostTerms,
            count: {
              label: 'Growth findings',
              dataType: 'number',
              operationType: 'count',
              sourceField: '___records___',
              isBucketed: false,
              filter: { language: 'kuery', query: 'memtrail.kind : "memory_growth" or memtrail.kind : "swap_growth"' },
            },
          },
        },
      },
      {
        preferredSeriesType: 'bar_stacked',
        legend: { isVisible: true, position: 'right' },
        layers: [{ layerId: 'growth', layerType: 'data', seriesType: 'bar_stacked', xAccessor: 'time', splitAccessor: 'host', accessors: ['count'] }],
      },
    ),
    {
      id: ids.search,
      type: 'search',
      ...versionsOf('search'),
      attributes: {
        title: 'Memory incident timeline',
        description: 'memtrail findings in time order; filter on trace.id to follow one request',
        columns: ['trace.id', 'memtrail.severity', 'memtrail.kind', 'memtrail.usage_percent', 'memtrail.payload_bytes', 'message'],
        sort: [['@timestamp', 'asc']],
        kibanaSavedObjectMeta: {
          searchSourceJSON: JSON.stringify({ query, filter: [], indexRefName: 'kibanaSavedObjectMeta.searchSourceJSON.index' }),
        },
      },
      references: [{ id: findings, name: 'kibanaSavedObjectMeta.searchSourceJSON.index', type: 'index-pattern' }],
    },
    lens(
      ids.usage,
      'Memory usage over time',
      findings,
      'lnsXY',
      {
        usage: {
          columns: {
            time: dateHistogram,
            peak: { label: 'Peak memory usage %', dataType: 'number', operationType: 'max', sourceField: 'memtrail.usage_percent', isBucketed: false },
          },
        },
        thresholds: {
          columns: {
            warning: staticLine(`Warning (${thresholds.warn} %)`, thresholds.warn),
            critical: staticLine(`Critical (${thresholds.critical} %)`, thresholds.critical),
          },
        },
      },
      {
        preferredSeriesType: 'line',
        legend: { isVisible: true, position: 'right' },
        valueLabels: 'hide',
        yLeftExtent: { mode: 'custom', lowerBound: 0, upperBound: 100 },
        layers: [
          { layerId: 'usage', layerType: 'data', seriesType: 'line', xAccessor: 'time', accessors: ['peak'] },
          {
            layerId: 'thresholds',
            layerType: 'referenceLine',
            accessors: ['warning', 'critical'],
            yConfig: [
              { forAccessor: 'warning', axisMode: 'left', color: '#D6BF57', lineStyle: 'dashed', lineWidth: 2, textVisibility: true },
              { forAccessor: 'critical', axisMode: 'left', color: '#E7664C', lineStyle: 'dashed', lineWidth: 2, textVisibility: true },
            ],
          },
        ],
      },
    ),
    lens(
      ids.severity,
      'Findings by severity',
      findings,
      'lnsXY',
      {
        bySeverity: {
          columns: {
            time: dateHistogram,
            severity: {
              label: 'Severity',
              dataType: 'string',
              operationType: 'terms',
              sourceField: 'memtrail.severity',
              isBucketed: true,
              params: { size: 3, orderBy: { type: 'alphabetical' }, orderDirection: 'asc' },
            },
            count: { label: 'Findings', dataType: 'number', operationType: 'count', sourceField: '___records___', isBucketed: false },
          },
        },
      },
      {
        preferredSeriesType: 'bar_stacked',
        legend: { isVisible: true, position: 'right' },
        layers: [
          { layerId: 'bySeverity', layerType: 'data', seriesType: 'bar_stacked', xAccessor: 'time', splitAccessor: 'severity', accessors: ['count'] },
        ],
      },
    ),
    topTraces(ids.topTraces, 'Top traces by peak memory usage', traces, 'top', 'peak', {
      label: 'Peak memory usage %',
      dataType: 'number',
      operationType: 'max',
      sourceField: 'memtrail.peak_usage_percent',
      isBucketed: false,
    }),
    topTraces(ids.payloads, 'Oversized payloads by size', findings, 'payloads', 'size', {
      label: 'Largest payload (bytes)',
      dataType: 'number',
      operationType: 'max',
      sourceField: 'memtrail.payload_bytes',
      isBucketed: false,
      filter: { language: 'kuery', query: 'memtrail.kind : "oversized_payload"' },
    }),
  ];
  // Panel references are named as Kibana 8 exports them: `<panelIndex>:panel_<panelIndex>`, the
  // panel's `panelRefName` being `panel_<panelIndex>`.
  const panels = [
    { panelIndex: 'memory-usage', ref: ids.usage, type: 'lens', grid: { x: 0, y: 0, w: 48, h: 14 } },
    { panelIndex: 'findings-by-severity', ref: ids.severity, type: 'lens', grid: { x: 0, y: 14, w: 16, h: 14 } },
    { panelIndex: 'top-traces', ref: ids.topTraces, type: 'lens', grid: { x: 16, y: 14, w: 16, h: 14 } },
    { panelIndex: 'oversized-payloads', ref: ids.payloads, type: 'lens', grid: { x: 32, y: 14, w: 16, h: 14 } },
    { panelIndex: 'incident-timeline', ref: ids.search, type: 'search', grid: { x: 0, y: 28, w: 48, h: 20 } },
    { panelIndex: 'memory-by-host', ref: ids.memoryByHost, type: 'lens', grid: { x: 0, y: 48, w: 48, h: 14 } },
    { panelIndex: 'growth-rate', ref: ids.growthRate, type: 'lens', grid: { x: 0, y: 62, w: 24, h: 14 } },
    { panelIndex: 'growth-findings', ref: ids.growthFindings, type: 'lens', grid: { x: 24, y: 62, w: 24, h: 14 } },
  ];
  objects.push({
    id: ids.dashboard,
    type: 'dashboard',
    ...versionsOf('dashboard'),
    attributes: {
      title: 'Memory incidents (memtrail)',
      description: 'Memory usage against the 80 % / 90 % thresholds, findings, top traces, oversized payloads, memory by host and its growth',
      panelsJSON: JSON.stringify(
        panels.map((panel) => ({
          type: panel.type,
          gridData: { ...panel.grid, i: panel.panelIndex },
          panelIndex: panel.panelIndex,
          embeddableConfig: { enhancements: {} },
          panelRefName: `panel_${panel.panelIndex}`,
        })),
      ),
      optionsJSON: JSON.stringify({ useMargins: true, syncColors: false, syncCursor: true, syncTooltips: false, hidePanelTitles: false }),
      timeRestore: true,
      timeFrom: 'now-24h',
      timeTo: 'now',
      refreshInterval: { pause: false, value: 30_000 },
      kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify({ query, filter: [] }) },
    },
    references: panels.map((panel) => ({ id: panel.ref, name: `${panel.panelIndex}:panel_${panel.panelIndex}`, type: panel.type })),
  });
  return objects;
}

export function toNdjson(objects: SavedObject[]): string {
  return objects.map((o) => JSON.stringify(o)).join('\n') + '\n';
}
