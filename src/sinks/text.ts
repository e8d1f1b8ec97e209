import { UTCDate } from '@date-fns/utc';
import { format } from 'date-fns/format';
import { formatDuration } from 'date-fns/formatDuration';
import { intervalToDuration } from 'date-fns/intervalToDuration';
import type { Locale } from 'date-fns/locale';
import type { Finding, Severity } from '../classify/finding.js';
import type { Incident } from '../correlate/incidents.js';
import type { TraceSummary } from '../correlate/traces.js';
import type { LiveEvent } from '../correlate/live.js';
import type { ScanReport } from '../correlate/report.js';
import { kindSpec, KINDS } from '../classify/registry.js';
import type { Sink, SinkRegistration } from './sink.js';
import { stripControl, type Colors } from './terminal.js';

const SHORT_UNITS: Record<string, string> = {
  xYears: 'y',
  xMonths: 'mo',
  xWeeks: 'w',
  xDays: 'd',
  xHours: 'h',
  xMinutes: 'm',
  xSeconds: 's',
};

/** date-fns' locale hook, used to get compact units ("4m 33s") from formatDuration. */
const compactLocale: Pick<Locale, 'formatDistance'> = {
  formatDistance: (token, count) => `${count}${SHORT_UNITS[token] ?? token}`,
};

/** A time in UTC; a record without one shows as "(no time)", as wide as a time would be. */
export function formatTime(ms: number | null, pattern = 'yyyy-MM-dd HH:mm:ss.SSS'): string {
  if (ms === null) return '(no time)'.padEnd(pattern.length);
  return format(new UTCDate(ms), pattern);
}

