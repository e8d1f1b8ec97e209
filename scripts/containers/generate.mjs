// Writes fixtures/containers/: the runbook's events as an application logged them (the real pino
// output in fixtures/loggers/pino-default.ndjson, plus one long record pino writes here and now),
// wrapped the way container runtimes and systemd keep them:
//   docker/containers/<id>/<id>-json.log     Docker's json-file driver (a line over 16 KiB split into
//                                            16 KiB entries, all but the last without their "\n")
//   pods/<ns>_<pod>_<uid>/api/0.log(.<ts>)   CRI (containerd / CRI-O): "<time> <stream> <P|F> <text>",
//                                            a long line split into 16 KiB P pieces ended by an F;
//                                            0.log.<ts> is kubelet's rotation of it
//   containers/<pod>_<ns>_api-<id>.log       the symlink kubelet keeps to the current 0.log
//   kubectl-timestamps.log                   `kubectl logs --timestamps`: an RFC 3339 time, a space
//   journald-fraiseql.json                   `journalctl -o json`, written by the real journalctl from
//                                            a journal that systemd-journal-remote built (Debian package
//                                            systemd-journal-remote); skipped when it is not installed
// No Docker engine or kubelet runs on the project's machines: the Docker and CRI files follow the
// formats as the runtimes document and write them (moby daemon/logger/jsonfilelog, containerd
// pkg/cri/io/logger.go; both split at 16 KiB). Run: node scripts/containers/generate.mjs
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pino from 'pino';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT = join(ROOT, 'fixtures', 'containers');
const SPLIT = 16 * 1024;

// The application's lines: the real pino fixture, and one long critical record pino writes now.
const appLines = readFileSync(join(ROOT, 'fixtures', 'loggers', 'pino-default.ndjson'), 'utf8').trim().split('\n');
let longLine = '';
const capture = new Writable({
  write(chunk, _encoding, done) {
    longLine += chunk.toString();
    done();
  },
});
pino({ base: { pid: 4242, hostname: 'fraiseql-api-7d9f8c6b5-x2x9q' } }, capture).error(
  {
    event: 'system.memory_critical',
    trace_id: 'trace_long42',
    context: { memory_used_bytes: 2040109465, memory_limit_bytes: 2147483648, memory_usage_percent: 95, query: 'x'.repeat(40_000) },
  },
  'Critical memory usage while holding a large query',
);
const lines = [...appLines, longLine.trim()];
const TEXT = 'uvicorn: Waiting for application startup (plain text, not JSON)';

/** RFC 3339 with nanoseconds, from an app line's own time (ms), a few µs after it. */
function runtimeTime(line, i) {
  const ms = JSON.parse(line).time;
  return `${new Date(ms).toISOString().slice(0, -1)}${String(123456 + i).padStart(6, '0')}Z`;
}

function pieces(text) {
  const out = [];
  for (let at = 0; at < text.length; at += SPLIT) out.push(text.slice(at, at + SPLIT));
  return out;
}

rmSync(OUT, { recursive: true, force: true });

// Docker json-file.
const containerId = 'a3f5c2e1b4d6978877665544332211009988776655443322110099887766554a';
const dockerDir = join(OUT, 'docker', 'containers', containerId);
mkdirSync(dockerDir, { recursive: true });
const docker = [];
lines.forEach((line, i) => {
  const time = runtimeTime(line, i);
  const parts = pieces(line);
  parts.forEach((part, p) => docker.push(JSON.stringify({ log: p === parts.length - 1 ? `${part}\n` : part, stream: 'stdout', time })));
});
docker.push(JSON.stringify({ log: `${TEXT}\n`, stream: 'stderr', time: runtimeTime(lines[0], 99) }));
writeFileSync(join(dockerDir, `${containerId}-json.log`), `${docker.join('\n')}\n`);

