import { Command, Option } from 'commander';
import { connectionFrom, type ConnectionFlags } from '../sinks/search/connection.js';
import { engineOptions } from './engine-options.js';

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

export async function runSetup(flags: SetupFlags): Promise<number> {
  const connection = connectionFrom(flags);
  const [{ kibanaFrom }, { runSetup: setUp }] = await Promise.all([import('../sinks/kibana/kibana.js'), import('../sinks/kibana/setup.js')]);
  return setUp(connection, kibanaFrom(flags, connection));
}
