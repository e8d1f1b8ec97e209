import type { Config } from '../config.js';
import type { Detector, DetectorContext, DetectorModule, Emit, RecordDetector, SeriesDetector, SeriesOutput } from '../classify/detector.js';
import type { SeriesPointBatch, SeriesSummary } from '../classify/trends/summary.js';
import type { Finding } from '../classify/finding.js';
import { buildPrefilter, type Prefilter } from '../classify/prefilter.js';
import { DETECTORS } from '../classify/registry.js';
import { carriesMeasure, type LogRecord } from '../parse/record.js';
import { RecordReader, type InputError, type RecordReaderOptions } from '../parse/records.js';
import type { Source } from '../parse/source.js';

/** A series detector's sample, tagged with the detector it is for, as it crosses from a worker. */
export interface TaggedSample {
  detector: number;
  sample: unknown;
}

/** Where detection sends what it makes of one input's records. */
export interface DetectionHandlers {
  finding(finding: Finding): void;
  error(error: InputError): void;
  /** Set on worker threads: series samples are handed back to be fed in order by the main thread. */
  sample?(tagged: TaggedSample, source: Source): void;
  /** Buckets of memory series (live: as they close). */
  points?(batch: SeriesPointBatch): void;
  /** Every record that carries a memory or payload number, as read (live record sinks: metrics). */
  observe?(record: LogRecord, source: Source): void;
}

/** One input's place: the time of its last finding, where a finding without a time sorts. */
export interface InputPlace {
  lastFindingTime: number;
}

/**
 * The detectors of one run, built once from the config: every per-record detector on every
 * record, and the series detectors fed their samples in order. Shared by the batch and live
 * drivers and the worker threads, so all of them find the same things.
 */
export class Detection {
  readonly modules: readonly DetectorModule[];
  private readonly perRecord: { module: DetectorModule; detector: RecordDetector }[] = [];
  private readonly series: { module: DetectorModule; detector: SeriesDetector; index: number }[] = [];
  /** The --fast path's byte-level filter, when the config asks for it. */
  readonly prefilter: Prefilter | undefined;

  constructor(
    readonly config: Config,
    readonly context: DetectorContext = { live: false },
    modules: readonly DetectorModule[] = DETECTORS,
  ) {
    this.modules = modules;
    modules.forEach((module, index) => {
      if (module.enabled && !module.enabled(config)) return;
      const detector: Detector = module.create(config, context);
      if (detector.type === 'record') this.perRecord.push({ module, detector });
      else this.series.push({ module, detector, index });
    });
    this.prefilter = config.fast ? buildPrefilter(config, modules) : undefined;
    this.ruleEvents = new Set([...config.events.critical, ...config.events.warning]);
  }

  /** The event names the rules act on (coverage counts records carrying one). */
  readonly ruleEvents: ReadonlySet<string>;

  /** Records left out by the config's time window. */
  outsideWindow = 0;

  get hasSeries(): boolean {
    return this.series.length > 0;
  }

  /**
   * One record through every detector. A detector that throws on a record makes that record an
   * error (returned, so the reader counts it as invalid and reports its line) and none of its
   * findings are kept: one odd record must not end a run, nor half-count.
   */
  record(record: LogRecord, text: string, source: Source, handlers: DetectionHandlers, place?: InputPlace): InputError | undefined {
    const window = this.config.window;
    if (window && record.timestamp !== null && ((window.since !== undefined && record.timestamp < window.since) || (window.until !== undefined && record.timestamp >= window.until))) {
      this.outsideWindow++;
      return undefined;
    }
    if (handlers.observe && carriesMeasure(record)) handlers.observe(record, source);
    let found: Finding[] | undefined;
    let samples: TaggedSample[] | undefined;
    const emit: Emit = (finding) => (found ??= []).push(finding);
    for (const { module, detector } of this.perRecord) {
      try {
        detector.detect(record, text, source, emit);
      } catch (error) {
        return unclassifiable(module, error, text, source);
      }
    }
    for (const { module, detector, index } of this.series) {
      try {
        const sample = detector.sample(record, source);
        if (sample !== undefined) (samples ??= []).push({ detector: index, sample });
      } catch (error) {
        return unclassifiable(module, error, text, source);
      }
    }
    if (found) {
      if (place) {
        if (record.timestamp !== null) place.lastFindingTime = record.timestamp;
        else for (const finding of found) finding.order = place.lastFindingTime;
      }
      for (const finding of found) handlers.finding(finding);
    }
    if (samples) {
      for (const tagged of samples) {
        if (handlers.sample) handlers.sample(tagged, source);
        else this.addSample(tagged, source, seriesOutputOf(handlers));
      }
    }
    return undefined;
  }

  /** A series sample (one that came back from a worker too), fed in input order. */
  addSample(tagged: TaggedSample, source: Source, out: SeriesOutput): void {
    const entry = this.series.find((s) => s.index === tagged.detector);
    entry?.detector.add(tagged.sample, source, out);
  }

  tick(now: number, out: SeriesOutput): void {
    for (const { detector } of this.series) detector.tick?.(now, out);
  }

  flush(out: SeriesOutput): void {
    for (const { detector } of this.series) detector.flush(out);
  }

  /** Every series of every series detector, as it stands. */
  summaries(): SeriesSummary[] {
    return this.series.flatMap(({ detector }) => detector.summaries?.() ?? []);
  }

  /** A reader for one input whose records go through these detectors. */
  reader(file: string, options: Omit<RecordReaderOptions, 'preset' | 'fields' | 'maxRecordBytes'>, handlers: DetectionHandlers): RecordReader {
    const place: InputPlace = { lastFindingTime: -Infinity };
    return new RecordReader(
      file,
      {
        preset: this.config.preset,
        fields: this.config.fields,
        maxRecordBytes: this.config.max_record_bytes,
        maxDepth: this.config.max_depth,
        timezone: this.config.timezone,
        ruleEvents: this.ruleEvents,
        prefilter: this.prefilter,
        ...options,
      },
      {
        record: (record, text, source) => this.record(record, text, source, handlers, place),
        error: (error) => handlers.error(error),
      },
    );
  }
}

/** Where series detectors send what a sample gives: the findings and points of these handlers. */
export function seriesOutputOf(handlers: DetectionHandlers): SeriesOutput {
  return { finding: (finding) => handlers.finding(finding), ...(handlers.points && { points: (batch: SeriesPointBatch) => handlers.points!(batch) }) };
}

function unclassifiable(module: DetectorModule, error: unknown, text: string, source: Source): InputError {
  return {
    ...source,
    kind: 'invalid',
    reason: `the ${module.name} detector failed on this record: ${(error as Error)?.message ?? String(error)}`,
    raw: text,
  };
}
