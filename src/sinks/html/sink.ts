import { randomBytes } from 'node:crypto';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ScanReport } from '../../correlate/report.js';
import { UsageError } from '../../errors.js';
import { describeWriteError } from '../output.js';
import type { Sink, SinkContext } from '../sink.js';
import { bytes } from '../text-format.js';
import { DEFAULT_THRESHOLDS, filterBySeverity, headlineOf, type ReportOptions } from '../view.js';
import type { HtmlReportData } from './data.js';
import { seriesView } from './series.js';
import { writeHtmlReport } from './write.js';
import { VERSION } from '../../version.js';

/** What the report shows of a finished run, with the command that made it. */
export function htmlData(report: ScanReport, options: ReportOptions, generatedAt = Date.now()): HtmlReportData {
  return {
    meta: {
      command: options.command ?? 'memtrail',
      inputs: options.inputs ?? [],
      generatedAt,
      version: VERSION,
      ...(report.origin !== undefined && { origin: report.origin }),
      ...(options.severity !== undefined && { severity: options.severity }),
    },
    report: filterBySeverity(report, options.severity),
    // Filtered, the listing is not the whole run: the headline still is.
    ...(options.severity !== undefined && { headline: headlineOf(report) }),
    series: (report.series ?? []).map(seriesView),
    thresholds: options.thresholds ?? DEFAULT_THRESHOLDS,
  };
}

/**
 * `--html FILE`: the evidence report, written once the run is over. It is written to a temporary
 * file next to FILE, opened before any input is read (a path that cannot be written is a usage
 * error, exit 2, at once), and renamed over FILE when complete, so FILE is never half a report.
 * A write that fails at the end (a full disk) is reported and fails the run (exit 1).
 */
export class HtmlReportSink implements Sink {
  readonly name = 'html';
  private done = false;

  private constructor(
    private readonly path: string,
    private readonly temp: string,
    private readonly handle: FileHandle,
    private readonly options: ReportOptions,
    private readonly context: Pick<SinkContext, 'warn' | 'failed'>,
  ) {}

  static async open(options: ReportOptions, context: Pick<SinkContext, 'warn' | 'failed'>): Promise<HtmlReportSink> {
    const path = options.html!;
    const existing = await stat(path).catch(() => undefined);
    if (existing?.isDirectory()) throw new UsageError(`--html ${path}: is a directory`);
    const temp = join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    let handle: FileHandle;
    try {
      handle = await open(temp, 'wx');
    } catch (error) {
      throw new UsageError(`--html ${path}: cannot write: ${describeWriteError(error as NodeJS.ErrnoException)}`);
    }
    return new HtmlReportSink(path, temp, handle, options, context);
  }

  async summary(report: ScanReport): Promise<void> {
    try {
      await writeHtmlReport(htmlData(report, this.options), this.handle);
      await rename(this.temp, this.path);
      this.done = true;
      const { size } = await stat(this.path);
      this.context.warn(`HTML report written to ${this.path} (${bytes(size)})`);
    } catch (error) {
      const reason = `cannot write the HTML report ${this.path}: ${describeWriteError(error as NodeJS.ErrnoException)}`;
      this.context.warn(reason);
      this.context.failed(reason);
    }
  }

  async close(): Promise<void> {
    if (this.done) return;
    // No report (the run failed before its end, or the write did): no file left behind.
    await this.handle.close().catch(() => undefined);
    await rm(this.temp, { force: true });
  }
}
