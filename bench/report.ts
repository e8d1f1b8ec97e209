/**
 * The HTML evidence report's part of `npm run bench`: for the generated 1M-record log, how long
 * the report takes to build and write once the scan is over, how big it is, how long `scan --html`
 * takes end to end, and how long Chromium takes to load it and draw every chart; then the same
 * at the report's budget (20,000 findings kept), which a real incident can reach. Run alone:
 *
 *   node --import tsx bench/report.ts bench/data/generated-1000000.log
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configSchema } from '../src/config.js';
import { BatchRun } from '../src/pipeline/batch.js';
import { htmlData } from '../src/sinks/html/sink.js';
import { writeHtmlReport } from '../src/sinks/html/write.js';
import { resolveInputs } from '../src/sources/inputs.js';
import { describeCost, measureReport } from '../test/browser/measure.js';
import { launchChromium, openReport, skipBrowser } from '../test/support/browser.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'memtrail.js');

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(2)} MiB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function wallTime(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 || code === 3 ? resolve(performance.now() - started) : reject(new Error(`memtrail ${args.join(' ')} exited ${code}: ${err.slice(-300)}`))));
  });
}

/** Prints the figures; false when Chromium saw an error or a request (a report must have neither). */
export async function benchReport(log: string): Promise<boolean> {
  const dir = await mkdtemp(join(tmpdir(), 'memtrail-bench-report-'));
  try {
    const config = configSchema.parse({});
    // The run's report, in-process, as a scan builds it (no output sink: the report is what is timed).
    const run = new BatchRun(config, []);
    const { inputs } = await resolveInputs([log]);
    for (const input of inputs) await run.scan(input);
    const report = await run.finish();

    const file = join(dir, 'report.html');
    const started = performance.now();
    const t = config.thresholds;
    const data = htmlData(report, {
      format: 'text',
      command: `memtrail scan ${log} --html ${file}`,
      inputs: [log],
      thresholds: { warnPercent: t.warn_percent, criticalPercent: t.critical_percent, payloadBytes: t.payload_bytes },
    });
    await writeHtmlReport(data, file);
    const buildMs = performance.now() - started;
    const { size } = await stat(file);
    const findings = report.traces.reduce((n, tr) => n + tr.findings.length, report.untraced.length);

    const endToEnd = await wallTime(['scan', log, '--no-progress', '--format', 'json', '--html', join(dir, 'cli.html')]);

    console.log(`\nHTML evidence report (scan --html) of ${log}`);
    console.log(`  report built and written      ${seconds(buildMs)}   ${mib(size)}   (${findings} findings, ${report.traces.length} traces, ${data.series.length} series)`);
    console.log(`  scan --html, end to end       ${seconds(endToEnd)}`);
    let clean = true;
    if (skipBrowser) {
      console.log(`  Chromium: skipped (${skipBrowser})`);
    } else {
      const browser = await launchChromium();
      try {
        const opened = await openReport(browser, file);
        const problems = [...opened.watch.errors, ...opened.watch.requests, ...opened.watch.dialogs];
        await opened.context.close();
        clean = problems.length === 0;
        console.log(
          `  Chromium load                 ${seconds(opened.loadMs)}   every chart drawn ${seconds(opened.chartsMs)}   ${clean ? 'no error, no request' : `PROBLEMS: ${problems.join('; ')}`}`,
        );
      } finally {
        await browser.close();
      }
    }
    const budget = await measureReport();
    console.log(`  at the report's budget (synthetic):\n${describeCost(budget).replace(/^/gm, '    ')}`);
    return clean && (budget.chromium === null || budget.chromium.errors.length === 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const log = process.argv[2];
  if (!log) throw new Error('usage: node --import tsx bench/report.ts LOG');
  if (!(await benchReport(log))) process.exitCode = 1;
}
