import { startsWithAt } from './bytes.js';

/**
 * The envelopes container runtimes and systemd put around an application's log line before it
 * reaches a file, recognised per line with no flags:
 * - Docker's json-file driver: `{"log":"<line>\n","stream":"stdout","time":"…"}` (a line over
 *   16 KiB is split into several entries, all but the last without the trailing newline);
 * - CRI (containerd, CRI-O; `/var/log/containers`, `/var/log/pods`): `<time> <stream> <P|F> <text>`,
 *   a long line split into partial `P` pieces ended by an `F`;
 * - `journalctl -o json`: `MESSAGE`, `_HOSTNAME`, `_SYSTEMD_UNIT`, `_PID`, `__REALTIME_TIMESTAMP` (µs);
 * - `kubectl logs --timestamps`: an RFC 3339 time and a space before the line.
 * The application's line inside is read like any other (JSON of any shape the mapping reads, or
 * plain text); the envelope's time is the fallback time and its metadata are kept.
 */

/** What an envelope says about the line inside it. */
export interface Envelope {
  /** The envelope's time (epoch ms): the record's time when it has none of its own. */
  time?: number;
  stream?: string;
  host?: string;
  unit?: string;
  pid?: string;
  /** The line inside is a partial piece (CRI `P`, a Docker entry without its newline): more follows. */
  partial: boolean;
  /** Which envelope: `docker`, `cri`, `journald`, `kubectl`. */
  kind: 'docker' | 'cri' | 'journald' | 'kubectl';
}

export interface Unwrapped {
  inner: string;
  envelope: Envelope;
}

/** An RFC 3339 time with up to nanoseconds, as runtimes write it; to epoch ms (truncated). */
function rfc3339(text: string): number | undefined {
  const ms = Date.parse(text.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(ms) ? undefined : ms;
}

/** A JSON value that is a Docker json-file or journald entry: the line inside it. */
export function unwrapJson(value: Record<string, unknown>): Unwrapped | undefined {
  if (typeof value.log === 'string' && typeof value.time === 'string' && ('stream' in value || 'attrs' in value)) {
    const partial = !value.log.endsWith('\n');
    return {
      inner: value.log.replace(/\r?\n$/, ''),
      envelope: { kind: 'docker', time: rfc3339(value.time), stream: typeof value.stream === 'string' ? value.stream : undefined, partial },
    };
  }
  if ('MESSAGE' in value && typeof value.__REALTIME_TIMESTAMP === 'string') {
    const message = journalText(value.MESSAGE);
    if (message === undefined) return undefined;
    const micros = Number(value.__REALTIME_TIMESTAMP);
    return {
      inner: message,
      envelope: {
        kind: 'journald',
        time: Number.isFinite(micros) ? Math.floor(micros / 1000) : undefined,
        host: typeof value._HOSTNAME === 'string' ? value._HOSTNAME : undefined,
        unit: typeof value._SYSTEMD_UNIT === 'string' ? value._SYSTEMD_UNIT : undefined,
        pid: typeof value._PID === 'string' ? value._PID : undefined,
        partial: false,
      },
    };
  }
  return undefined;
}

/** journald writes a message that is not valid UTF-8 as an array of byte values. */
function journalText(message: unknown): string | undefined {
  if (typeof message === 'string') return message;
  if (Array.isArray(message) && message.every((b) => typeof b === 'number')) return Buffer.from(message).toString('utf8');
  return undefined;
}

const CRI = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) (stdout|stderr) ([PF]) (.*)$/s;
const KUBECTL = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z) (.*)$/s;

/** A line that is not JSON but a CRI entry or a `kubectl logs --timestamps` line: the text inside. */
export function unwrapText(line: string): Unwrapped | undefined {
  const code = line.charCodeAt(0);
  if (code < 0x30 || code > 0x39) return undefined;
  const cri = CRI.exec(line);
  if (cri) return { inner: cri[4]!, envelope: { kind: 'cri', time: rfc3339(cri[1]!), stream: cri[2], partial: cri[3] === 'P' } };
  const kubectl = KUBECTL.exec(line);
  if (kubectl) return { inner: kubectl[2]!, envelope: { kind: 'kubectl', time: rfc3339(kubectl[1]!), partial: false } };
  return undefined;
}

