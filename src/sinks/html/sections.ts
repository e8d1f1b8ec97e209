import type { Severity } from '../../classify/finding.js';
import { kindSpec } from '../../classify/registry.js';
import type { Incident } from '../../correlate/incidents.js';
import type { TraceSummary } from '../../correlate/traces.js';
import { formatSpan, formatTime } from '../text.js';
import type { MemorySeriesView } from './data.js';
import { html, Raw } from './escape.js';
import { pageFormat } from './page/format.js';
import { LIMITS, type Plan } from './plan.js';

const fmt = pageFormat();
const OPEN_TIMELINES = 10;

const utc = (ms: number | null, pattern?: string) => (ms === null ? '(no time)' : formatTime(ms, pattern));
const range = (from: number | null, to: number | null) =>
  from === null || to === null ? 'no times in the records' : `${utc(from)} → ${utc(to)} UTC (${formatSpan(to - from)})`;
const badge = (severity: Severity | null) => html`<span class="badge ${severity ?? 'ok'}">${severity === null ? 'OK' : severity.toUpperCase()}</span>`;
const num = (n: number) => html`<td class="num">${fmt.count(n)}</td>`;

export function seriesName(s: Pick<MemorySeriesView, 'host' | 'service' | 'pid' | 'measure'>): string {
  return [s.host ?? '(no host)', s.service ?? '(no service)', s.pid === null ? '' : `pid ${s.pid}`, s.measure === 'swap' ? 'swap' : ''].filter(Boolean).join(' · ');
}

/** A growth rate per 30 minutes, the window of the runbook's leak rule (10 MB per 30 min), as the text report says it. */
const perHalfHour = (bytesPerSecond: number) => `${fmt.bytes(Math.abs(bytesPerSecond) * 1800)} per 30m`;

function growthText(s: MemorySeriesView): string {
  if (s.verdict === 'growing') return `growing${s.growthBytesPerSecond === null ? '' : ` +${perHalfHour(s.growthBytesPerSecond)}`}`;
  return s.verdict === 'stable' ? 'stable' : 'not enough data to judge growth';
}

/** The first screen: the worst severity, how many findings where and when, and what it looks like. */
export function header(plan: Plan): Raw {
  const { data } = plan;
  const { report } = data;
  const h = plan.headline;
  const counts = `${h.bySeverityAtLeast ? 'at least ' : ''}${fmt.plural(h.bySeverity.critical, 'critical finding')} and ${fmt.plural(h.bySeverity.warning, 'warning')}`;
  const where = `in ${fmt.plural(h.traces, 'trace')} on ${fmt.plural(h.hosts.length, 'host')}`;
  const facts: Raw[] = [];
  // Critical kinds first, as text output orders them: the worst news leads.
  const critical = (name: string) => Number(kindSpec(name)?.severities.includes('critical') ?? false);
  const ordered = [...plan.kinds].sort((a, b) => critical(b.name) - critical(a.name));
  facts.push(html`<li>Findings: ${ordered.map((k) => `${fmt.count(report.stats.findings[k.name] ?? 0)} ${k.name}`).join(', ')}</li>`);
  if (report.incidents.length > 0) {
    const longest = report.incidents.reduce((a, b) => (b.end - b.start > a.end - a.start ? b : a));
    const peak = maxOf(report.incidents.map((i) => i.peak_usage_percent));
    facts.push(
      html`<li>${fmt.plural(report.incidents.length, 'incident')}; the longest ${formatSpan(longest.end - longest.start)} from ${utc(longest.start)} UTC${
        peak === null ? '' : `; peak usage ${fmt.percent(peak)}`
      }</li>`,
    );
  }
  const growing = data.series.filter((s) => s.verdict === 'growing');
  for (const s of growing.slice(0, 3)) {
    const projected = s.growth.at(-1)?.projectedLimitAt ?? null;
    facts.push(
      html`<li><strong class="verdict growing">Memory ${growthText(s)}</strong> on ${seriesName(s)}${
        projected === null ? '' : `, reaching its limit around ${utc(projected, 'yyyy-MM-dd HH:mm')} UTC at this rate`
      }</li>`,
    );
  }
  if (growing.length > 3) facts.push(html`<li>… and ${fmt.plural(growing.length - 3, 'more growing series', 'more growing series')}</li>`);
  const restarts = data.series.reduce((n, s) => n + s.restarts.length, 0);
  if (restarts > 0) facts.push(html`<li>${fmt.plural(restarts, 'restart')} seen in the memory series</li>`);
  const payload = maxOf([...report.traces.map((t) => t.max_payload_bytes), ...report.untraced.map((f) => f.payload_bytes)]);
  if (payload !== null) facts.push(html`<li>Largest payload ${fmt.bytes(payload)} (threshold ${fmt.bytes(data.thresholds.payloadBytes)})</li>`);
  if (report.origin) facts.push(html`<li>Findings read back from ${report.origin}</li>`);
  if (data.meta.severity === 'critical') facts.push(html`<li>Listing critical findings only (--severity critical); the counts above are the whole run's</li>`);
  return html`<header class="headline ${h.worst ?? 'ok'}">
<p class="kicker">memtrail evidence report · generated ${utc(data.meta.generatedAt)} UTC</p>
<h1>${badge(h.worst)} ${h.worst === null ? 'No findings' : `${counts} ${where}`}</h1>
<p class="when">${range(h.from, h.to)}</p>
<ul class="facts">${facts}</ul>
<nav class="no-print"><a href="#memory">Memory</a><a href="#incidents">Incidents</a><a href="#traces">Traces</a><a href="#payloads">Payloads</a><a href="#input">Input and coverage</a><a href="#run">Run</a></nav>
</header>`;
}

