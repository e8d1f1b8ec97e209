import { findingsIndex, tracesIndex } from '../search/templates.js';

/** Kibana's saved-object import format: one object per NDJSON line. */
export interface SavedObject {
  id: string;
  type: 'index-pattern' | 'search' | 'lens' | 'dashboard';
  attributes: Record<string, unknown>;
  references: { id: string; name: string; type: string }[];
  coreMigrationVersion?: string;
}

/** The Kibana version the objects are written for; older ones are refused by `setup`. */
export const KIBANA_TARGET = '8.19.7';
const CORE = { coreMigrationVersion: '8.8.0' };

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
    ...CORE,
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
  const ids = {
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
      ...CORE,
      attributes: { title: findings, name: 'memtrail findings', timeFieldName: '@timestamp' },
      references: [],
    },
    {
      id: traces,
      type: 'index-pattern',
      ...CORE,
      attributes: { title: traces, name: 'memtrail trace summaries', timeFieldName: '@timestamp' },
      references: [],
    },
    {
      id: ids.search,
      type: 'search',
      ...CORE,
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
  const panels = [
    { ref: ids.usage, type: 'lens', grid: { x: 0, y: 0, w: 48, h: 14 } },
    { ref: ids.severity, type: 'lens', grid: { x: 0, y: 14, w: 16, h: 14 } },
    { ref: ids.topTraces, type: 'lens', grid: { x: 16, y: 14, w: 16, h: 14 } },
    { ref: ids.payloads, type: 'lens', grid: { x: 32, y: 14, w: 16, h: 14 } },
    { ref: ids.search, type: 'search', grid: { x: 0, y: 28, w: 48, h: 20 } },
  ];
  objects.push({
    id: ids.dashboard,
    type: 'dashboard',
    ...CORE,
    attributes: {
      title: 'Memory incidents (memtrail)',
      description: 'Memory usage against the 80 % / 90 % thresholds, findings, top traces and oversized payloads',
      panelsJSON: JSON.stringify(
        panels.map((panel, i) => ({
          panelIndex: String(i + 1),
          gridData: { ...panel.grid, i: String(i + 1) },
          embeddableConfig: { enhancements: {} },
          panelRefName: `panel_${i}`,
          type: panel.type,
          version: KIBANA_TARGET,
        })),
      ),
      optionsJSON: JSON.stringify({ useMargins: true, syncColors: false, syncCursor: true, syncTooltips: false, hidePanelTitles: false }),
      timeRestore: true,
      timeFrom: 'now-24h',
      timeTo: 'now',
      refreshInterval: { pause: false, value: 30_000 },
      kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify({ query, filter: [] }) },
    },
    references: panels.map((panel, i) => ({ id: panel.ref, name: `panel_${i}`, type: panel.type })),
  });
  return objects;
}

export function toNdjson(objects: SavedObject[]): string {
  return objects.map((o) => JSON.stringify(o)).join('\n') + '\n';
}
