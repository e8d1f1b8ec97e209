import type { Finding } from '../../classify/finding.js';
import { measureText } from '../text.js';
import type { Plan } from './plan.js';
import { NO_TRACE, TRACE_NOT_LISTED, type FindingRow, type ReportView, type ViewTrace } from './view.js';

/** Strings stored once, referred to by index. */
class Interner {
  readonly strings: string[] = [];
  private readonly index = new Map<string, number>();

  id(text: string | null): number {
    if (text === null) return -1;
    let i = this.index.get(text);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(text);
      this.index.set(text, i);
    }
    return i;
  }
}

/**
 * The page's JSON (ReportView) in pieces of a few hundred findings, never as one string. Not yet
 * escaped for the <script> element it goes in (render.ts does that).
 */
export function* embeddedJson(plan: Plan): Generator<string> {
  const strings = new Interner();
  const head: Pick<ReportView, 'kinds' | 'thresholds'> = { kinds: plan.kinds, thresholds: plan.data.thresholds };
  yield `${JSON.stringify(head).slice(0, -1)},"charts":[`;
  for (const [i, chart] of plan.charts.entries()) yield `${i > 0 ? ',' : ''}${JSON.stringify(chart)}`;
  yield '],"findings":[';

  let count = 0;
  const traces: ViewTrace[] = [];
  function* rows(findings: readonly Finding[], trace: number): Generator<string> {
    for (const f of findings) {
      count++;
      yield JSON.stringify(row(plan, strings, f, trace));
    }
  }
  function* allRows(): Generator<string> {
    for (const [i, trace] of plan.traces.entries()) {
      const from = count;
      yield* rows(trace.findings, i);
      traces.push({ id: trace.trace_id, from, to: count });
    }
    for (const trace of plan.unlisted) yield* rows(trace.findings, TRACE_NOT_LISTED);
  }
  yield* joined(allRows());
  const untracedFrom = count;
  yield* joined(rows(plan.data.report.untraced, NO_TRACE), count > 0);
  const untraced: ReportView['untraced'] = { from: untracedFrom, to: count };

  yield `],"traces":${JSON.stringify(traces)},"untraced":${JSON.stringify(untraced)},"strings":[`;
  yield* joined((function* () {
    for (const s of strings.strings) yield JSON.stringify(s);
  })());
  yield ']}';
}

function row(plan: Plan, strings: Interner, f: Finding, trace: number): FindingRow {
  return [
    f.timestamp,
    f.severity === 'critical' ? 1 : 0,
    plan.kindIndex.get(f.kind) ?? -1,
    trace,
    plan.chartOf(f),
    f.usage_percent,
    f.memory_used_bytes,
    f.payload_bytes,
    measureText(f),
    strings.id(f.event),
    strings.id(f.message),
    strings.id(f.host),
    strings.id(f.source.file),
    f.source.line,
  ];
}

/** JSON array elements in pieces of `size`, commas between them (and before the first when `after`). */
function* joined(items: Iterable<string>, after = false, size = 500): Generator<string> {
  let piece: string[] = [];
  let first = !after;
  for (const item of items) {
    piece.push(item);
    if (piece.length < size) continue;
    yield `${first ? '' : ','}${piece.join(',')}`;
    first = false;
    piece = [];
  }
  if (piece.length > 0) yield `${first ? '' : ','}${piece.join(',')}`;
}
