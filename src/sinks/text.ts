import { UTCDate } from '@date-fns/utc';
import { format } from 'date-fns/format';
import { formatDuration } from 'date-fns/formatDuration';
import { intervalToDuration } from 'date-fns/intervalToDuration';
import type { Locale } from 'date-fns/locale';
import type { Finding, Severity } from '../classify/finding.js';
import type { Incident } from '../correlate/incidents.js';
import type { TraceSummary } from '../correlate/traces.js';
import type { ScanReport } from './report.js';
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

export function formatTime(ms: number, pattern = 'yyyy-MM-dd HH:mm:ss.SSS'): string {
  return format(new UTCDate(ms), pattern);
}

/** "1.2s" under a minute, else "4m 33s" / "2h 5m 0s" (date-fns duration, compact units). */
export function formatSpan(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)}s`;
  const duration = intervalToDuration({ start: 0, end: ms });
  return formatDuration(duration, { locale: compactLocale as Locale, delimiter: ' ', zero: false });
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

export function findingText(finding: Finding, origin: number, c: Colors): string {
  const measure = finding.kind === 'oversized_payload' ? bytes(finding.payload_bytes) : percent(finding.usage_percent);
  const message = stripControl(finding.message ?? '');
  const event = stripControl(finding.event ?? '');
  return [
    `  ${c.dim(`+${formatSpan(finding.timestamp - origin)}`.padEnd(9))}`,
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
    `${formatTime(trace.first_seen)} → ${formatTime(trace.last_seen, 'HH:mm:ss.SSS')} UTC (${formatSpan(trace.duration_ms)})`,
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
    const origin = report.untraced[0]!.timestamp;
    yield `${c.bold('(no trace id)')}  ${plural(report.untraced.length, 'finding')}\n`;
    for (const f of report.untraced) yield `${findingText(f, origin, c)}\n`;
    yield '\n';
  }
  const s = report.stats;
  const skipped = s.skipped > 0 ? `, ${s.skipped} lines not parsed (--fast)` : '';
  yield report.origin
    ? `${c.bold('Summary')}  from ${report.origin}\n`
    : `${c.bold('Summary')}  ${s.files} files, ${s.lines} lines, ${s.records} records, ${s.malformed} malformed, ${s.invalid} invalid${skipped}\n`;
  yield `  findings: ${c.red(`${s.findings.memory_critical} memory_critical`)}, ${c.yellow(
    `${s.findings.memory_warning} memory_warning`,
  )}, ${c.yellow(`${s.findings.oversized_payload} oversized_payload`)} in ${plural(report.traces.length, 'trace')}\n`;
  yield `  incidents: ${report.incidents.length}\n`;
  for (const incident of report.incidents) yield `${incidentText(incident, c)}\n`;
}

/** A live tail's line for one finding, printed as it arrives. */
export function liveFindingText(finding: Finding, c: Colors): string {
  const measure = finding.kind === 'oversized_payload' ? bytes(finding.payload_bytes) : percent(finding.usage_percent);
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
