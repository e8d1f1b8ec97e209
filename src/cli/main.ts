import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { ConfigError } from '../config.js';
import { EXIT } from './exit.js';
import { generateCommand } from './generate.js';
import { scanCommand } from './scan.js';
import { setupCommand } from './setup.js';
import { tailCommand } from './tail.js';
import { timelineCommand } from './timeline.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

const program = new Command('memtrail')
  .description('Find memory warnings, memory-critical events and oversized payloads in JSON logs, correlated by trace')
  .version(version)
  .exitOverride()
  .addCommand(scanCommand().exitOverride())
  .addCommand(tailCommand().exitOverride())
  .addCommand(timelineCommand().exitOverride())
  .addCommand(setupCommand().exitOverride())
  .addCommand(generateCommand().exitOverride());

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // commander has printed its message; help and --version are not failures.
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (error instanceof ConfigError) {
    process.stderr.write(`memtrail: ${error.message}\n`);
    process.exitCode = EXIT.usage;
  } else {
    process.stderr.write(`memtrail: ${(error as Error).stack ?? error}\n`);
    process.exitCode = EXIT.runtime;
  }
}