function maxOf(values: readonly (number | null)[]): number | null {
  let max: number | null = null;
  for (const v of values) if (v !== null && (max === null || v > max)) max = v;
  return max;
}

const KEY = html`<div class="key"><span><i class="sw line"></i>max per bucket</span><span><i class="sw band"></i>min–max</span><span><i class="sw warn"></i>warning finding</span><span><i class="sw crit"></i>critical finding</span><span><i class="sw event"></i>a finding with no value to place it at (an OOM kill), in its severity's colour</span><span><i class="sw threshold"></i>thresholds</span><span><i class="sw growth"></i>growth detected</span><span><i class="sw restart"></i>restart</span></div>`;

/** Memory usage over time: a figure per charted series (the page draws into `.plot`), then every series in a table. */
export function memory(plan: Plan): Raw {
  const { data } = plan;
  const { warnPercent, criticalPercent } = data.thresholds;
  const figures = plan.charts.map((chart, i) => {
    if (chart.type === 'findings') {
      const why = data.series.length === 0 ? 'no memory series in the input (records with usage over time)' : 'findings of hosts and services without a charted series';
      return figure(i, html`<strong>Memory findings over time</strong> <span class="muted">— ${why}; ${chart.mode === 'percent' ? 'usage %' : 'memory used'}</span>`);
    }
    const s = data.series[plan.charted[i]!]!;
    const peak = maxOf(s.points.map((p) => p.usageMax));
    const limit = s.points.reduce<number | null>((last, p) => p.limit ?? last, null);
    const details = [
      limit === null ? 'limit unknown: in bytes, no thresholds' : `limit ${fmt.bytes(limit)}`,
      peak === null ? `peak ${fmt.bytes(maxOf(s.points.map((p) => p.usedMax)))}` : `peak ${fmt.percent(peak)}`,
      s.restarts.length > 0 ? fmt.plural(s.restarts.length, 'restart') : '',
    ].filter(Boolean);
    const growth = s.growth.map(
      (g) =>
        html`<li><span class="sev ${g.severity}">${g.severity}</span> growth ${utc(g.start)} → ${utc(g.end, 'HH:mm:ss')} UTC at +${perHalfHour(g.bytesPerSecond)}${
          g.restarts > 0 ? `, through ${fmt.plural(g.restarts, 'restart')}` : ''
        }${g.projectedLimitAt === null ? '' : `, reaching the limit around ${utc(g.projectedLimitAt, 'yyyy-MM-dd HH:mm')} UTC`}</li>`,
    );
    return figure(
      i,
      html`<strong>${seriesName(s)}</strong> · <span class="verdict ${s.verdict}">${growthText(s)}</span> <span class="muted">· ${details.join(' · ')}</span>`,
      growth.length > 0 ? html`<ul class="note">${growth}</ul>` : undefined,
    );
  });
  const notCharted = data.series.length - plan.charted.length;
  return html`<section id="memory">
<h2>Memory usage over time <small>UTC</small></h2>
<p class="note">Usage in percent of the limit (bytes when the records carry no limit), with the warning (${fmt.percent(warnPercent)}) and critical (${fmt.percent(criticalPercent)}) thresholds. <span class="no-print">Drag to zoom, double-click to reset; point at a marker for its finding, click it to open its timeline.</span></p>
${KEY}
${plan.charts.length === 0 ? html`<p>No memory samples and no memory findings with a time: nothing to chart.</p>` : figures}
${notCharted > 0 ? html`<p class="note">${fmt.plural(notCharted, 'series', 'series')} not charted (the ${LIMITS.seriesCharts} growing or fullest are): see the table.</p>` : ''}
${data.series.length > 0 ? seriesTable(data.series) : ''}
</section>`;
}

