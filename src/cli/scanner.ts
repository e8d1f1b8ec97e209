import type { Config } from '../config.js';
import { SEVERITY_RANK, type Finding, type Severity } from '../classify/finding.js';
import { classify, rulesFrom, type Rules } from '../classify/rules.js';
import { incidentsOf, pointOf, type IncidentPoint } from '../correlate/incidents.js';
import { TraceBook } from '../correlate/traces.js';
import { RecordReader, type InputError } from '../parse/records.js';
import { describeError, type Input } from '../sources/inputs.js';
import { openInput } from '../sources/open.js';
import { emptyStats, type ReportedError, type ScanReport } from '../sinks/report.js';

export interface ScannerHooks {
  /** Called for each finding as it is found (already counted). */
  finding?(finding: Finding): void;
  /** Called for each malformed line or invalid record (already counted). */
  inputError?(error: InputError): void;
  /** Awaited after each chunk: where sinks apply backpressure. */
  drain?(): Promise<void>;
  progress?(rawBytes: number): void;
}

/**
 * One batch scan: inputs in, findings through classification into correlation, and a report out.
 * State grows with findings (trace summaries, incident points), never with lines read.
 */
export class Scanner {
  readonly stats = emptyStats();
  private readonly rules: Rules;
  private readonly traces: TraceBook;
  private readonly points: IncidentPoint[] = [];
  private readonly untraced: Finding[] = [];
  private readonly errors: ReportedError[] = [];
  private errorsTotal = 0;
  inputFailures = 0;
  worstSeverity: Severity | undefined;

  constructor(
    private readonly config: Config,
    private readonly hooks: ScannerHooks = {},
  ) {
    this.rules = rulesFrom(config);
    this.traces = new TraceBook({ maxFindingsPerTrace: config.max_findings_per_trace });
  }

  get findingsTotal(): number {
    const f = this.stats.findings;
    return f.memory_warning + f.memory_critical + f.oversized_payload;
  }

  async scan(input: Input): Promise<void> {
    const file = input.name === '-' ? '(stdin)' : input.name;
    const reader = new RecordReader(
      file,
      { preset: this.config.preset, fields: this.config.fields, maxRecordBytes: this.config.max_record_bytes },
      {
        record: (record, text, source) => {
          for (const finding of classify(record, text, source, this.rules)) this.addFinding(finding);
        },
        error: (error) => this.addError(error),
      },
    );
    let bytes = 0;
    try {
      const opened = await openInput(input, (n) => this.hooks.progress?.(n));
      for await (const chunk of opened.chunks) {
        bytes += chunk.length;
        reader.push(chunk);
        await this.hooks.drain?.();
      }
    } catch (error) {
      this.inputFailed(file, describeError(error as NodeJS.ErrnoException));
    }
    reader.end();
    await this.hooks.drain?.();
    this.stats.files++;
    this.stats.bytes += bytes;
    this.stats.lines += reader.counts.lines;
    this.stats.records += reader.counts.records;
    this.stats.malformed += reader.counts.malformed;
    this.stats.invalid += reader.counts.invalid;
  }

  /** An input that could not be read (missing, unreadable, corrupt gzip): reported, exit 1 later. */
  inputFailed(file: string, reason: string): void {
    this.inputFailures++;
    this.errorsTotal++;
    // Always reported, whatever the sample size: a whole input is missing from the result.
    this.errors.push({ file, line: 0, kind: 'input', reason });
  }

  report(): ScanReport {
    return {
      stats: this.stats,
      traces: this.traces.summaries(),
      untraced: [...this.untraced].sort((a, b) => a.timestamp - b.timestamp),
      incidents: incidentsOf(this.points, this.config.incident_gap),
      errors: this.errors,
      errors_total: this.errorsTotal,
    };
  }

  private addFinding(finding: Finding): void {
    this.stats.findings[finding.kind]++;
    if (this.worstSeverity === undefined || SEVERITY_RANK[finding.severity] > SEVERITY_RANK[this.worstSeverity]) {
      this.worstSeverity = finding.severity;
    }
    this.points.push(pointOf(finding));
    if (finding.trace_id === null) this.untraced.push(finding);
    else this.traces.add(finding);
    this.hooks.finding?.(finding);
  }

  private addError(error: InputError): void {
    this.errorsTotal++;
    this.sampleError({ file: error.file, line: error.line, kind: error.kind, reason: error.reason });
    this.hooks.inputError?.(error);
  }

  private sampleError(error: ReportedError): void {
    if (this.errors.length < this.config.error_sample) this.errors.push(error);
  }
}
