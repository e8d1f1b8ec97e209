import type { Finding } from '../classify/finding.js';
import type { Incident } from '../correlate/incidents.js';
import type { TraceSummary } from '../correlate/traces.js';
import { stripControl, type Colors } from './terminal.js';
import { cut, displayWidth, formatSpan, formatTime, measureText, percent, plural, severityLabel, severityWord, bytes } from './text-format.js';
import { decidedByEvent, type Thresholds } from './view.js';

/** How timelines are laid out: the width long text is cut to (Infinity: --wide), and what may be shortened. */
export interface LineOptions {
  /** The terminal's width: lines are fitted to it by cutting the message (Infinity: a pipe, or --wide). */
  width: number;
  /** Messages longer than this are cut whatever the width (Infinity: --wide). */
  messageMax?: number;
  /** The run's thresholds: a finding that fired on its event says so. */
  thresholds?: Thresholds;
  /** Every finding on its own line and no row cap (--all). */
  every?: boolean;
}

export const WIDE: LineOptions = { width: Infinity, every: true };

/** Consecutive alike findings (a ramp of samples) shown as one line from this many on. */
const RUN_MIN = 3;
/** Past this many lines a timeline shows its first and last lines and says how many it skipped. */
const MAX_ROWS = 20;
/** The shortest a message is cut to, however narrow the terminal. */
const MIN_MESSAGE = 12;
/** An event name is cut only past this. */
const MAX_EVENT = 40;

/** Findings shown as one line: one finding, or a run of alike ones. */
interface Row {
  first: Finding;
  last: Finding;
  count: number;
  byEvent: boolean;
}

/** Alike: same kind, severity, reason, event, message, host and file. */
function alike(a: Row, f: Finding, byEvent: boolean): boolean {
  const x = a.last;
  return (
    x.kind === f.kind &&
    x.severity === f.severity &&
    a.byEvent === byEvent &&
    x.event === f.event &&
    x.message === f.message &&
    x.host === f.host &&
    x.source.file === f.source.file
  );
}

/** The timeline's lines: runs of at least RUN_MIN alike findings folded into one, unless every finding is asked for. */
export function rowsOf(findings: readonly Finding[], options: LineOptions): Row[] {
  const runs: { row: Row; start: number }[] = [];
  findings.forEach((f, i) => {
    const byEvent = decidedByEvent(f, options.thresholds);
    const open = runs.at(-1)?.row;
    if (!options.every && open !== undefined && alike(open, f, byEvent)) {
      open.last = f;
      open.count++;
    } else {
      runs.push({ row: { first: f, last: f, count: 1, byEvent }, start: i });
    }
  });
  // A short run reads better as its own lines.
  return runs.flatMap(({ row, start }) =>
    row.count === 1 || row.count >= RUN_MIN ? [row] : findings.slice(start, start + row.count).map((f) => ({ first: f, last: f, count: 1, byEvent: row.byEvent })),
  );
}

/** The event (marked as the reason when the finding fired on it) and the message, cut to the room left. */
function detail(row: Row, room: number, messageMax: number, c: Colors): string {
  const event = stripControl(row.first.event ?? '');
  const message = stripControl(row.first.message ?? '');
  const label = row.byEvent && event ? 'event ' : '';
  // The event is the reason a finding fired: cut only when it is itself long.
  const eventRoom = Math.max(Math.min(displayWidth(event), MAX_EVENT), room - label.length - MIN_MESSAGE - 3);
  const shownEvent = cut(event, eventRoom);
  const messageRoom = Math.max(MIN_MESSAGE, room - label.length - displayWidth(shownEvent) - (shownEvent ? 1 : 0) - 2);
  const shownMessage = cut(message, Math.min(messageMax, messageRoom));
  return `${label ? c.cyan(label) : ''}${shownEvent}${shownEvent && shownMessage ? ' ' : ''}${c.dim(shownMessage ? `"${shownMessage}"` : '')}`;
}

function where(row: Row): string {
  const file = stripControl(row.first.source.file);
  if (row.count === 1) return `${file}:${row.first.source.line}`;
  const same = row.last.source.file === row.first.source.file;
  return `${file}:${row.first.source.line}…${same ? '' : `${stripControl(row.last.source.file)}:`}${row.last.source.line}`;
}

