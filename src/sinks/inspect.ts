import type { InputReport } from '../pipeline/inspect.js';
import { stripControl, type Colors } from './terminal.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function sample(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return stripControl(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

const MEMORY_FIELDS = ['usage_percent', 'used_bytes', 'limit_bytes', 'swap_bytes', 'request_bytes', 'response_bytes', 'event'];

/** `memtrail inspect` for people: per input, its framing and shape, and where each field was read from. */
export function* renderInspection(reports: InputReport[], c: Colors): Generator<string> {
  for (const report of reports) {
    yield `${c.bold(stripControl(report.input))}\n`;
    if (report.error) {
      yield `  ${c.red('cannot read')}: ${report.error}\n\n`;
      continue;
    }
    const n = report.counts;
    yield `  ${report.framing ?? 'empty'}${report.gzip ? ' (gzip)' : ''}, ${plural(n.lines, 'line')} → ${plural(n.records, 'record')} ` +
      `(${n.malformed} malformed, ${n.invalid} invalid, ${n.untimed} without a time)\n`;
    if (report.shapes.length > 0) yield `  looks like: ${report.shapes.map((s) => `${s.shape} (${s.records})`).join(', ')}\n`;
    const total = n.records + n.invalid;
    yield `  ${'field'.padEnd(16)}${'records'.padEnd(12)}${'read from'.padEnd(34)}samples\n`;
    for (const field of report.fields) {
      if (field.paths.length === 0) {
        yield c.dim(`  ${field.field.padEnd(16)}${'—'.padEnd(12)}(not found)\n`);
        continue;
      }
      for (const [i, path] of field.paths.entries()) {
        yield `  ${(i === 0 ? field.field : '').padEnd(16)}${`${path.records}/${total}`.padEnd(12)}${stripControl(path.path).padEnd(34)}${path.samples.map(sample).join(', ')}\n`;
      }
    }
    const readable = report.fields.filter((f) => MEMORY_FIELDS.includes(f.field) && f.records > 0).length;
    if (n.records > 0 && readable === 0) {
      yield `  ${c.yellow('nothing here is what memtrail classifies on')}: map your fields with --field NAME=PATH (see the table above for NAME)\n`;
    }
    yield '\n';
  }
}
