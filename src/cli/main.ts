import { Command, CommanderError } from 'commander';
import { EXIT, MemtrailError, OutputClosed } from '../errors.js';
import { generateCommand } from './generate.js';
import { inspectCommand } from './inspect.js';
import { scanCommand } from './scan.js';
import { setupCommand } from './setup.js';
import { tailCommand } from './tail.js';
import { timelineCommand } from './timeline.js';
import { VERSION } from '../version.js';

const program = new Command('memtrail')
  .description('Find memory warnings, memory-critical events and oversized payloads in JSON logs, correlated by trace')
  .version(VERSION)
  .exitOverride()
  .addCommand(scanCommand().exitOverride())
  .addCommand(tailCommand().exitOverride())
  .addCommand(timelineCommand().exitOverride())
  .addCommand(inspectCommand().exitOverride())
  .addCommand(setupCommand().exitOverride())
  .addCommand(generateCommand().exitOverride());

// Write errors on stdout (EPIPE when the reader goes away) are turned into OutputClosed by the
// Output that writes there; this keeps one that comes before any Output from being uncaught.
process.stdout.on('error', () => undefined);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // commander has printed its message; help and --version are not failures.
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (error instanceof OutputClosed) {
    process.exitCode ??= EXIT.ok;
  } else if (error instanceof MemtrailError) {
    process.stderr.write(`memtrail: ${error.message}\n`);
    process.exitCode = error.exitCode;
  } else {
    // Not an expected failure: a bug. Say so, with what a bug report needs.
    process.stderr.write(`memtrail: internal error (a bug; please report it with this text): ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = EXIT.runtime;
  }
}
