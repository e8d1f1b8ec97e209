/**
 * The HTML report's cost for a log of about a million records (after the run's budgets: 20,000
 * findings kept, 3 series of 2,000 buckets, 500 traces, 50 incidents): render time, file size,
 * and Chromium's time to `load` and to every chart drawn. `measureReport()` is for the bench;
 * run this file to print the figures:
 *
 *   node --import tsx test/browser/measure.ts
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HtmlReportData } from '../../src/sinks/html/data.js';
import { writeHtmlReport } from '../../src/sinks/html/write.js';
import { launchChromium, openReport, skipBrowser } from '../support/browser.js';
import { LARGE, largeReport } from './fixtures.js';

export interface ReportCost {
  findings: number;
  renderMs: number;
  bytes: number;
  /** Null without Chromium. */
  chromium: { loadMs: number; chartsMs: number; errors: string[] } | null;
}

export async function measureReport(data: HtmlReportData = largeReport(LARGE)): Promise<ReportCost> {
  const dir = await mkdtemp(join(tmpdir(), 'memtrail-report-'));
  try {
    const file = join(dir, 'report.html');
    const started = performance.now();
    await writeHtmlReport(data, file);
    const renderMs = performance.now() - started;
    const { size } = await stat(file);
    const findings = data.report.traces.reduce((n, t) => n + t.findings.length, data.report.untraced.length);
    if (skipBrowser) return { findings, renderMs, bytes: size, chromium: null };
    const browser = await launchChromium();
    try {
      const opened = await openReport(browser, file);
      const { loadMs, chartsMs, watch } = opened;
      await opened.context.close();
      return { findings, renderMs, bytes: size, chromium: { loadMs, chartsMs, errors: [...watch.errors, ...watch.requests] } };
    } finally {
      await browser.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function describeCost(cost: ReportCost): string {
  const mb = (cost.bytes / 1024 / 1024).toFixed(2);
  const lines = [`HTML report, ${cost.findings} findings: rendered in ${cost.renderMs.toFixed(0)} ms, ${mb} MiB`];
  lines.push(
    cost.chromium === null
      ? `Chromium: skipped (${String(skipBrowser)})`
      : `Chromium: load ${cost.chromium.loadMs.toFixed(0)} ms, charts drawn ${cost.chromium.chartsMs.toFixed(0)} ms${
          cost.chromium.errors.length > 0 ? `, ERRORS: ${cost.chromium.errors.join('; ')}` : ''
        }`,
  );
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(describeCost(await measureReport()));
}
