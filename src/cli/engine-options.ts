import { Option } from 'commander';

/** Flags for reaching a search engine, shared by `scan --index`, `timeline` (and `tail --index`). */
export function engineOptions(): Option[] {
  return [
    new Option('--es-url <url>', 'Elasticsearch or OpenSearch base URL (or MEMTRAIL_ES_URL)'),
    new Option('--engine <engine>', 'which engine; auto asks the server').choices(['auto', 'elasticsearch', 'opensearch']),
    new Option('--es-api-key <key>', 'API key, base64 id:key as Elasticsearch issues it (or MEMTRAIL_ES_API_KEY)'),
    new Option('--es-username <user>', 'basic auth user (or MEMTRAIL_ES_USERNAME)'),
    new Option('--es-password <password>', 'basic auth password (or MEMTRAIL_ES_PASSWORD, which keeps it out of ps)'),
    new Option('--es-ca <file>', 'PEM CA certificate to verify the engine with (or MEMTRAIL_ES_CA)'),
    new Option('--es-insecure', 'do not verify the engine\'s TLS certificate (verification is on by default)'),
    new Option('--index-prefix <prefix>', 'indices are <prefix>-findings and <prefix>-traces (default memtrail)'),
  ];
}
