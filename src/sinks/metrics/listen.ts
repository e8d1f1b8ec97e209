import { RuntimeFailure, UsageError } from '../../errors.js';

/** Where the metrics server listens: `host` undefined means every interface. */
export interface ListenAddress {
  /** As the user wrote it, for messages. */
  text: string;
  host: string | undefined;
  port: number;
}

const USAGE = 'expected HOST:PORT (127.0.0.1:9464, [::1]:9464, or :9464 for every interface)';

/** `--metrics-listen HOST:PORT`: an IPv6 host in brackets; an empty host is every interface; port 0 lets the system pick. */
export function parseListen(text: string): ListenAddress {
  const match = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || !Number.isInteger(port) || port > 65535) throw new UsageError(`--metrics-listen ${text}: ${USAGE}`);
  const host = match[1] ?? match[2] ?? '';
  if (match[1] !== undefined && host === '') throw new UsageError(`--metrics-listen ${text}: ${USAGE}`);
  return { text, host: host === '' ? undefined : host, port };
}

/** A failure to listen, said for people: a host that is not this machine's is a usage error, a port taken is a runtime one. */
export function listenError(address: ListenAddress, error: NodeJS.ErrnoException): Error {
  const where = `--metrics-listen ${address.text}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return new RuntimeFailure(`${where}: the address is already in use (another memtrail tail, or another exporter?)`);
    case 'EACCES':
    case 'EPERM':
      return new RuntimeFailure(`${where}: permission denied (ports below 1024 need privileges)`);
    case 'EADDRNOTAVAIL':
      return new UsageError(`${where}: ${address.host ?? 'the host'} is not an address of this machine`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return new UsageError(`${where}: cannot resolve the host ${address.host ?? ''}`);
    default:
      return new RuntimeFailure(`${where}: cannot listen: ${error.message}`);
  }
}
