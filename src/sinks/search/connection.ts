import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigError } from '../../config.js';

/** How to reach the search engine: flags first, then MEMTRAIL_ES_* environment variables. */
export const connectionSchema = z.object({
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  engine: z.enum(['auto', 'elasticsearch', 'opensearch']).default('auto'),
  apiKey: z.string().min(1).optional(),
  username: z.string().min(1).optional(),
  password: z.string().optional(),
  /** Where the credentials came from, for messages: "the URL", "--es-api-key", "MEMTRAIL_ES_USERNAME and MEMTRAIL_ES_PASSWORD"… */
  credentialSource: z.string().optional(),
  caFile: z.string().min(1).optional(),
  /** TLS verification is on unless this is set explicitly. */
  insecure: z.boolean().default(false),
  prefix: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_.-]*$/, 'index prefixes are lowercase letters, digits, "-", "_" and "."')
    .default('memtrail'),
  /**
   * Bytes per bulk request, and requests in flight. Measured on the dense bench log against a
   * local Elasticsearch: 3 MB requests index as fast as 5 MB ones and hold ~15 MB less (peak RSS
   * 175-189 MB against 183-202 MB at 1× and 5× the log).
   */
  flushBytes: z.number().int().positive().default(3_000_000),
  concurrency: z.number().int().positive().default(2),
  /** Attempts per request or document before it counts as failed. */
  retries: z.number().int().nonnegative().default(6),
  requestTimeoutMs: z.number().int().positive().default(30_000),
});

export type Connection = z.output<typeof connectionSchema>;

export interface ConnectionFlags {
  esUrl?: string;
  engine?: string;
  esApiKey?: string;
  esUsername?: string;
  esPassword?: string;
  esCa?: string;
  esInsecure?: boolean;
  indexPrefix?: string;
}

const FLAG_FOR: Record<string, string> = {
  url: '--es-url (or MEMTRAIL_ES_URL)',
  engine: '--engine',
  prefix: '--index-prefix',
  caFile: '--es-ca',
};

/** Builds the connection from flags and environment; credentials in the URL move to basic auth. */
export function connectionFrom(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): Connection {
  const raw = {
    url: flags.esUrl ?? env.MEMTRAIL_ES_URL,
    engine: flags.engine,
    apiKey: flags.esApiKey ?? env.MEMTRAIL_ES_API_KEY,
    username: flags.esUsername ?? env.MEMTRAIL_ES_USERNAME,
    password: flags.esPassword ?? env.MEMTRAIL_ES_PASSWORD,
    caFile: flags.esCa ?? env.MEMTRAIL_ES_CA,
    insecure: flags.esInsecure,
    prefix: flags.indexPrefix,
  };
  if (raw.url === undefined) throw new ConfigError('no search engine given: use --es-url URL or set MEMTRAIL_ES_URL');
  let credentialSource = credentialSourceOf(flags, env);
  if (URL.canParse(raw.url)) {
    const url = new URL(raw.url);
    if (url.username) {
      if (raw.username === undefined && raw.apiKey === undefined) credentialSource = 'the URL';
      raw.username ??= decodeURIComponent(url.username);
      raw.password ??= decodeURIComponent(url.password);
      url.username = '';
      url.password = '';
      raw.url = url.toString();
    }
    raw.url = raw.url.replace(/\/+$/, '');
  }
  const parsed = connectionSchema.safeParse(
    Object.fromEntries(Object.entries({ ...raw, credentialSource }).filter(([, v]) => v !== undefined)),
  );
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0]);
    throw new ConfigError(`${FLAG_FOR[key] ?? key}: ${issue.message}`);
  }
  if (parsed.data.username !== undefined && parsed.data.password === undefined) {
    throw new ConfigError('--es-username needs a password: --es-password or MEMTRAIL_ES_PASSWORD');
  }
  return parsed.data;
}

/** Which flags or variables the credentials were taken from (the URL is checked by the caller). */
function credentialSourceOf(flags: ConnectionFlags, env: NodeJS.ProcessEnv): string | undefined {
  if (flags.esApiKey !== undefined) return '--es-api-key';
  if (env.MEMTRAIL_ES_API_KEY !== undefined) return 'MEMTRAIL_ES_API_KEY';
  const user = flags.esUsername !== undefined ? '--es-username' : env.MEMTRAIL_ES_USERNAME !== undefined ? 'MEMTRAIL_ES_USERNAME' : undefined;
  if (user === undefined) return undefined;
  const password = flags.esPassword !== undefined ? '--es-password' : env.MEMTRAIL_ES_PASSWORD !== undefined ? 'MEMTRAIL_ES_PASSWORD' : undefined;
  return password ? `${user} and ${password}` : user;
}

export async function readCa(connection: Connection): Promise<Buffer | undefined> {
  if (connection.caFile === undefined) return undefined;
  try {
    return await readFile(connection.caFile);
  } catch (error) {
    throw new ConfigError(`--es-ca ${connection.caFile}: cannot read (${(error as NodeJS.ErrnoException).code})`);
  }
}

/** Removes anything secret from text bound for a terminal or a file. */
export function redact(text: string, connection: Pick<Connection, 'apiKey' | 'password'>): string {
  let out = text.replace(/(\/\/)[^/@\s:]+:[^/@\s]+@/g, '$1***@');
  for (const secret of [connection.apiKey, connection.password]) {
    if (secret) out = out.split(secret).join('***');
  }
  return out;
}
