import type { Finding, Severity } from '../classify/finding.js';
import { KINDS } from '../classify/registry.js';
import { minutesText, size, utcClock } from '../classify/trends/describe.js';
import type { SeriesSummary } from '../classify/trends/summary.js';
import type { Incident } from '../correlate/incidents.js';
import type { LiveEvent } from '../correlate/live.js';
import type { ScanReport } from '../correlate/report.js';
import type { TraceSummary } from '../correlate/traces.js';
import type { Sink, SinkRegistration } from './sink.js';
import { stripControl, type Colors } from './terminal.js';
import { incidentText, traceHeader, traceTimeline, type LineOptions } from './text-lines.js';
import { bytes, formatSpan, formatTime, measureText, percent, plural, severityLabel, severityWord, terminalWidth, MESSAGE_COLUMNS } from './text-format.js';
import { trendsSection } from './trends-text.js';
import { allFindings, atLeast, filterBySeverity, headlineOf, rankTraces, untracedSummary, type ReportOptions, type Thresholds } from './view.js';

export { findingText, incidentText, traceHeader, traceTimeline } from './text-lines.js';
export { formatSpan, formatTime, measureText } from './text-format.js';

/** How the text report is laid out. */
export interface TextOptions {
  /** How many traces (and incidents) are listed; `all` lists every one, and every finding of each. */
  top: number;
  all: boolean;
  /** The terminal's width lines are fitted to; Infinity for a pipe or --wide. */
  width: number;
  /** Messages are cut past this; Infinity keeps them whole (--wide). */
  messageMax: number;
  severity?: Severity;
  thresholds?: Thresholds;
  incidentGapMs?: number;
}

export const DEFAULT_TOP = 10;

const DEFAULTS: TextOptions = { top: DEFAULT_TOP, all: false, width: Infinity, messageMax: Infinity };