/** One line of a timeline: offset from the trace's first finding, time, severity, kind, measure, why, where. */
export function rowText(row: Row, origin: number | null, c: Colors, options: LineOptions): string {
  const f = row.first;
  const offset = (f.timestamp === null || origin === null ? '' : `+${formatSpan(f.timestamp - origin)}`).padEnd(9);
  let run = '';
  if (row.count > 1) {
    const to = measureText(row.last);
    const span = f.timestamp !== null && row.last.timestamp !== null ? ` in ${formatSpan(row.last.timestamp - f.timestamp)}` : '';
    run = `×${row.count}${to ? ` to ${to}` : ''}${span}`;
  }
  const fixed = [`  ${offset}`, formatTime(f.timestamp, 'HH:mm:ss.SSS'), 'CRITICAL', f.kind.padEnd(17), measureText(f).padStart(9), ...(run ? [run] : [])];
  const source = where(row);
  const room = options.width - displayWidth(fixed.join('  ')) - 4 - displayWidth(source);
  return [
    `  ${c.dim(offset)}`,
    fixed[1],
    severityLabel(f.severity, c),
    fixed[3],
    fixed[4],
    ...(run ? [c.bold(run)] : []),
    detail(row, room, options.messageMax ?? Infinity, c),
    c.dim(source),
  ].join('  ');
}

/** One finding on its own line (a tail's untraced finding, a caller without runs). */
export function findingText(finding: Finding, origin: number | null, c: Colors, options: LineOptions = WIDE): string {
  return rowText({ first: finding, last: finding, count: 1, byEvent: decidedByEvent(finding, options.thresholds) }, origin, c, options);
}

function hostsText(hosts: readonly string[], options: LineOptions): string {
  const shown = options.every || hosts.length <= 3 ? hosts : hosts.slice(0, 3);
  const more = hosts.length - shown.length;
  return `hosts ${shown.map(stripControl).join(',')}${more > 0 ? ` +${more} more` : ''}`;
}

export function traceHeader(trace: TraceSummary, c: Colors, options: LineOptions = WIDE): string {
  const counts = Object.entries(trace.counts)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(', ');
  const id = stripControl(trace.trace_id);
  const parts = [
    c.bold(Number.isFinite(options.width) ? cut(id, Math.max(32, Math.floor(options.width / 2))) : id),
    severityWord(trace.severity, c),
    trace.first_seen === null || trace.last_seen === null || trace.duration_ms === null
      ? 'no times in its records'
      : `${formatTime(trace.first_seen)} → ${formatTime(trace.last_seen, 'HH:mm:ss.SSS')} UTC (${formatSpan(trace.duration_ms)})`,
  ];
  if (trace.peak_usage_percent !== null) parts.push(`peak ${percent(trace.peak_usage_percent)}`);
  if (trace.max_payload_bytes !== null) parts.push(`max payload ${bytes(trace.max_payload_bytes)}`);
  parts.push(counts);
  if (trace.hosts.length > 0) parts.push(hostsText(trace.hosts, options));
  return parts.join('  ');
}

/** A trace's summary line and its timeline; a long timeline shows its first and last lines (not with `every`). */
export function traceTimeline(trace: TraceSummary, c: Colors, options: LineOptions = WIDE): string {
  const rows = rowsOf(trace.findings, options);
  const text = (row: Row) => rowText(row, trace.first_seen, c, options);
  const lines = [traceHeader(trace, c, options)];
  if (options.every || rows.length <= MAX_ROWS) {
    lines.push(...rows.map(text));
  } else {
    const head = rows.slice(0, MAX_ROWS / 2);
    const tail = rows.slice(rows.length - MAX_ROWS / 2);
    const skipped = rows.slice(head.length, rows.length - tail.length).reduce((n, r) => n + r.count, 0);
    lines.push(...head.map(text), c.dim(`  … ${plural(skipped, 'finding')} in between (--all shows every finding)`), ...tail.map(text));
  }
  if (trace.findings_omitted > 0) lines.push(c.dim(`  … ${trace.findings_omitted} more findings not kept`));
  return `${lines.join('\n')}\n\n`;
}

export function incidentText(incident: Incident, c: Colors): string {
  const peak = incident.peak_usage_percent === null ? '' : `  peak ${percent(incident.peak_usage_percent)}`;
  return `  ${formatTime(incident.start)} → ${formatTime(incident.end, 'HH:mm:ss.SSS')} UTC (${formatSpan(incident.end - incident.start)})  ${severityWord(
    incident.severity,
    c,
  )}  ${plural(incident.findings, 'finding')} in ${plural(incident.traces, 'trace')}${peak}`;
}
