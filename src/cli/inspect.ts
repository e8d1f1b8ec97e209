import { Command, Option } from 'commander';
import { EXIT } from '../errors.js';
import { Output } from '../sinks/output.js';
import { colorsFor } from '../sinks/terminal.js';
import { loadConfig, ruleOptions, type RuleFlags } from './options.js';

interface InspectFlags extends RuleFlags {
  format: 'text' | 'json';
  color?: boolean;
}

export function inspectCommand(): Command {
  const command = new Command('inspect')
    .description('show how memtrail reads each input: framing, shape, and where each field is read from (run it when a scan finds nothing)')
    .argument('[inputs...]', "files, directories (recursive), globs; '-' or nothing for stdin")
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--color', 'force colours on')
    .option('--no-color', 'force colours off');
  for (const option of ruleOptions()) command.addOption(option);
  return command.action(async (inputs: string[], flags: InspectFlags) => {
    const config = await loadConfig(flags);
    const [{ inspectInputs }, { renderInspection }] = await Promise.all([import('../pipeline/inspect.js'), import('../sinks/inspect.js')]);
    const reports = await inspectInputs(config, inputs);
    const stdout = new Output(process.stdout);
    if (flags.format === 'json') await stdout.write(`${JSON.stringify({ inputs: reports })}\n`);
    else for (const chunk of renderInspection(reports, colorsFor(process.stdout, flags.color))) await stdout.write(chunk);
    process.exitCode = reports.some((r) => r.error) ? EXIT.runtime : EXIT.ok;
  });
}
