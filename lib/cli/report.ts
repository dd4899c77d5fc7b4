/**
 * `prodpath report`: what each environment asks of its cluster (CPU, memory, storage, pods),
 * read from the synthesized manifests, as Markdown or JSON.
 */
import * as fs from 'fs';
import * as path from 'path';
import { listEnvironments, readEnvironment } from '../diff/sources';
import { environmentCapacity, EnvironmentCapacity } from '../report/capacity';
import { formatReportMarkdown, reportToJson } from '../report/format';
import type { CliIo } from './io';

/** Options of {@link reportCommand}. */
export interface ReportCommandOptions {
  /** Print JSON (CPU in millicores, memory and storage in bytes). @default false */
  readonly json?: boolean;
  /** The environments to report on. @default - every environment folder of `dist` */
  readonly environments?: readonly string[];
}

/**
 * The environment folders of an output folder in promotion order: the order the images'
 * `images/<name>/image.json` list them in (dev before staging before prod), then any others by name.
 */
export function environmentsInOrder(dist: string): string[] {
  const found = listEnvironments(dist);
  const order: string[] = [];
  const images = path.join(dist, 'images');
  if (fs.existsSync(images)) {
    for (const name of fs.readdirSync(images).sort()) {
      const file = path.join(images, name, 'image.json');
      if (fs.existsSync(file)) {
        try {
          const envs = JSON.parse(fs.readFileSync(file, 'utf8')).environments;
          for (const e of Array.isArray(envs) ? envs : []) {
            if (typeof e === 'string' && found.includes(e) && !order.includes(e)) {
              order.push(e);
            }
          }
        } catch {
          // An unreadable image.json only loses the order; `prodpath check` reports it.
        }
      }
    }
  }
  return [...order, ...found.filter((e) => !order.includes(e))];
}

/** The capacity of each environment of an output folder, in promotion order. */
export function readCapacities(dist: string, environments?: readonly string[]): EnvironmentCapacity[] {
  const names = environments !== undefined && environments.length > 0 ? environments : environmentsInOrder(dist);
  return names.map((e) => environmentCapacity(e, readEnvironment(dist, e)));
}

/**
 * Runs `prodpath report [dist]`.
 * @returns the exit code: 0
 */
export function reportCommand(dist: string, options: ReportCommandOptions, io: CliIo): number {
  const envs = readCapacities(dist, options.environments);
  io.out(options.json ? JSON.stringify(reportToJson(envs, dist), null, 2) : formatReportMarkdown(envs, dist).trimEnd());
  return 0;
}