function figure(index: number | 'payload', caption: Raw, after?: Raw): Raw {
  return html`<figure class="chart" data-chart="${index}"><figcaption>${caption}</figcaption><div class="plot"></div>${after}<p class="pick" aria-live="polite"></p></figure>`;
}

function seriesTable(series: readonly MemorySeriesView[]): Raw {
  const rows = series.map((s) => {
    const peak = maxOf(s.points.map((p) => p.usageMax));
    return html`<tr><td class="mono msg">${seriesName(s)}</td><td class="verdict ${s.verdict}">${growthText(s)}</td><td class="num">${
      peak === null ? fmt.bytes(maxOf(s.points.map((p) => p.usedMax))) : fmt.percent(peak)
    }</td>${num(s.restarts.length)}${num(s.growth.length)}<td class="time">${s.points.length > 0 ? range(s.points[0]!.t, s.points.at(-1)!.t) : ''}</td></tr>`;
  });
  return html`<h3>Series</h3><table><thead><tr><th>Host · service · process</th><th>Verdict</th><th class="num">Peak</th><th class="num">Restarts</th><th class="num">Growth segments</th><th>Samples (UTC)</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** Incidents in time order; past the limit, the most severe (then the longest) are listed. */
export function* incidents(plan: Plan): Generator<Raw> {
  const all = plan.data.report.incidents;
  const severe = (i: Incident) => (i.severity === 'critical' ? 1 : 0);
  const listed =
    all.length <= LIMITS.incidents
      ? all
      : [...all]
          .sort((a, b) => severe(b) - severe(a) || b.end - b.start - (a.end - a.start))
          .slice(0, LIMITS.incidents)
          .sort((a, b) => a.start - b.start);
  yield html`<section id="incidents"><h2>Incidents <small>UTC</small></h2>
<p class="note">Runs of findings (any trace) no more than the incident gap apart.${
    listed.length < all.length ? ` ${fmt.count(listed.length)} of ${fmt.count(all.length)} listed: the most severe, then the longest.` : ''
  }</p>`;
  if (all.length === 0) {
    yield html`<p>No incidents: no finding had a time.</p></section>`;
    return;
  }
  yield html`<table><thead><tr><th class="num">#</th><th>Start</th><th>End</th><th class="num">Duration</th><th class="num">Findings</th><th class="num">Traces</th><th>Severity</th><th class="num">Peak usage</th></tr></thead><tbody>`;
  for (const [n, i] of listed.entries()) {
    yield html`<tr><td class="num muted">${n + 1}</td><td class="time">${utc(i.start)}</td><td class="time">${utc(i.end)}</td><td class="num">${formatSpan(
      i.end - i.start,
    )}</td>${num(i.findings)}${num(i.traces)}<td class="sev ${i.severity}">${i.severity}</td><td class="num">${fmt.percent(i.peak_usage_percent)}</td></tr>`;
  }
  yield html`</tbody></table></section>`;
}

