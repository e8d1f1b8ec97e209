import { Option } from 'commander';
import type { Severity } from '../classify/finding.js';
import { ConfigError } from '../config.js';
import type { OutputOptions } from '../sinks/sink.js';

/** The flags of the outputs for people (the text report, the HTML report), shared by scan and timeline. */
export interface ViewFlags {
  html?: string;
  top?: number;
  all?: boolean;
  wide?: boolean;
  severity?: Severity;
}

export function viewOptions({ severity = true } = {}): Option[] {
  return [
    new Option('--html <file>', 'also write the HTML evidence report to FILE: one self-contained file that opens offline'),
    new Option('--top <n>', 'text: how many traces and incidents are listed (default 10)').argParser((v: string) => Number(v)),
    new Option('--all', 'text: list every trace and incident, and every finding of each'),
    new Option('--wide', 'text: keep long messages whole (they are cut to the terminal width)'),
    ...(severity
      ? [new Option('--severity <severity>', 'text and HTML: list only findings at or above this severity (the counts stay the whole run\'s)').choices(['warning', 'critical'])]
      : []),
  ];
}

const SECRET_FLAGS = new Set(['--es-password', '--es-api-key', '--kibana-password', '--kibana-api-key']);
const SAFE = /^[\w@%+=:,./-]+$/;

/** An argument as a POSIX shell would read it back. */
function quote(arg: string): string {
  return SAFE.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** Credentials in a URL (`https://user:pass@host`) are replaced, as everywhere memtrail prints a URL. */
function withoutUserinfo(arg: string): string {
  return arg.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
}

/**
 * The command line as typed, for the HTML report's "Run" section, with its secrets (passwords,
 * API keys, credentials in URLs) replaced by ***: the report is meant to be shared.
 */
export function commandLine(args: readonly string[] = process.argv.slice(2)): string {
  const out: string[] = ['memtrail'];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0 && SECRET_FLAGS.has(arg.slice(0, eq))) {
      out.push(`${arg.slice(0, eq)}=***`);
    } else if (SECRET_FLAGS.has(arg) && i + 1 < args.length) {
      out.push(arg, '***');
      i++;
    } else {
      out.push(quote(withoutUserinfo(arg)));
    }
  }
  return out.join(' ');
}

/** The output options these flags ask for; a bad --top is a usage error. */
export function viewOutputs(flags: ViewFlags): Pick<OutputOptions, 'html' | 'top' | 'all' | 'wide' | 'severity' | 'command'> {
  if (flags.top !== undefined && (!Number.isInteger(flags.top) || flags.top < 1)) throw new ConfigError('--top: expected a whole number of at least 1');
  return { html: flags.html, top: flags.top, all: flags.all, wide: flags.wide, severity: flags.severity, command: commandLine() };
}