const joinAnd = (parts: string[]) => (parts.length <= 1 ? parts.join('') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`);

/** The time span of the findings: the date once, the end's date only when it differs. */
function spanText(from: number, to: number): string {
  const sameDay = formatTime(from, 'yyyy-MM-dd') === formatTime(to, 'yyyy-MM-dd');
  return `${formatTime(from, 'yyyy-MM-dd HH:mm:ss')} → ${formatTime(to, sameDay ? 'HH:mm:ss' : 'yyyy-MM-dd HH:mm:ss')} UTC (${formatSpan(to - from)})`;
}

function seriesName(s: Pick<SeriesSummary, 'host' | 'service'>): string {
  return [s.host, s.service].filter((p): p is string => p !== null).map(stripControl).join('/') || '(no host or service)';
}

/** A growing series in a line: where, how fast, and when it reaches its limit at this rate (as Memory trends says it). */
export function growingText(s: SeriesSummary, c: Colors): string {
  const what = s.measure === 'swap_used_bytes' ? 'swap' : 'memory';
  const facts: string[] = [];
  if (s.growth_bytes_per_second !== null) facts.push(`+${size(Math.abs(s.growth_bytes_per_second) * 1800)} per 30m`);
  const latest = s.growth.at(-1);
  if (s.limit_bytes !== null && latest?.projected_limit_at != null) {
    const left = latest.projected_limit_at - latest.end;
    facts.push(
      left <= 0
        ? `at its ${size(s.limit_bytes)} limit`
        : `reaches its ${size(s.limit_bytes)} limit at ${utcClock(latest.projected_limit_at)}, ${minutesText(left)} after the last sample`,
    );
  }
  if (s.restarts.length > 0) facts.push(plural(s.restarts.length, 'restart'));
  return `${c.bold(c.red(`${what} growing`))} on ${seriesName(s)}${facts.length > 0 ? `: ${facts.join(', ')}` : ''}`;
}

/** The answer: how bad (worst severity, counts), where (traces, hosts), since when, and what is growing. */
export function headlineLines(report: ScanReport, c: Colors, options: TextOptions): string[] {
  const h = headlineOf(report);
  const s = report.stats;
  if (h.worst === null) {
    const read = report.origin ? `read back from ${report.origin}` : `in ${plural(s.records, 'record')} (${plural(s.files, 'file')})`;
    return [`${c.bold(c.green('OK'))}  no findings ${read}`];
  }
  const badge = h.worst === 'critical' ? c.bold(c.red('CRITICAL')) : c.bold(c.yellow('WARNING'));
  const { critical, warning } = h.bySeverity;
  const counts = `${h.bySeverityAtLeast ? 'at least ' : ''}${
    critical > 0 && warning > 0 ? `${critical} critical and ${plural(warning, 'warning finding')}` : critical > 0 ? plural(critical, 'critical finding') : plural(warning, 'warning finding')
  }`;
  const where: string[] = [];
  const untraced = report.untraced.length + report.untracedOmitted;
  if (h.traces === 0) where.push('without a trace id');
  else where.push(`in ${plural(h.traces, 'trace')}${untraced > 0 ? ` (+ ${untraced} without a trace id)` : ''}`);
  if (h.hosts.length > 0) where.push(`on ${plural(h.hosts.length, 'host')}${h.hosts.length <= 3 ? ` (${h.hosts.map(stripControl).join(', ')})` : ''}`);
  const when = h.from !== null && h.to !== null ? `, ${spanText(h.from, h.to)}` : '';
  const lines = [`${badge}  ${counts} ${where.join(' ')}${when}`];
  const growing = (report.series ?? []).filter((x) => x.verdict === 'growing');
  for (const x of growing.slice(0, 3)) lines.push(`  ${growingText(x, c)}`);
  if (growing.length > 3) lines.push(`  … and ${growing.length - 3} more growing series (Memory trends below)`);
  const facts: string[] = [];
  if (h.peakUsage !== null) facts.push(`peak usage ${percent(h.peakUsage)}`);
  // Kinds that are critical by nature and not a usage (an OOM kill): said with when the last one was.
  for (const kind of KINDS.filter((k) => !k.memory && k.severities.length === 1 && k.severities[0] === 'critical')) {
    const n = s.findings[kind.name] ?? 0;
    if (n === 0) continue;
    const last = [...allFindings(report)].filter((f) => f.kind === kind.name && f.timestamp !== null).reduce<number | null>((m, f) => Math.max(m ?? 0, f.timestamp!), null);
    facts.push(`${n} ${kind.name}${last === null ? '' : ` (${n === 1 ? '' : 'last '}${formatTime(last, 'HH:mm:ss')} UTC)`}`);
  }
  if (h.maxPayload !== null) facts.push(`largest payload ${bytes(h.maxPayload)}`);
  if (report.origin) facts.push(`read back from ${report.origin}`);
  if (facts.length > 0) lines.push(`  ${facts.join(', ')}`);
  if (options.severity === 'critical') lines.push(c.dim('  listing critical findings only (--severity critical)'));
  return lines;
}

/** The incidents to list: every one, or the `top` worst (severity, peak, size) in time order. */
function listedIncidents(incidents: readonly Incident[], options: TextOptions): Incident[] {
  if (options.all || incidents.length <= options.top) return [...incidents];
  const chosen = new Set(
    [...incidents]
      .sort((a, b) => atLeastRank(b) - atLeastRank(a) || (b.peak_usage_percent ?? -1) - (a.peak_usage_percent ?? -1) || b.findings - a.findings || a.start - b.start)
      .slice(0, options.top),
  );
  return incidents.filter((i) => chosen.has(i));
}

const atLeastRank = (i: Incident) => (i.severity === 'critical' ? 1 : 0);

function incidentLines(report: ScanReport, shown: readonly Incident[], c: Colors, options: TextOptions): string[] {
  const all = report.incidents;
  const critical = all.filter((i) => i.severity === 'critical').length;
  const gap = options.incidentGapMs === undefined ? '' : c.dim(`  findings no more than ${formatSpan(options.incidentGapMs)} apart (--incident-gap)`);
  if (all.length === 0) {
    const why = report.stats.untimed > 0 && report.traces.length + report.untraced.length > 0 ? ': no finding had a time' : '';
    return [`${c.bold('Incidents')}  none${why}`];
  }
  const head = `${c.bold('Incidents')}  ${all.length}${critical > 0 && critical < all.length ? `, ${critical} critical` : ''}${gap}`;
  return [head, ...shown.map((i) => incidentText(i, c))];
}

/** What the text report does not list, and how to see it: the last line. */
function leftOutLine(report: ScanReport, listed: { traces: TraceSummary[]; ranked: TraceSummary[]; incidents: number; hidden: number }, options: TextOptions): string {
  const groups: string[] = [];
  const notListed: string[] = [];
  const traces = listed.ranked.slice(listed.traces.length);
  if (traces.length > 0) {
    const critical = traces.filter((t) => t.severity === 'critical').length;
    notListed.push(`${plural(traces.length, 'trace')} (${critical === 0 ? 'warning only' : `${critical} critical`})`);
  }
  const incidents = report.incidents.length - listed.incidents - listed.hidden;
  if (incidents > 0) notListed.push(plural(incidents, 'incident'));
  if (notListed.length > 0) groups.push(`${joinAnd(notListed)} (--top N or --all lists them)`);
  if (options.severity === 'critical') {
    const hidden: string[] = [];
    const hiddenTraces = report.traces.filter((t) => !atLeast(t.severity, 'critical')).length;
    if (hiddenTraces > 0) hidden.push(plural(hiddenTraces, 'warning-only trace'));
    if (listed.hidden > 0) hidden.push(plural(listed.hidden, 'warning-only incident'));
    if (hidden.length > 0) groups.push(`${joinAnd(hidden)} (--severity critical)`);
  }
  const budget: string[] = [];
  if (report.tracesOmitted > 0) budget.push(plural(report.tracesOmitted, 'less severe trace'));
  const omitted = report.traces.reduce((n, t) => n + t.findings_omitted, report.untracedOmitted);
  if (omitted > 0) budget.push(plural(omitted, 'finding'));
  if (budget.length > 0) groups.push(`${joinAnd(budget)} past the report's budget (counted above; --format ndjson streams every finding)`);
  if (groups.length === 0) return '';
  return `Not listed: ${groups.join('; ')}. --format json or --html FILE has every kept finding.\n`;
}