const CRI_PARTIAL = [Buffer.from(' stdout P '), Buffer.from(' stderr P ')];
const CRI_WHOLE = [Buffer.from(' stdout F '), Buffer.from(' stderr F ')];
const DOCKER_START = Buffer.from('{"log":"');
const DOCKER_STREAM = Buffer.from('","stream":"');

/**
 * From a line's raw bytes, before it is parsed (the --fast path, which must not pass over a piece
 * of a split line): whether it is a container line as runtimes write it, and whether it may be a
 * partial piece (CRI `P`; a Docker entry whose text does not end with a newline). When unsure it
 * says `partial`. Docker entries are known by the `log` key Docker writes first.
 */
export function containerPiece(bytes: Buffer, start: number, end: number): 'partial' | 'whole' | undefined {
  const first = bytes[start]!;
  if (first >= 0x30 && first <= 0x39) {
    // CRI: `<RFC 3339 time> <stream> <P|F> <text>`; searches stay within the line (`bytes` is a chunk of lines).
    const line = bytes.subarray(start, end);
    const space = line.indexOf(0x20);
    if (space === -1) return undefined;
    if (CRI_PARTIAL.some((flag) => startsWithAt(line, flag, space))) return 'partial';
    return CRI_WHOLE.some((flag) => startsWithAt(line, flag, space)) ? 'whole' : undefined;
  }
  if (first !== 0x7b || !startsWithAt(bytes, DOCKER_START, start) || start + DOCKER_START.length > end) return undefined;
  // Docker json-file: {"log":"<text>","stream":"…","time":"…"}.
  const line = bytes.subarray(start, end);
  const stream = line.lastIndexOf(DOCKER_STREAM);
  if (stream === -1) return 'partial';
  // The text ends with a newline if it ends with an `\n` escape: an odd run of backslashes before the n.
  if (line[stream - 1] !== 0x6e /* n */) return 'partial';
  let slashes = 0;
  while (line[stream - 2 - slashes] === 0x5c /* \ */) slashes++;
  return slashes % 2 === 1 ? 'whole' : 'partial';
}


/** What a log file's path says about the container it belongs to (Kubernetes and Docker layouts). */
export interface PathMeta {
  pod?: string;
  namespace?: string;
  container?: string;
  containerId?: string;
}

const CONTAINERS_DIR = /(?:^|\/)([a-z0-9.-]+)_([a-z0-9-]+)_([a-z0-9-]+)-([0-9a-f]{64})\.log$/;
const PODS_DIR = /(?:^|\/)([a-z0-9-]+)_([a-z0-9.-]+)_([0-9a-f-]+)\/([a-z0-9-]+)\/\d+\.log(?:\.[\w.-]+)?$/;
const DOCKER_DIR = /(?:^|\/)containers\/([0-9a-f]{64})\/\1-json\.log(?:\.\d+)?$/;

/**
 * `/var/log/containers/<pod>_<namespace>_<container>-<id>.log` (symlinks kubelet keeps),
 * `/var/log/pods/<namespace>_<pod>_<uid>/<container>/<n>.log` (their targets, rotated to
 * `<n>.log.<timestamp>`), `/var/lib/docker/containers/<id>/<id>-json.log`.
 */
export function pathMeta(path: string): PathMeta | undefined {
  const containers = CONTAINERS_DIR.exec(path);
  if (containers) return { pod: containers[1], namespace: containers[2], container: containers[3], containerId: containers[4] };
  const pods = PODS_DIR.exec(path);
  if (pods) return { namespace: pods[1], pod: pods[2], container: pods[4] };
  const docker = DOCKER_DIR.exec(path);
  if (docker) return { containerId: docker[1] };
  return undefined;
}
