/**
 * `prodpath graph <env>`: a picture of what runs in an environment, as SVG, read from its
 * synthesized manifests and laid out by ELK.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readEnvironment } from '../diff/sources';
import { readTopology } from '../topology/model';
import { renderTopologySvg } from '../topology/svg';
import type { CliIo } from './io';

/** Options of {@link graphCommand}. */
export interface GraphCommandOptions {
  /** The folder `cdk8s synth` wrote. @default 'dist' */
  readonly dist?: string;
  /** Write the SVG to this file instead of printing it. @default - print it */
  readonly out?: string;
}

/** The SVG of one environment of an output folder. */
export async function environmentSvg(dist: string, environment: string): Promise<string> {
  return renderTopologySvg(readTopology(environment, readEnvironment(dist, environment)));
}

/**
 * Runs `prodpath graph <env>`.
 * @returns the exit code: 0
 */
export async function graphCommand(environment: string, options: GraphCommandOptions, io: CliIo): Promise<number> {
  const svg = await environmentSvg(options.dist ?? 'dist', environment);
  if (options.out === undefined) {
    io.out(svg.trimEnd());
    return 0;
  }
  fs.mkdirSync(path.dirname(path.resolve(options.out)), { recursive: true });
  const tmp = `${options.out}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, svg);
  fs.renameSync(tmp, options.out);
  io.out(`prodpath graph: wrote ${options.out} (${environment})`);
  return 0;
}
