import type { Config } from '../config.js';
import { AUTO, PRESETS, type FieldMapping, type FieldName } from '../parse/mapping.js';
import type { DetectorModule } from './detector.js';
import { DETECTORS } from './registry.js';
import { startsWithAt } from '../parse/bytes.js';

/** Tells from raw bytes whether a line could match any rule; false means it certainly cannot. */
export interface Prefilter {
  /** Whether one line may match. */
  line(bytes: Buffer): boolean;
  /**
   * Positions in a chunk where something that may match starts, ascending. One search per needle
   * over the whole chunk is far cheaper than searching every line for every needle.
   */
  marks(chunk: Buffer): number[];
}

/**
 * The `--fast` path's filter, run before a line is decoded or parsed. A line can only produce a
 * finding if it carries something one of the detectors looks for (DetectorModule.needles): a
 * field's key, an event name, or a number with at least as many digits as a threshold. It assumes
 * keys and event names are written without JSON escapes (`\u0073`), which logging libraries do
 * not emit; the exact path has no such assumption. Findings are identical to the exact path on
 * every fixture (test/unit/prefilter.test.ts, test/cli/equivalence.test.ts).
 */
export function buildPrefilter(config: Config, detectors: readonly DetectorModule[] = DETECTORS): Prefilter | undefined {
  if (detectors.some((d) => d.needles === undefined)) return undefined;
  const mappings: FieldMapping[] = [AUTO, ...Object.values(PRESETS)].map((mapping) => ({ ...mapping, ...config.fields }));
  const keysOf = (fields: FieldName[]) =>
    unique(mappings.flatMap((m) => fields.flatMap((f) => m[f].map((path) => path.split('.').at(-1)!))));
  const wanted = detectors.map((d) => d.needles!(config));
  // Keys are looked for with their closing quote only, so a literal dotted key ("context.memory_usage_percent")
  // is found too; and with it escaped (`key\"`), as they are inside a Docker or journald envelope's string.
  const quoted = (key: string) => [`${key}"`, `${key}\\"`];
  const anywhere = unique([...keysOf(wanted.flatMap((n) => n.fields)).flatMap(quoted), ...wanted.flatMap((n) => n.events)]).map((s) =>
    Buffer.from(s),
  );
  const numeric = wanted.flatMap((n) =>
    n.above ? keysOf(n.above.fields).flatMap(quoted).map((k) => ({ key: Buffer.from(k), digits: Math.floor(n.above!.value).toString().length })) : [],
  );

  const groups = groupByPrefix(anywhere);
  // Once a line is marked, the rest of it is not searched: on a finding-dense log most lines name
  // several fields, and each further hit was another search.
  const restOfLine = (bytes: Buffer, at: number) => {
    const nl = bytes.indexOf(0x0a, at);
    return nl === -1 ? bytes.length : nl + 1;
  };
  const marks = (bytes: Buffer, stopAtFirst: boolean): number[] => {
    const found: number[] = [];
    for (const { prefix, needles } of groups) {
      for (let at = bytes.indexOf(prefix); at !== -1; ) {
        // A needle cut off by the end of a chunk is no mark: its line spans chunks and is judged whole.
        if (!needles.some((needle) => startsWithAt(bytes, needle, at))) {
          at = bytes.indexOf(prefix, at + 1);
          continue;
        }
        found.push(at);
        if (stopAtFirst) return found;
        at = bytes.indexOf(prefix, restOfLine(bytes, at));
      }
    }
    for (const { key, digits } of numeric) {
      for (let at = bytes.indexOf(key); at !== -1; ) {
        if (!mayExceed(bytes, at + key.length, digits)) {
          at = bytes.indexOf(key, at + key.length);
          continue;
        }
        found.push(at);
        if (stopAtFirst) return found;
        at = bytes.indexOf(key, restOfLine(bytes, at));
      }
    }
    return found.sort((a, b) => a - b);
  };
  return {
    line: (bytes) => marks(bytes, true).length > 0,
    marks: (chunk) => marks(chunk, false),
  };
}

const isSpace = (b: number | undefined) => b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a;
const OTLP_VALUE = Buffer.from('"value"');

/**
 * After a key: could the value be a number above a threshold of `digits` digits? The value
 * follows a colon (`"request_size_bytes" : 2000000`), or, as an OTLP attribute, an AnyValue
 * (`"key":"request_size_bytes","value":{"intValue":"2000000"}`).
 */
function mayExceed(bytes: Buffer, i: number, digits: number): boolean {
  while (isSpace(bytes[i])) i++;
  if (bytes[i] === 0x2c /* , */) return otlpValueMayExceed(bytes, i + 1, digits);
  if (bytes[i] !== 0x3a /* : */) return false; // the key was a value, not a key
  return numberMayExceed(bytes, i + 1, digits);
}

function otlpValueMayExceed(bytes: Buffer, i: number, digits: number): boolean {
  while (isSpace(bytes[i])) i++;
  // Escaped inside an envelope's string (`\"value\"`): let the parser decide.
  if (bytes[i] === 0x5c /* \ */) return true;
  if (!startsWithAt(bytes, OTLP_VALUE, i)) return false;
  // {"intValue":"2000000"} or {"doubleValue":2e6}: past the inner key's colon, a number, maybe quoted.
  const colon = bytes.indexOf(0x3a, bytes.indexOf(0x3a, i + OTLP_VALUE.length) + 1);
  if (colon === -1) return true;
  let j = colon + 1;
  while (isSpace(bytes[j])) j++;
  if (bytes[j] === 0x22 /* " */) j++;
  return numberMayExceed(bytes, j, digits);
}

function numberMayExceed(bytes: Buffer, i: number, digits: number): boolean {
  while (isSpace(bytes[i])) i++;
  let count = 0;
  while (i < bytes.length && bytes[i]! >= 0x30 && bytes[i]! <= 0x39) {
    count++;
    i++;
  }
  if (count === 0) return true; // not a plain number: let the parser and schema decide
  const next = bytes[i];
  if (next === 0x2e || next === 0x65 || next === 0x45) return true; // fraction or exponent
  return count >= digits;
}

const MIN_PREFIX = 5;

/** Needles sharing a prefix of a few bytes are searched in one pass over the chunk. */
function groupByPrefix(needles: Buffer[]): { prefix: Buffer; needles: Buffer[] }[] {
  const groups: { prefix: Buffer; needles: Buffer[] }[] = [];
  for (const needle of needles) {
    const group = groups.find((g) => commonPrefix(g.prefix, needle) >= MIN_PREFIX);
    if (group) {
      group.prefix = group.prefix.subarray(0, commonPrefix(group.prefix, needle));
      group.needles.push(needle);
    } else {
      groups.push({ prefix: needle, needles: [needle] });
    }
  }
  return groups;
}

function commonPrefix(a: Buffer, b: Buffer): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