function traceSummary(plan: Plan, trace: TraceSummary, rank: number): Raw {
  const counts = plan.kinds.filter((k) => (trace.counts[k.name] ?? 0) > 0).map((k) => `${fmt.count(trace.counts[k.name] ?? 0)} ${k.name}`);
  const parts = [
    trace.peak_usage_percent === null ? '' : `peak ${fmt.percent(trace.peak_usage_percent)}`,
    trace.max_payload_bytes === null ? '' : `max payload ${fmt.bytes(trace.max_payload_bytes)}`,
    counts.join(', '),
    trace.hosts.length > 0 ? `hosts ${trace.hosts.join(', ')}` : '',
    trace.findings_omitted > 0 ? `${fmt.count(trace.findings_omitted)} findings not kept` : '',
  ].filter(Boolean);
  return html`<span class="rank">${rank}.</span> <span class="badge ${trace.severity}">${trace.severity.toUpperCase()}</span> <span class="trace-id mono">${
    trace.trace_id
  }</span> <span class="time">${range(trace.first_seen, trace.last_seen)}</span><br><span class="muted">${parts.join(' · ')}</span>`;
}

/**
 * A trace's summary line and its timeline, which the page fills in when opened. Not <details>:
 * Chromium takes about 0.7 ms to set up each one, a third of a second for 500 traces.
 */
function timeline(key: string, open: boolean, summary: Raw): Raw {
  return html`<div class="trace${open ? ' open' : ''}" data-trace="${key}"><div class="summary"><button type="button" class="toggle" aria-expanded="${String(
    open,
  )}" aria-label="timeline"></button>${summary}</div><div class="timeline"></div></div>`;
}

/** The traces, most important first, each with a timeline the page fills in from the JSON. */
export function* traces(plan: Plan): Generator<Raw> {
  const { report } = plan.data;
  yield html`<section id="traces"><h2>Top traces <small>UTC</small></h2>
<p class="note">Ranked by severity, then peak usage, then payload size. The first ${OPEN_TIMELINES} are open; open any other for its timeline.${
    plan.unlisted.length > 0 ? ` ${fmt.plural(plan.unlisted.length, 'less severe trace')} not listed (their findings are charted).` : ''
  }</p>
<div class="filter" hidden><input id="trace-filter" type="search" placeholder="Filter: trace id, host, event, message, file" aria-label="Filter traces"><span id="trace-filter-status" class="muted"></span></div>`;
  if (plan.traces.length === 0 && report.untraced.length === 0) yield html`<p>No findings.</p>`;
  for (const [i, trace] of plan.traces.entries()) yield timeline(String(i), i < OPEN_TIMELINES, traceSummary(plan, trace, i + 1));
  if (report.untraced.length > 0) {
    const omitted = report.untracedOmitted > 0 ? ` · ${fmt.count(report.untracedOmitted)} more not kept` : '';
    yield timeline(
      'untraced',
      plan.traces.length < OPEN_TIMELINES,
      html`<span class="trace-id">(no trace id)</span> <span class="muted">${fmt.plural(report.untraced.length, 'finding')}${omitted}</span>`,
    );
  }
  yield html`</section>`;
}

