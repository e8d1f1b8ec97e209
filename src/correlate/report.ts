import type { Finding, FindingKind } from '../classify/finding.js';
import { emptyCounts } from '../classify/registry.js';
import type { SeriesSummary } from '../classify/trends/summary.js';
import type { Incident } from './incidents.js';
import type { TraceSummary } from './traces.js';
import { emptyCoverage, type Coverage } from '../parse/records.js';

export interface ScanStats {
  files: number;
  bytes: number;
  lines: number;
  records: number;
  malformed: number;
  invalid: number;
  /** Lines the --fast path did not parse (0 on the exact path). */
  skipped: number;
  /**
   * `exact`: every line was parsed and validated, so records, malformed and invalid are the
   * input's. `partial` (--fast): lines that could not match a rule were skipped unparsed, so those
   * counts cover only the lines read; the findings are the same.
   */
  counts: 'exact' | 'partial';
  /** Records without a time (classified; left out of incidents and durations). */
  untimed: number;
  /** Lines with nothing but whitespace. */
  blank: number;
  /** Lines inside a record or an error that began on an earlier line (pretty-printed input). */
  continued: number;
  /** Records, invalid records and malformed input that share their line with the one before. */
  batched: number;
  /** Plain-text lines inside a container or journald envelope (and OOM-kill lines). */
  text: number;
  /** Records whose finding could not be handled (a bug memtrail kept to that record; each is in `errors`). */
  poisoned: number;
  /** With `scan --since/--until`: records whose time is outside the window (read, not classified). */
  outside_window?: number;
  /** Records that carried what memtrail reads: a time, a usage, memory bytes, a payload size, a rule event, a trace id. */
  coverage: Coverage;
  findings: Record<FindingKind, number>;
}

export interface ReportedError {
  file: string;
  line: number;
  kind: 'malformed' | 'invalid' | 'input';
  reason: string;
}

/** What a search-engine sink took, for the report and the closing line. */
export interface IndexResult {
  engine: string;
  url: string;
  indexed: number;
  failed: number;
  traces: number;
  /** Memory series buckets written to <prefix>-memory. */
  memory_points: number;
  /** Failures by reason, with how many documents each. */
  failures: { reason: string; count: number }[];
  /** From the end of reading to every finding acknowledged and searchable (flush + refresh). */
  searchable_after_ms: number;
  /** Deriving and indexing the trace summaries after that. */
  summaries_ms: number;
}

/** Everything a finished run hands to its sinks. */
export interface ScanReport {
  stats: ScanStats;
  traces: TraceSummary[];
  /** Findings whose record carried no trace id (up to the findings budget). */
  untraced: Finding[];
  /** Untraced findings counted but not listed. */
  untracedOmitted: number;
  /** Traces left out of the report past the trace budget (the least severe). */
  tracesOmitted: number;
  incidents: Incident[];
  /** A bounded sample; `errors_total` counts all of them. */
  errors: ReportedError[];
  errors_total: number;
  /** Memory series read from the inputs (memory and swap), with their trend verdicts; absent where no input was read (timeline). */
  series?: SeriesSummary[];
  /** With --index: what the search engine took. */
  index?: IndexResult;
  /** Where the findings came from when not from inputs read by this run (timeline). */
  origin?: string;
}

export function emptyStats(): ScanStats {
  return {
    files: 0,
    bytes: 0,
    lines: 0,
    records: 0,
    malformed: 0,
    invalid: 0,
    skipped: 0,
    counts: 'exact',
    untimed: 0,
    blank: 0,
    continued: 0,
    batched: 0,
    text: 0,
    poisoned: 0,
    coverage: emptyCoverage(),
    findings: emptyCounts(),
  };
}

