/** `prodpath import compose.yaml [--out main.ts]`: a Compose file to a prodpath app. */
import { ImportError } from '../import/compose-read';
import { importCompose, importReport } from '../import/import-compose';
import type { CliIo } from './io';

/** Options of the import command, as commander parses them. */
export interface ImportCommandOptions {
  readonly out?: string;
  readonly profile?: readonly string[];
  readonly name?: string;
  readonly force?: boolean;
}

/** Runs the import; returns the exit code (1 for a refused Compose file, with the message on stderr). */
export function importCommand(file: string, opts: ImportCommandOptions, io: CliIo): number {
  try {
    const result = importCompose({ file, out: opts.out, profiles: opts.profile, name: opts.name, force: opts.force, variables: { ...process.env } });
    for (const line of importReport(result)) {
      io.out(line);
    }
    return 0;
  } catch (e) {
    if (e instanceof ImportError) {
      io.err(`prodpath import: ${e.message}\nNothing was written.`);
      return 1;
    }
    throw e;
  }
}