/**
 * `--format text`, for a person: the answer first (headline, incidents, memory trends), then the
 * top traces with their timelines, the input read, and one line on what was left out.
 */
export function* renderText(report: ScanReport, c: Colors, layout: Partial<TextOptions> = {}): Generator<string> {
  const options: TextOptions = { ...DEFAULTS, ...layout };
  const lines: LineOptions = { width: options.width, messageMax: options.messageMax, thresholds: options.thresholds, every: options.all };
  yield `${headlineLines(report, c, options).join('\n')}\n\n`;

  const view = filterBySeverity(report, options.severity);
  const incidents = listedIncidents(view.incidents, options);
  yield `${incidentLines(view, incidents, c, options).join('\n')}\n`;
  if (incidents.length < view.incidents.length) {
    const rest = view.incidents.filter((i) => !incidents.includes(i));
    const critical = rest.filter((i) => i.severity === 'critical').length;
    yield c.dim(`  … ${plural(rest.length, 'more incident')} (${critical === 0 ? 'warning only' : `${critical} critical`}; --all lists them)\n`);
  }
  yield '\n';

  const trends = trendsSection(report.series ?? [], c, Number.isFinite(lines.width) ? lines.width : Infinity);
  if (trends.length > 0) yield `${trends.join('\n')}\n\n`;

  const untraced = untracedSummary(view);
  const ranked = rankTraces(untraced ? [...view.traces, untraced] : view.traces);
  const shown = options.all ? ranked : ranked.slice(0, options.top);
  if (shown.length > 0) {
    // The findings without a trace id have a timeline of their own, ranked with the traces.
    const word = untraced ? 'timeline' : 'trace';
    const title = shown.length < ranked.length ? `Top ${shown.length} of ${plural(ranked.length, word)}` : plural(ranked.length, word);
    yield `${c.bold(title)}  ${c.dim('most severe first, then by peak usage and payload size')}\n`;
    for (const trace of shown) yield traceTimeline(trace, c, lines);
  }

  const s = report.stats;
  const skipped = s.counts === 'partial' ? `, ${s.skipped} lines not parsed (--fast: these counts are partial)` : '';
  yield report.origin
    ? `${c.bold('Summary')}  from ${report.origin}\n`
    : `${c.bold('Summary')}  ${s.files} files, ${s.lines} lines, ${s.records} records, ${s.malformed} malformed, ${s.invalid} invalid${skipped}\n`;
  // Critical kinds first: the worst news leads.
  const ordered = [...KINDS].sort((a, b) => Number(b.severities.includes('critical')) - Number(a.severities.includes('critical')));
  const counts = ordered.map(({ name, severities }) => {
    const text = `${s.findings[name] ?? 0} ${name}`;
    return severities.includes('critical') ? c.red(text) : c.yellow(text);
  });
  yield `  findings: ${counts.join(', ')} in ${plural(report.traces.length, 'trace')}\n`;
  yield `  incidents: ${report.incidents.length}\n`;
  const hidden = report.incidents.length - view.incidents.length;
  const left = leftOutLine(report, { traces: shown, ranked, incidents: incidents.length, hidden }, options);
  if (left) yield `\n${c.dim(left)}`;
}