/** Payloads over the threshold: a chart by size over time and a table by trace. */
export function payloads(plan: Plan): Raw {
  const { data } = plan;
  const payloadKinds = plan.kinds.filter((k) => k.role === 'payload').map((k) => k.name);
  const count = (t: TraceSummary) => payloadKinds.reduce((n, k) => n + (t.counts[k] ?? 0), 0);
  const traces = data.report.traces.filter((t) => count(t) > 0).sort((a, b) => (b.max_payload_bytes ?? 0) - (a.max_payload_bytes ?? 0));
  const untraced = data.report.untraced.filter((f) => payloadKinds.includes(f.kind));
  const total = payloadKinds.reduce((n, k) => n + (data.report.stats.findings[k] ?? 0), 0);
  const head = html`<section id="payloads"><h2>Oversized payloads <small>UTC</small></h2>
<p class="note">Requests and responses over ${fmt.bytes(data.thresholds.payloadBytes)} (${payloadKinds.join(', ')}): ${fmt.count(total)}.</p>`;
  if (total === 0) return html`${head}<p>None.</p></section>`;
  const rows = traces.slice(0, LIMITS.payloadTraces).map(
    (t) =>
      html`<tr><td class="mono msg">${t.trace_id}</td>${num(count(t))}<td class="num">${fmt.bytes(t.max_payload_bytes)}</td><td class="time">${utc(t.first_seen)}</td><td class="msg">${t.hosts.join(', ')}</td><td class="sev ${t.severity}">${t.severity}</td></tr>`,
  );
  const maxUntraced = maxOf(untraced.map((f) => f.payload_bytes));
  if (untraced.length > 0) {
    rows.push(html`<tr><td class="muted">(no trace id)</td>${num(untraced.length)}<td class="num">${fmt.bytes(maxUntraced)}</td><td></td><td></td><td></td></tr>`);
  }
  const more = traces.length > LIMITS.payloadTraces ? html`<p class="note">${fmt.count(traces.length - LIMITS.payloadTraces)} more traces with oversized payloads not listed.</p>` : '';
  return html`${head}${figure('payload', html`<strong>Payload size over time</strong> <span class="muted">(log scale)</span>`)}
<h3>By trace <small>largest first</small></h3>
<table><thead><tr><th>Trace</th><th class="num">Payload findings</th><th class="num">Largest</th><th>First seen (UTC)</th><th>Hosts</th><th>Trace severity</th></tr></thead><tbody>${rows}</tbody></table>${more}</section>`;
}

