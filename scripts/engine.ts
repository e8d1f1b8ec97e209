/**
 * `npm run engine -- start|stop|status|fetch [elasticsearch|opensearch]`
 *
 * Runs a real single-node search engine on 127.0.0.1 for development and tests, from the
 * runnable integ-test distributions Elastic and OpenSearch publish on Maven Central (no Docker).
 * The zip is fetched once with mvn into .cache/engines (git-ignored), with progress on stderr
 * (`fetch` does only that); the node is unpacked into the system temp folder and runs as an
 * unprivileged user, since both engines refuse to run as root and a clone under /root is not
 * readable by another user. The last line `start` (and `status`) prints is the engine's URL as
 * memtrail takes it: `--es-url "$(npm run -s engine -- status)"` works as it is (the development
 * user's credentials are in it).
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import cliProgress from 'cli-progress';

type EngineKind = 'elasticsearch' | 'opensearch';

interface EngineSpec {
  group: string;
  artifact: string;
  /** Tried in order; the first that Maven Central serves is used. */
  versions: string[];
  javaHomeVar: string;
  javaOptsVar: string;
  bin: string;
  config: string;
}

const JAVA_17 = '/usr/lib/jvm/java-17-openjdk-amd64';

const ENGINES: Record<EngineKind, EngineSpec> = {
  elasticsearch: {
    group: 'org.elasticsearch.distribution.integ-test-zip',
    artifact: 'elasticsearch',
    versions: (process.env.MEMTRAIL_ES_VERSIONS ?? '8.19.7').split(','),
    javaHomeVar: 'ES_JAVA_HOME',
    javaOptsVar: 'ES_JAVA_OPTS',
    bin: 'bin/elasticsearch',
    config: 'config/elasticsearch.yml',
  },
  opensearch: {
    group: 'org.opensearch.distribution.integ-test-zip',
    artifact: 'opensearch',
    versions: (process.env.MEMTRAIL_OS_VERSIONS ?? '2.19.6,2.19.5,2.19.4').split(','),
    javaHomeVar: 'OPENSEARCH_JAVA_HOME',
    javaOptsVar: 'OPENSEARCH_JAVA_OPTS',
    bin: 'bin/opensearch',
    config: 'config/opensearch.yml',
  },
};

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CACHE = join(ROOT, '.cache', 'engines');
const RUN_USER = 'memtrail-engine';
const START_TIMEOUT_MS = 240_000;

export interface EngineState {
  kind: EngineKind;
  version: string;
  url: string;
  /** Elasticsearch runs with security on (basic auth over plain HTTP on loopback); OpenSearch's zip has none. */
  username?: string;
  password?: string;
  pid: number;
  home: string;
  startedAt: string;
}

const statePath = (kind: EngineKind) => join(CACHE, `${kind}.state.json`);

function log(message: string): void {
  process.stderr.write(`engine: ${message}\n`);
}

