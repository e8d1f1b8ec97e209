// Preloaded into a CLI child (node --import) by the tests that bound memory: on exit, it writes
// the process's resource usage (peak RSS in KiB, CPU time in µs) where RUSAGE_OUT says.
import { writeFileSync } from 'node:fs';
import process from 'node:process';

process.on('exit', () => {
  if (process.env.RUSAGE_OUT) writeFileSync(process.env.RUSAGE_OUT, JSON.stringify(process.resourceUsage()));
});