/** What was read, how much of it carried what memtrail reads, what was bad, and what the report leaves out. */
export function input(plan: Plan): Raw {
  const { report } = plan.data;
  const s = report.stats;
  // Rounded down: 99.9999 % of records is not 100 %.
  const pct = (n: number) => (s.records > 0 ? fmt.percent(Math.floor((n / s.records) * 10_000) / 100) : '');
  const pairs = (entries: [string, number | string][]) => html`<dl class="pairs">${entries.map(([k, v]) => html`<dt>${k}</dt><dd>${typeof v === 'number' ? fmt.count(v) : v}</dd>`)}</dl>`;
  const coverage = (Object.entries(s.coverage) as [string, number][]).map(([k, n]) => html`<tr><td>${k.replaceAll('_', ' ')}</td>${num(n)}<td class="num">${pct(n)}</td></tr>`);
  const kinds = plan.kinds.map((k) => html`<tr><td class="mono">${k.name}</td>${num(s.findings[k.name] ?? 0)}<td class="muted">${k.description}</td></tr>`);
  const errors = report.errors.map(
    (e) => html`<tr><td class="mono msg">${e.file}</td><td class="num">${e.line}</td><td>${e.kind}</td><td class="msg">${e.reason}</td></tr>`,
  );
  const findingsOmitted = report.traces.reduce((n, t) => n + t.findings_omitted, 0);
  const left: Raw[] = [
    findingsOmitted > 0 ? html`<li>${fmt.plural(findingsOmitted, 'finding')} of traces past the per-trace budget (counted, not kept)</li>` : html``,
    report.untracedOmitted > 0 ? html`<li>${fmt.plural(report.untracedOmitted, 'finding')} without a trace id past the budget</li>` : html``,
    report.tracesOmitted > 0 ? html`<li>${fmt.plural(report.tracesOmitted, 'less severe trace')} past the trace budget</li>` : html``,
    plan.unlisted.length > 0 ? html`<li>${fmt.plural(plan.unlisted.length, 'trace')} kept but not listed here (past ${LIMITS.traces}; charted)</li>` : html``,
    plan.data.series.length > plan.charted.length
      ? html`<li>${fmt.plural(plan.data.series.length - plan.charted.length, 'memory series', 'memory series')} not charted (in the series table)</li>`
      : html``,
    report.incidents.length > LIMITS.incidents ? html`<li>${fmt.count(report.incidents.length - LIMITS.incidents)} incidents not listed</li>` : html``,
    report.errors_total > report.errors.length ? html`<li>${fmt.count(report.errors_total - report.errors.length)} bad-input errors past the sample</li>` : html``,
  ].filter((r) => r.html !== '');
  return html`<section id="input"><h2>Input and coverage</h2>
<div class="cols"><div><h3>Read</h3>${pairs([
    ['files', s.files],
    ['bytes', `${fmt.bytes(s.bytes)} (${fmt.count(s.bytes)})`],
    ['lines', s.lines],
    ['records', s.records],
    ['blank lines', s.blank],
    ['continuation lines', s.continued],
    ['batched on one line', s.batched],
    ['plain-text lines', s.text],
    ['not parsed (--fast)', s.skipped],
  ])}</div>
<div><h3>Bad input</h3>${pairs([
    ['malformed', s.malformed],
    ['invalid', s.invalid],
    ['without a time (not in incidents)', s.untimed],
    ['poisoned (a bug kept to its record)', s.poisoned],
    ['errors', report.errors_total],
  ])}</div></div>
<h3>Coverage <small>records that carried…</small></h3>
<table><thead><tr><th>Field</th><th class="num">Records</th><th class="num">Of all records</th></tr></thead><tbody>${coverage}</tbody></table>
<h3>Findings by kind</h3>
<table><thead><tr><th>Kind</th><th class="num">Findings</th><th>What it means</th></tr></thead><tbody>${kinds}</tbody></table>
${
  errors.length > 0
    ? html`<h3>Errors <small>${fmt.count(report.errors.length)} of ${fmt.count(report.errors_total)}</small></h3><table><thead><tr><th>File</th><th class="num">Line</th><th>Kind</th><th>Reason</th></tr></thead><tbody>${errors}</tbody></table>`
    : ''
}
<h3>Left out</h3>${left.length > 0 ? html`<ul>${left}</ul><p class="note">Counts above include them; <code>--format json</code> or <code>ndjson</code> has every kept finding.</p>` : html`<p>Nothing: every finding is kept and listed.</p>`}
</section>`;
}

/** The exact command, its inputs and when the report was made. */
export function run(plan: Plan): Raw {
  const { meta, report } = plan.data;
  const index = report.index;
  return html`<section id="run"><h2>Run</h2>
<h3>Command</h3><pre><code>${meta.command}</code></pre>
<h3>Inputs</h3>${meta.inputs.length > 0 ? html`<ul class="mono">${meta.inputs.map((i) => html`<li>${i}</li>`)}</ul>` : html`<p>none (standard input)</p>`}
<dl class="pairs"><dt>generated</dt><dd>${utc(meta.generatedAt)} UTC</dd><dt>memtrail</dt><dd>${meta.version}</dd>${
    meta.origin ? html`<dt>origin</dt><dd>${meta.origin}</dd>` : ''
  }${
    index
      ? html`<dt>search engine</dt><dd>${index.engine} ${index.url}: ${fmt.count(index.indexed)} indexed, ${fmt.count(index.failed)} failed, ${fmt.count(index.traces)} trace summaries</dd>`
      : ''
  }</dl>
</section>`;
}