function readState(kind: EngineKind): EngineState | undefined {
  try {
    return JSON.parse(readFileSync(statePath(kind), 'utf8')) as EngineState;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function authHeader(state: Pick<EngineState, 'username' | 'password'>): Record<string, string> {
  return state.username ? { authorization: `Basic ${Buffer.from(`${state.username}:${state.password}`).toString('base64')}` } : {};
}

async function healthy(url: string, auth: Record<string, string> = {}): Promise<boolean> {
  try {
    const response = await fetch(`${url}/_cluster/health?wait_for_status=yellow&timeout=1s`, {
      headers: auth,
      signal: AbortSignal.timeout(3000),
    });
    if (!response.ok) return false;
    const body = (await response.json()) as { status?: string };
    return body.status === 'green' || body.status === 'yellow';
  } catch {
    return false;
  }
}

/** Fetches the distribution zip once, trying each version in turn. */
async function fetchZip(kind: EngineKind): Promise<{ zip: string; version: string }> {
  const spec = ENGINES[kind];
  mkdirSync(CACHE, { recursive: true });
  for (const version of spec.versions) {
    const zip = join(CACHE, `${spec.artifact}-${version}.zip`);
    if (existsSync(zip)) return { zip, version };
  }
  for (const version of spec.versions) {
    const artifact = `${spec.group}:${spec.artifact}:${version}:zip`;
    const zip = join(CACHE, `${spec.artifact}-${version}.zip`);
    if ((await mavenCopy(spec, version)) && existsSync(zip)) return { zip, version };
    log(`${artifact} could not be fetched`);
  }
  throw new Error(`no ${kind} version among ${spec.versions.join(', ')} could be fetched`);
}

/** Where Maven keeps (and, while downloading, writes `<file>.part`) the artifact in its local repository. */
function localRepositoryFile(spec: EngineSpec, version: string): string {
  return join(homedir(), '.m2', 'repository', ...spec.group.split('.'), spec.artifact, version, `${spec.artifact}-${version}.zip`);
}

/** The zip's size on Maven Central, for the progress bar; undefined when it cannot be asked (a mirror, no network). */
async function expectedSize(spec: EngineSpec, version: string): Promise<number | undefined> {
  const path = [...spec.group.split('.'), spec.artifact, version, `${spec.artifact}-${version}.zip`].join('/');
  try {
    const response = await fetch(`https://repo1.maven.org/maven2/${path}`, { method: 'HEAD', signal: AbortSignal.timeout(5000) });
    const length = Number(response.headers.get('content-length'));
    return response.ok && length > 0 ? length : undefined;
  } catch {
    return undefined;
  }
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/**
 * `mvn dependency:copy` of one version into the cache. A download shows a progress bar on stderr
 * (a line every few seconds when stderr is not a terminal): the size of the file Maven is writing,
 * against the size Maven Central gives. Maven's output is kept for a failure.
 */
async function mavenCopy(spec: EngineSpec, version: string): Promise<boolean> {
  const artifact = `${spec.group}:${spec.artifact}:${version}:zip`;
  const inRepository = localRepositoryFile(spec, version);
  const megabytes = (n: number) => (n / 1e6).toFixed(0);
  const began = Date.now();
  // Already in Maven's local repository: a copy, nothing to watch. Otherwise a download, with a bar.
  const cached = existsSync(inRepository);
  const total = cached ? undefined : await expectedSize(spec, version);
  log(cached ? `copying ${artifact} from Maven's local repository …` : `fetching ${artifact} (${total ? `${megabytes(total)} MB` : 'size unknown'}) from Maven Central …`);
  const bar = cached
    ? undefined
    : new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format: total ? `engine: ${spec.artifact} ${version} [{bar}] {percentage}% | {done}/{all} MB` : `engine: ${spec.artifact} ${version} {done} MB`,
          noTTYOutput: true,
          notTTYSchedule: 5000,
          hideCursor: true,
          fps: 4,
        },
        cliProgress.Presets.shades_classic,
      );
  const show = (written: number) => bar?.update(Math.min(written, total ?? written), { done: megabytes(written), all: megabytes(total ?? 0) });
  bar?.start(total ?? 0, 0, { done: '0', all: megabytes(total ?? 0) });
  const poll = setInterval(() => show(Math.max(sizeOf(`${inRepository}.part`), sizeOf(inRepository))), 500);
  const child = spawn('mvn', ['-q', '-B', 'dependency:copy', `-Dartifact=${artifact}`, `-DoutputDirectory=${CACHE}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  const code: number | null = await new Promise((resolve) => {
    child.on('error', (error) => {
      output += error.message;
      resolve(null);
    });
    child.on('close', resolve);
  });
  clearInterval(poll);
  const fetched = join(CACHE, `${spec.artifact}-${version}.zip`);
  if (code === 0) show(sizeOf(fetched));
  bar?.stop();
  if (code !== 0) {
    // Maven's own words, without the colour codes it writes even when told -B.
    const said = stripVTControlCharacters(output).trim();
    if (said) process.stderr.write(`${said}\n`);
    return false;
  }
  log(`${cached ? 'copied' : 'fetched'} ${spec.artifact} ${version} (${megabytes(sizeOf(fetched))} MB) in ${((Date.now() - began) / 1000).toFixed(0)} s`);
  return true;
}

function asRoot(): boolean {
  return process.getuid?.() === 0;
}

function ensureRunUser(): void {
  try {
    execFileSync('id', ['-u', RUN_USER], { stdio: 'ignore' });
  } catch {
    log(`creating the unprivileged user ${RUN_USER}`);
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', RUN_USER], { stdio: 'inherit' });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * The URL as memtrail takes it: with the development user's credentials in it (memtrail moves
 * them to basic auth and never prints them), so the line works as `--es-url` or MEMTRAIL_ES_URL.
 */
function usableUrl(state: Pick<EngineState, 'url' | 'username' | 'password'>): string {
  if (!state.username) return state.url;
  const url = new URL(state.url);
  url.username = encodeURIComponent(state.username);
  url.password = encodeURIComponent(state.password ?? '');
  return url.toString().replace(/\/+$/, '');
}

async function start(kind: EngineKind): Promise<void> {
  const running = readState(kind);
  if (running && alive(running.pid) && (await healthy(running.url, authHeader(running)))) {
    log(`${kind} ${running.version} already running (pid ${running.pid})`);
    console.log(usableUrl(running));
    return;
  }
  const spec = ENGINES[kind];
  const began = Date.now();
  const { zip, version } = await fetchZip(kind);
  const base = join(tmpdir(), `memtrail-${kind}-${version}`);
  const home = join(base, `${spec.artifact}-${version}`);
  if (!existsSync(join(home, spec.bin))) {
    rmSync(base, { recursive: true, force: true });
    mkdirSync(base, { recursive: true });
    execFileSync('unzip', ['-q', zip, '-d', base]);
  }
  // A fresh data folder each start: the engine is for tests and development, not for keeping data.
  const data = join(base, 'data');
  const logs = join(base, 'logs');
  rmSync(data, { recursive: true, force: true });
  mkdirSync(data, { recursive: true });
  mkdirSync(logs, { recursive: true });
  const port = await freePort();
  const transport = await freePort();
  writeFileSync(
    join(home, spec.config),
    [
      `cluster.name: memtrail-dev`,
      `node.name: memtrail-${kind}`,
      `path.data: ${data}`,
      `path.logs: ${logs}`,
      `network.host: 127.0.0.1`,
      `http.port: ${port}`,
      `transport.port: ${transport}`,
      `discovery.type: single-node`,
      `action.auto_create_index: true`,
      // Keep a small dev node writable on a fuller disk.
      `cluster.routing.allocation.disk.threshold_enabled: false`,
      // Elasticsearch's zip carries x-pack security: keep it on, as users run it, but over plain
      // HTTP on loopback (setting these also stops the first-start TLS auto-configuration).
      ...(kind === 'elasticsearch'
        ? ['xpack.security.enabled: true', 'xpack.security.http.ssl.enabled: false', 'xpack.security.transport.ssl.enabled: false']
        : []),
      '',
    ].join('\n'),
  );
  const pidFile = join(base, 'engine.pid');
  rmSync(pidFile, { force: true });
  const env = {
    ...process.env,
    [spec.javaHomeVar]: process.env.MEMTRAIL_ENGINE_JAVA_HOME ?? JAVA_17,
    [spec.javaOptsVar]: '-Xms512m -Xmx512m',
  };
  if (asRoot()) {
    ensureRunUser();
    execFileSync('chown', ['-R', `${RUN_USER}:${RUN_USER}`, base]);
  }
  const asRunUser = (command: string, args: string[]): [string, string[]] =>
    asRoot() ? ['runuser', ['-u', RUN_USER, '--', command, ...args]] : [command, args];
  const credentials: Pick<EngineState, 'username' | 'password'> = {};
  if (kind === 'elasticsearch') {
    // A file-realm superuser for the tests and for development.
    credentials.username = 'memtrail';
    credentials.password = randomBytes(12).toString('base64url');
    const users = join(home, 'bin', 'elasticsearch-users');
    for (const file of ['users', 'users_roles']) writeFileSync(join(home, 'config', file), '');
    const [cmd, argv] = asRunUser(users, ['useradd', credentials.username, '-p', credentials.password, '-r', 'superuser']);
    execFileSync(cmd, argv, { env, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const [command, args] = asRunUser(join(home, spec.bin), ['-d', '-p', pidFile]);
  log(`starting ${kind} ${version} on 127.0.0.1:${port} (home ${home})`);
  // Output goes to a file, not a pipe: the daemonised node would otherwise hold the pipe (and this
  // script) open.
  const launchLog = join(logs, 'launch.log');
  const out = openSync(launchLog, 'w');
  const child = spawn(command, args, { env, stdio: ['ignore', out, out], detached: true });
  const exitCode: number | null = await new Promise((resolve) => child.on('exit', resolve));
  closeSync(out);
  child.unref();
  if (exitCode !== 0) {
    throw new Error(`${kind} failed to start (exit ${exitCode}): ${readFileSync(launchLog, 'utf8').slice(-2000)}\nlogs: ${logs}`);
  }
  const url = `http://127.0.0.1:${port}`;
  while (!(await healthy(url, authHeader(credentials)))) {
    if (Date.now() - began > START_TIMEOUT_MS) throw new Error(`${kind} did not become healthy in ${START_TIMEOUT_MS / 1000}s; logs: ${logs}`);
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : undefined;
    if (pid !== undefined && !alive(pid)) throw new Error(`${kind} exited during start-up; logs: ${logs}\n${tail(logs)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const pid = Number(readFileSync(pidFile, 'utf8'));
  const state: EngineState = { kind, version, url, ...credentials, pid, home, startedAt: new Date().toISOString() };
  writeFileSync(statePath(kind), JSON.stringify(state, null, 2));
  log(`${kind} ${version} healthy after ${((Date.now() - began) / 1000).toFixed(1)}s (pid ${pid})`);
  if (credentials.username) log(`the URL below carries the user ${credentials.username} and its password: use it as --es-url or MEMTRAIL_ES_URL`);
  console.log(usableUrl(state));
}

function tail(logs: string): string {
  try {
    const file = readdirSync(logs).find((f) => f.endsWith('.log') && !f.includes('deprecation'));
    return file ? readFileSync(join(logs, file), 'utf8').split('\n').slice(-30).join('\n') : '';
  } catch {
    return '';
  }
}

async function stop(kind: EngineKind): Promise<void> {
  const state = readState(kind);
  if (!state || !alive(state.pid)) {
    log(`${kind} is not running`);
    rmSync(statePath(kind), { force: true });
    return;
  }
  process.kill(state.pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (alive(state.pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  if (alive(state.pid)) process.kill(state.pid, 'SIGKILL');
  rmSync(statePath(kind), { force: true });
  log(`${kind} ${state.version} stopped`);
}

async function status(kind: EngineKind): Promise<number> {
  const state = readState(kind);
  if (state && alive(state.pid) && (await healthy(state.url, authHeader(state)))) {
    log(`${kind} ${state.version} running since ${state.startedAt} (pid ${state.pid})`);
    console.log(usableUrl(state));
    return 0;
  }
  log(`${kind} is not running`);
  return 1;
}

async function main(): Promise<void> {
  const [action, kindArg = 'elasticsearch'] = process.argv.slice(2);
  if (kindArg !== 'elasticsearch' && kindArg !== 'opensearch') throw new Error(`unknown engine "${kindArg}" (elasticsearch or opensearch)`);
  const kind = kindArg;
  if (action === 'start') await start(kind);
  else if (action === 'stop') await stop(kind);
  else if (action === 'status') process.exitCode = await status(kind);
  else if (action === 'fetch') await fetchZip(kind);
  else throw new Error('usage: npm run engine -- start|stop|status|fetch [elasticsearch|opensearch]');
}

main().catch((error: Error) => {
  log(error.message);
  process.exitCode = 1;
});
