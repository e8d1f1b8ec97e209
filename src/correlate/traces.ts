import { SEVERITY_RANK, type Finding, type FindingKind, type Severity } from '../classify/finding.js';
import { isMemoryKind, KINDS } from '../classify/registry.js';

/** A trace summary (docs/ARCHITECTURE.md). Timestamps are epoch ms here; sinks format them. */
export interface TraceSummary {
  trace_id: string;
  /** Null when none of the trace's findings had a time. */
  first_seen: number | null;
  last_seen: number | null;
  duration_ms: number | null;
  severity: Severity;
  peak_usage_percent: number | null;
  max_payload_bytes: number | null;
  counts: Partial<Record<FindingKind, number>>;
  hosts: string[];
  files: string[];
  findings: Finding[];
  /** Findings counted but not kept because the trace passed max_findings_per_trace. */
  findings_omitted: number;
}

interface TraceState {
  summary: TraceSummary;
  hosts: Set<string>;
  files: Set<string>;
}

export interface TraceBookOptions {
  /** Findings kept per trace; beyond it counts and peaks stay exact, the findings are omitted. */
  maxFindingsPerTrace: number;
  /** When set, the trace updated longest ago is summarised and evicted beyond this many. */
  maxTraces?: number;
  onEvict?: (summary: TraceSummary) => void;
}

/** Trace summaries keyed by trace id; state grows with findings, never with lines read. */
export class TraceBook {
  private readonly traces = new Map<string, TraceState>();
  evicted = 0;

  constructor(private readonly options: TraceBookOptions) {}

  get size(): number {
    return this.traces.size;
  }

  /** `keep`: the finding itself is kept (within the run's budget); its counts and peaks always are. */
  add(finding: Finding, keep = true): void {
    if (finding.trace_id === null) return;
    let state = this.traces.get(finding.trace_id);
    if (state === undefined) {
      state = newState(finding);
      this.traces.set(finding.trace_id, state);
      this.evictBeyondLimit();
    } else {
      // Map order doubles as recency order for eviction.
      this.traces.delete(finding.trace_id);
      this.traces.set(finding.trace_id, state);
    }
    addToSummary(state, finding, keep ? this.options.maxFindingsPerTrace : 0);
  }

  /** Keeps the `keep` most severe traces (critical first, then by peak usage, then by size); returns how many went. */
  prune(keep: number): number {
    if (this.traces.size <= keep) return 0;
    const ranked = [...this.traces.entries()].sort(([, a], [, b]) => rank(b.summary) - rank(a.summary));
    let dropped = 0;
    for (const [id] of ranked.slice(keep)) {
      this.traces.delete(id);
      dropped++;
    }
    return dropped;
  }

  /** Removes and returns one trace's summary (for live tails that close idle traces). */
  take(traceId: string): TraceSummary | undefined {
    const state = this.traces.get(traceId);
    if (state === undefined) return undefined;
    this.traces.delete(traceId);
    return finish(state);
  }

  /** All summaries, earliest first. */
  summaries(): TraceSummary[] {
    return [...this.traces.values()].map(finish).sort((a, b) => (a.first_seen ?? Infinity) - (b.first_seen ?? Infinity) || cmp(a.trace_id, b.trace_id));
  }

  private evictBeyondLimit(): void {
    const limit = this.options.maxTraces;
    if (limit === undefined) return;
    while (this.traces.size > limit) {
      const oldest = this.traces.keys().next().value as string;
      const summary = this.take(oldest);
      this.evicted++;
      if (summary) this.options.onEvict?.(summary);
    }
  }
}

/** How much a trace matters to a person reading the report: severity, then peak usage, then payload. */
function rank(s: TraceSummary): number {
  return SEVERITY_RANK[s.severity] * 1e6 + (s.peak_usage_percent ?? 0) * 1e3 + Math.min(999, (s.max_payload_bytes ?? 0) / 1e6);
}

function newState(finding: Finding): TraceState {
  return {
    summary: {
      trace_id: finding.trace_id as string,
      first_seen: null,
      last_seen: null,
      duration_ms: null,
      severity: finding.severity,
      peak_usage_percent: null,
      max_payload_bytes: null,
      counts: {},
      hosts: [],
      files: [],
      findings: [],
      findings_omitted: 0,
    },
    hosts: new Set(),
    files: new Set(),
  };
}

function addToSummary(state: TraceState, finding: Finding, maxFindings: number): void {
  const s = state.summary;
  if (finding.timestamp !== null) {
    s.first_seen = Math.min(s.first_seen ?? Infinity, finding.timestamp);
    s.last_seen = Math.max(s.last_seen ?? -Infinity, finding.timestamp);
  }
  if (SEVERITY_RANK[finding.severity] > SEVERITY_RANK[s.severity]) s.severity = finding.severity;
  if (isMemoryKind(finding.kind) && finding.usage_percent !== null) {
    s.peak_usage_percent = Math.max(s.peak_usage_percent ?? -Infinity, finding.usage_percent);
  }
  if (finding.payload_bytes !== null) s.max_payload_bytes = Math.max(s.max_payload_bytes ?? 0, finding.payload_bytes);
  s.counts[finding.kind] = (s.counts[finding.kind] ?? 0) + 1;
  if (finding.host !== null) state.hosts.add(finding.host);
  state.files.add(finding.source.file);
  if (s.findings.length < maxFindings) s.findings.push(finding);
  else s.findings_omitted++;
}

function finish(state: TraceState): TraceSummary {
  const s = state.summary;
  const counts: Partial<Record<FindingKind, number>> = {};
  for (const { name } of KINDS) if (s.counts[name]) counts[name] = s.counts[name];
  return {
    ...s,
    duration_ms: s.first_seen === null || s.last_seen === null ? null : s.last_seen - s.first_seen,
    counts,
    hosts: [...state.hosts].sort(),
    files: [...state.files].sort(),
    findings: [...s.findings].sort(byTime),
  };
}

/** Where a finding sorts: its time, or for one without, the last time seen before it in its input. */
export function sortTime(f: Finding): number {
  return f.timestamp ?? f.order ?? -Infinity;
}

/** Time order (a finding without a time where its input put it); ties broken by file and line, stable across runs. */
export function byTime(a: Finding, b: Finding): number {
  const at = sortTime(a);
  const bt = sortTime(b);
  return (
    (at === bt ? 0 : at < bt ? -1 : 1) ||
    cmp(a.source.file, b.source.file) ||
    a.source.line - b.source.line ||
    cmp(a.kind, b.kind)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
