import { Command, Option } from 'commander';
import { connectionFrom, type ConnectionFlags } from '../sinks/search/connection.js';
import { EngineError } from '../sinks/search/errors.js';
import { KibanaClient, KibanaError, kibanaFrom } from '../sinks/kibana/kibana.js';
import { savedObjects } from '../sinks/kibana/saved-objects.js';
import { engineOptions } from './engine-options.js';
import { EXIT } from './exit.js';

interface SetupFlags extends ConnectionFlags {
  kibanaUrl?: string;
  kibanaApiKey?: string;
  kibanaUsername?: string;
  kibanaPassword?: string;
}

export function setupCommand(): Command {
  const command = new Command('setup')
    .description('install the index templates and import the Kibana data views, saved search and dashboard')
    .addOption(new Option('--kibana-url <url>', 'Kibana or OpenSearch Dashboards base URL (or MEMTRAIL_KIBANA_URL)'))
    .addOption(new Option('--kibana-api-key <key>', 'Kibana API key (or MEMTRAIL_KIBANA_API_KEY; default: the engine\'s)'))
    .addOption(new Option('--kibana-username <user>', 'Kibana user (or MEMTRAIL_KIBANA_USERNAME; default: the engine\'s)'))
    .addOption(new Option('--kibana-password <password>', 'Kibana password (or MEMTRAIL_KIBANA_PASSWORD)'));
  for (const option of engineOptions()) command.addOption(option);
  return command.action(async (flags: SetupFlags) => {
    process.exitCode = await runSetup(flags);
  });
}

const say = (message: string) => process.stderr.write(`memtrail: ${message}\n`);

export async function runSetup(flags: SetupFlags): Promise<number> {
  const connection = connectionFrom(flags);
  const kibana = kibanaFrom(flags, connection);
  const { connect } = await import('../sinks/search/engine.js');
  const { installTemplates } = await import('../sinks/search/search-sink.js');
  try {
    const engine = await connect(connection);
    try {
      await installTemplates(engine, connection.prefix);
    } finally {
      await engine.close();
    }
    say(`index templates ${connection.prefix}-findings and ${connection.prefix}-traces installed in ${engine.kind} ${engine.version} at ${connection.url}`);
  } catch (error) {
    if (!(error instanceof EngineError)) throw error;
    say(error.message);
    return EXIT.runtime;
  }
  if (!kibana) {
    say('no --kibana-url given: the Kibana saved objects were not imported');
    return EXIT.ok;
  }
  try {
    const client = new KibanaClient(kibana);
    const { product, version } = await client.status();
    const major = Number(version.split('.')[0]);
    let objects = savedObjects(connection.prefix);
    if (product === 'kibana' && major < 8) {
      throw new KibanaError(`Kibana ${version} is too old: memtrail's saved objects (Lens charts) need Kibana 8 or later; the compose file runs 8.19.7`);
    }
    if (product === 'opensearch-dashboards') {
      // OpenSearch Dashboards has no Lens: its import takes the data views and the saved search.
      objects = objects.filter((o) => o.type === 'index-pattern' || o.type === 'search');
    }
    const result = await client.importObjects(objects, product);
    for (const e of result.errors) say(`  ${e.type} ${e.id}: ${e.error}`);
    if (result.errors.length > 0) {
      say(`imported ${result.successCount} of ${objects.length} saved objects into ${product} ${version}; ${result.errors.length} failed (above)`);
      return EXIT.runtime;
    }
    say(`imported ${result.successCount} saved objects into ${product} ${version} at ${kibana.url}`);
    if (product === 'kibana') say(`dashboard: ${kibana.url}/app/dashboards#/view/${connection.prefix}-memory-incidents`);
    else say('OpenSearch Dashboards has no Lens: data views and the "Memory incident timeline" search were imported, not the dashboard');
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof KibanaError)) throw error;
    say(error.message);
    return EXIT.runtime;
  }
}
