/**
 * Several JSON values written on one line with nothing (or only whitespace) between them,
 * `{…}{…}`, as two loggers writing to one file without a lock produce: split where each top-level
 * object or array closes. Undefined when the line is not that (a string or a bracket never
 * closes, or something other than a value start follows a value): it is then malformed.
 */
export function splitConcatenated(line: string): string[] | undefined {
  const pieces: string[] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
      continue;
    }
    if (depth === 0) {
      if (c === 0x20 || c === 0x09 || c === 0x0d) continue;
      if (c !== 0x7b /* { */ && c !== 0x5b /* [ */) return undefined;
      start = i;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth < 0) return undefined;
      if (depth === 0) pieces.push(line.slice(start, i + 1));
    }
  }
  if (depth !== 0 || inString || pieces.length < 2) return undefined;
  return pieces;
}