/** "1.2s" under a minute, else "4m 33s" / "2h 5m 0s" (date-fns duration, compact units). */
export function formatSpan(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)}s`;
  const duration = intervalToDuration({ start: 0, end: ms });
  return formatDuration(duration, { locale: compactLocale, delimiter: ' ', zero: false });
}

function severityLabel(severity: Severity, c: Colors): string {
  return severity === 'critical' ? c.bold(c.red('CRITICAL')) : c.yellow('WARNING ');
}

// Two decimals at most, so 80.01 % does not print as an innocent-looking 80.0 %.
function percent(value: number | null): string {
  return value === null ? '' : `${Number(value.toFixed(2))}%`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function bytes(value: number | null): string {
  if (value === null) return '';
  return value >= 1048576 ? `${(value / 1048576).toFixed(1)} MiB` : `${(value / 1024).toFixed(1)} KiB`;
}

/** A finding's headline measure, as its kind's spec says (usage, payload size, growth rate…). */
export function measureText(finding: Finding): string {
  const spec = kindSpec(finding.kind);
  const field = spec?.measure ?? 'usage_percent';
  const value = (field in finding ? finding[field as keyof Finding] : finding.details?.[field]) as number | null | undefined;
  if (value === null || value === undefined || typeof value !== 'number') return '';
  switch (spec?.unit) {
    case 'bytes':
      return bytes(value);
    case 'bytes_per_second':
      return `${bytes(value)}/s`;
    default:
      return percent(value);
  }
}

export function findingText(finding: Finding, origin: number | null, c: Colors): string {
  const measure = measureText(finding);
  const message = stripControl(finding.message ?? '');
  const event = stripControl(finding.event ?? '');
  return [
    `  ${c.dim((finding.timestamp === null || origin === null ? '' : `+${formatSpan(finding.timestamp - origin)}`).padEnd(9))}`,
    formatTime(finding.timestamp, 'HH:mm:ss.SSS'),
    severityLabel(finding.severity, c),
    finding.kind.padEnd(17),
    measure.padStart(9),
    `${event}${event && message ? ' ' : ''}${c.dim(message ? `"${message}"` : '')}`,
    c.dim(`${stripControl(finding.source.file)}:${finding.source.line}`),
  ].join('  ');
}

export function traceHeader(trace: TraceSummary, c: Colors): string {
  const counts = Object.entries(trace.counts)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(', ');
  const parts = [
    c.bold(stripControl(trace.trace_id)),
    trace.severity === 'critical' ? c.red('critical') : c.yellow('warning'),
    trace.first_seen === null || trace.last_seen === null || trace.duration_ms === null
      ? 'no times in its records'
      : `${formatTime(trace.first_seen)} → ${formatTime(trace.last_seen, 'HH:mm:ss.SSS')} UTC (${formatSpan(trace.duration_ms)})`,
  ];
  if (trace.peak_usage_percent !== null) parts.push(`peak ${percent(trace.peak_usage_percent)}`);
  if (trace.max_payload_bytes !== null) parts.push(`max payload ${bytes(trace.max_payload_bytes)}`);
  parts.push(counts);
  if (trace.hosts.length > 0) parts.push(`hosts ${trace.hosts.map(stripControl).join(',')}`);
  return parts.join('  ');
}

export function traceTimeline(trace: TraceSummary, c: Colors): string {
  const lines = [traceHeader(trace, c), ...trace.findings.map((f) => findingText(f, trace.first_seen, c))];
  if (trace.findings_omitted > 0) lines.push(c.dim(`  … ${trace.findings_omitted} more findings not kept`));
  return `${lines.join('\n')}\n\n`;
}

export function incidentText(incident: Incident, c: Colors): string {
  const peak = incident.peak_usage_percent === null ? '' : `  peak ${percent(incident.peak_usage_percent)}`;
  return `  ${formatTime(incident.start)} → ${formatTime(incident.end, 'HH:mm:ss.SSS')} UTC (${formatSpan(
    incident.end - incident.start,
  )})  ${incident.severity === 'critical' ? c.red('critical') : c.yellow('warning')}  ${plural(incident.findings, 'finding')} in ${plural(
    incident.traces,
    'trace',
  )}${peak}`;
}

/** `--format text`: one timeline per trace, then the untraced findings, then a summary. */
export function* renderText(report: ScanReport, c: Colors): Generator<string> {
  for (const trace of report.traces) yield traceTimeline(trace, c);
  if (report.untraced.length > 0) {
    const origin = report.untraced.find((f) => f.timestamp !== null)?.timestamp ?? null;
    yield `${c.bold('(no trace id)')}  ${plural(report.untraced.length, 'finding')}\n`;
    for (const f of report.untraced) yield `${findingText(f, origin, c)}\n`;
    yield '\n';
  }
  if (report.untracedOmitted > 0 || report.tracesOmitted > 0) {
    const left = [
      report.tracesOmitted > 0 ? `${plural(report.tracesOmitted, 'less severe trace')}` : '',
      report.untracedOmitted > 0 ? `${plural(report.untracedOmitted, 'finding')} without a trace id` : '',
    ].filter(Boolean);
    yield c.dim(`(not listed, past the report's budget: ${left.join(' and ')}; the counts below include them; --format ndjson streams every finding)\n\n`);
  }
  const s = report.stats;
  const skipped = s.skipped > 0 ? `, ${s.skipped} lines not parsed (--fast)` : '';
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
  for (const incident of report.incidents) yield `${incidentText(incident, c)}\n`;
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
  return `${c.bold('▲ incident opened')}  ${formatTime(incident.start)} UTC  ${incident.severity === 'critical' ? c.red('critical') : c.yellow('warning')}`;
}

export function incidentClosedText(incident: Incident, c: Colors): string {
  return `${c.bold('▼ incident closed')}${incidentText(incident, c)}`;
}

export function liveEventText(event: LiveEvent, c: Colors): string {
  if (event.type === 'trace') return liveTraceText(event.summary, event.reason, c);
  return event.type === 'incident_opened' ? incidentOpenedText(event.incident, c) : incidentClosedText(event.incident, c);
}

/** `--format text`: the report's timelines once the run is over; a live run prints a line per finding and event. */
export const textSink: SinkRegistration = {
  name: 'text',
  modes: ['batch', 'live'],
  wanted: (options) => options.format === 'text',
  open: (_options, { stdout, colors, mode }) => {
    const sink: Sink = { name: 'text', close: () => Promise.resolve() };
    if (mode === 'live') {
      sink.finding = async (finding, ack) => {
        await stdout.write(`${liveFindingText(finding, colors)}\n`);
        ack();
      };
      sink.event = (event) => stdout.write(`${liveEventText(event, colors)}\n`);
    } else {
      sink.summary = async (report) => {
        for (const chunk of renderText(report, colors)) await stdout.write(chunk);
      };
    }
    return Promise.resolve(sink);
  },
};