/** A live tail's line for one finding, printed as it arrives. */
export function liveFindingText(finding: Finding, c: Colors): string {
  const measure = measureText(finding);
  const message = stripControl(finding.message ?? '');
  return [
    formatTime(finding.timestamp),
    severityLabel(finding.severity, c),
    finding.kind.padEnd(17),
    measure.padStart(9),
    stripControl(finding.trace_id ?? '-'),
    `${stripControl(finding.event ?? '')}${message ? ` ${c.dim(`"${message}"`)}` : ''}`,
    c.dim(`${stripControl(finding.source.file)}:${finding.source.line}`),
  ].join('  ');
}

export function liveTraceText(trace: TraceSummary, reason: string, c: Colors): string {
  return `${c.dim(`── trace summary (${reason}):`)} ${traceHeader(trace, c)}`;
}

export function incidentOpenedText(incident: Incident, c: Colors): string {
  return `${c.bold('▲ incident opened')}  ${formatTime(incident.start)} UTC  ${severityWord(incident.severity, c)}`;
}

export function incidentClosedText(incident: Incident, c: Colors): string {
  return `${c.bold('▼ incident closed')}${incidentText(incident, c)}`;
}

export function liveEventText(event: LiveEvent, c: Colors): string {
  if (event.type === 'trace') return liveTraceText(event.summary, event.reason, c);
  return event.type === 'incident_opened' ? incidentOpenedText(event.incident, c) : incidentClosedText(event.incident, c);
}

/** The text layout a run's output options ask for. */
export function textOptionsFrom(options: ReportOptions, width = terminalWidth()): TextOptions {
  return {
    top: options.top ?? DEFAULT_TOP,
    all: options.all ?? false,
    width: options.wide ? Infinity : (width ?? Infinity),
    messageMax: options.wide ? Infinity : MESSAGE_COLUMNS,
    severity: options.severity,
    thresholds: options.thresholds,
    incidentGapMs: options.incidentGapMs,
  };
}

/** `--format text`: the report once the run is over; a live run prints a line per finding and event. */
export const textSink: SinkRegistration = {
  name: 'text',
  modes: ['batch', 'live'],
  wanted: (options) => options.format === 'text',
  open: (options, { stdout, colors, mode }) => {
    const sink: Sink = { name: 'text', close: () => Promise.resolve() };
    if (mode === 'live') {
      sink.finding = async (finding, ack) => {
        await stdout.write(`${liveFindingText(finding, colors)}\n`);
        ack();
      };
      sink.event = (event) => stdout.write(`${liveEventText(event, colors)}\n`);
    } else {
      const layout = textOptionsFrom(options);
      sink.summary = async (report) => {
        for (const chunk of renderText(report, colors, layout)) await stdout.write(chunk);
      };
    }
    return Promise.resolve(sink);
  },
};