// CRI, in kubelet's layout, rotated once.
const podUid = '5b1c7f2e-8d3a-4e6b-9c0d-1f2e3d4c5b6a';
const podDir = join(OUT, 'pods', `prod_fraiseql-api-7d9f8c6b5-x2x9q_${podUid}`, 'api');
mkdirSync(podDir, { recursive: true });
const cri = (line, i, stream = 'stdout') => {
  const time = runtimeTime(line.startsWith('{') ? line : lines[0], i);
  const parts = pieces(line);
  return parts.map((part, p) => `${time} ${stream} ${p === parts.length - 1 ? 'F' : 'P'} ${part}`);
};
const rotated = lines.slice(0, 3).flatMap((line, i) => cri(line, i));
const current = [...lines.slice(3).flatMap((line, i) => cri(line, i + 3)), ...cri(TEXT, 99, 'stderr')];
writeFileSync(join(podDir, '0.log.20251229-112016'), `${rotated.join('\n')}\n`);
writeFileSync(join(podDir, '0.log'), `${current.join('\n')}\n`);
const containersDir = join(OUT, 'containers');
mkdirSync(containersDir, { recursive: true });
const criId = 'b7e6d5c4b3a2918f7e6d5c4b3a2918f7e6d5c4b3a2918f7e6d5c4b3a2918f7e6';
symlinkSync(join('..', 'pods', `prod_fraiseql-api-7d9f8c6b5-x2x9q_${podUid}`, 'api', '0.log'), join(containersDir, `fraiseql-api-7d9f8c6b5-x2x9q_prod_api-${criId}.log`));

// kubectl logs --timestamps.
writeFileSync(join(OUT, 'kubectl-timestamps.log'), `${[...lines.map((line, i) => `${runtimeTime(line, i)} ${line}`), `${runtimeTime(lines[0], 99)} ${TEXT}`].join('\n')}\n`);

// journalctl -o json, by the real journalctl.
const remote = '/lib/systemd/systemd-journal-remote';
if (existsSync(remote)) {
  const micros = (line, i) => String(JSON.parse(line).time * 1000 + 7 + i);
  const field = (name, value) => `${name}=${value}\n`;
  const entry = (fields) => `${Object.entries(fields).map(([k, v]) => field(k, v)).join('')}\n`;
  const common = { _BOOT_ID: '0123456789abcdef0123456789abcdef', _HOSTNAME: 'app-1', _MACHINE_ID: 'fedcba9876543210fedcba9876543210' };
  const exported = [
    ...appLines.map((line, i) =>
      entry({ __REALTIME_TIMESTAMP: micros(line, i), __MONOTONIC_TIMESTAMP: String(1000 + i), ...common, _TRANSPORT: 'stdout', _SYSTEMD_UNIT: 'fraiseql.service', _PID: '4242', SYSLOG_IDENTIFIER: 'fraiseql', PRIORITY: '6', MESSAGE: line }),
    ),
    entry({ __REALTIME_TIMESTAMP: micros(appLines[0], 50), __MONOTONIC_TIMESTAMP: '1050', ...common, _TRANSPORT: 'stdout', _SYSTEMD_UNIT: 'fraiseql.service', _PID: '4242', SYSLOG_IDENTIFIER: 'fraiseql', PRIORITY: '6', MESSAGE: TEXT }),
    entry({
      __REALTIME_TIMESTAMP: micros(appLines[5], 60),
      __MONOTONIC_TIMESTAMP: '1060',
      ...common,
      _TRANSPORT: 'kernel',
      SYSLOG_IDENTIFIER: 'kernel',
      PRIORITY: '3',
      MESSAGE: 'Memory cgroup out of memory: Killed process 4242 (fraiseql) total-vm:4194304kB, anon-rss:2013264kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:4200kB oom_score_adj:0',
    }),
  ].join('');
  const scratch = join(tmpdir(), `memtrail-journal-${process.pid}`);
  mkdirSync(scratch, { recursive: true });
  execFileSync(remote, ['-o', join(scratch, 'fraiseql.journal'), '-'], { input: exported, stdio: ['pipe', 'ignore', 'ignore'] });
  const json = execFileSync('journalctl', ['--file', join(scratch, 'fraiseql.journal'), '-o', 'json'], { encoding: 'utf8' });
  writeFileSync(join(OUT, 'journald-fraiseql.json'), json);
  rmSync(scratch, { recursive: true, force: true });
} else {
  process.stderr.write(`skip journald-fraiseql.json: ${remote} is missing (apt-get install systemd-journal-remote)\n`);
}
process.stdout.write(`wrote ${OUT}\n`);
