/**
 * Inputs shaped to hurt a log reader, at any scale: what the scaling check (`npm run bench` and
 * test/cli/scaling.test.ts) runs at 1×, 4× and 16× to show that time grows linearly with the bytes
 * and memory stays bounded.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export interface Shape {
  name: string;
  /** Input bytes at 1× in the tests (the bench uses 4× this); set so 1× costs a fraction of a second. */
  bytes: number;
  /** Extra flags for the scan (a dead-letter file, say); `{dir}` is replaced by a scratch folder. */
  flags: string[];
  /** Writes the input at `scale` × the base size. */
  write(path: string, scale: number, base: number): Promise<void>;
}

const critical = (i: number) =>
  `{"timestamp":"2025-12-29T11:20:15.456Z","event":"system.memory_critical","trace_id":"t${i % 1000}","context":{"memory_usage_percent":93.75}}`;

/** Writes `count` pieces made by `piece(i)`, in large writes, with backpressure. */
async function writePieces(path: string, count: number, piece: (i: number) => string, prefix = '', suffix = ''): Promise<void> {
  const out = createWriteStream(path);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(prefix);
  let batch: string[] = [];
  for (let i = 0; i < count; i++) {
    batch.push(piece(i));
    if (batch.length === 10_000) {
      await write(batch.join(''));
      batch = [];
    }
  }
  await write(batch.join('') + suffix);
  out.end();
  await once(out, 'finish');
}

/** Each shape is written at `scale` × `base` bytes (about). */
export const SHAPES: Shape[] = [
  {
    name: 'long whitespace prefix (no newline)',
    bytes: 4 << 20,
    flags: [],
    write: (path, scale, base) => writePieces(path, Math.round((scale * base) / 65_536), () => ' '.repeat(65_536), '', `${critical(0)}\n`),
  },
  {
    name: 'long first line, then records',
    bytes: 4 << 20,
    flags: [],
    write: (path, scale, base) => writePieces(path, 10_000, (i) => `${critical(i)}\n`, `${'x'.repeat(scale * base)}\n`),
  },
  {
    name: 'huge top-level array on one line',
    bytes: 1 << 20,
    flags: [],
    write: (path, scale, base) => writePieces(path, Math.round((scale * base) / 8), (i) => `${i === 0 ? '' : ','}{"a":${i % 10}}`, '[', ']'),
  },
  {
    name: 'deep nesting (pretty-printed)',
    bytes: 2 << 20,
    flags: [],
    write: (path, scale, base) => {
      const levels = Math.round((scale * base) / 8);
      return writePieces(path, 2 * levels, (i) => (i < levels ? '{"a":\n' : '}\n'), '', '');
    },
  },
  {
    name: 'dense findings',
    bytes: 2 << 20,
    flags: [],
    write: (path, scale, base) => writePieces(path, Math.round((scale * base) / 140), (i) => `${critical(i)}\n`),
  },
  {
    name: 'dense errors, --dead-letter',
    bytes: 256 << 10,
    flags: ['--dead-letter', '{dir}/dead.ndjson'],
    write: (path, scale, base) => writePieces(path, Math.round((scale * base) / 2), () => '1\n'),
  },
  {
    name: 'many short lines',
    bytes: 1 << 20,
    flags: [],
    write: (path, scale, base) => writePieces(path, Math.round((scale * base) / 3), () => '{}\n'),
  },
  {
    name: 'one huge line over the record limit',
    bytes: 4 << 20,
    flags: [],
    write: (path, scale, base) => writePieces(path, Math.round((scale * base) / 65_536), () => 'x'.repeat(65_536), '{"a":"', '"}\n'),
  },
];
