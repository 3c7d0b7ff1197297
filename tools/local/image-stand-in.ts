import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../../lib/pg-backup-app.js';
import { PgBackupError } from '../../src/errors.js';

/** What the final stage of a Dockerfile gives its containers, as far as it says so itself. */
export interface DockerfileImageConfig {
  /** The stage's ENV, with build arguments substituted as `docker build` would (base image ENV not included). */
  readonly env: Readonly<Record<string, string>>;
  readonly user?: string;
  readonly workdir?: string;
  readonly entrypoint?: readonly string[];
}

/** The repository's Dockerfile: what the tasks' image would be built from. */
export const DOCKERFILE = path.join(PROJECT_ROOT, 'Dockerfile');

/**
 * Reads the final stage's ENV, USER, WORKDIR and ENTRYPOINT of a Dockerfile, substituting `${ARG}`
 * the way `docker build` does: an ARG declared before the first FROM is in scope inside a stage only
 * when the stage declares it again (`ARG NAME`); otherwise it expands to nothing. A stand-in for the
 * image's configuration where no Docker engine can build it.
 */
export function readDockerfileImageConfig(file: string = DOCKERFILE): DockerfileImageConfig {
  const lines = readFileSync(file, 'utf8')
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const globalArgs: Record<string, string> = {};
  let stage:
    | { args: Record<string, string>; env: Record<string, string>; user?: string; workdir?: string; entrypoint?: string[] }
    | undefined;
  const expand = (value: string) =>
    value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, braced, bare) => {
      const name = braced ?? bare;
      return stage?.env[name] ?? stage?.args[name] ?? '';
    });
  for (const line of lines) {
    const [, instruction, rest] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    if (!instruction) continue;
    switch (instruction.toUpperCase()) {
      case 'FROM':
        stage = { args: {}, env: {} };
        break;
      case 'ARG': {
        const [, name, value] = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/.exec(rest) ?? [];
        if (!name) throw new PgBackupError(`${file}: cannot read ${line}`);
        if (!stage) globalArgs[name] = value ?? '';
        else stage.args[name] = value !== undefined ? expand(value) : (globalArgs[name] ?? '');
        break;
      }
      case 'ENV': {
        if (!stage) throw new PgBackupError(`${file}: ENV before FROM`);
        for (const [, name, quoted, plain] of rest.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(?:"([^"]*)"|(\S*))/g)) {
          stage.env[name] = expand(quoted ?? plain);
        }
        break;
      }
      case 'USER':
        if (stage) stage.user = expand(rest);
        break;
      case 'WORKDIR':
        if (stage) stage.workdir = expand(rest);
        break;
      case 'ENTRYPOINT':
        if (stage) stage.entrypoint = rest.startsWith('[') ? (JSON.parse(rest) as string[]) : ['/bin/sh', '-c', rest];
        break;
    }
  }
  if (!stage) throw new PgBackupError(`${file} has no FROM`);
  return {
    env: stage.env,
    ...(stage.user ? { user: stage.user } : {}),
    ...(stage.workdir ? { workdir: stage.workdir } : {}),
    ...(stage.entrypoint ? { entrypoint: stage.entrypoint } : {}),
  };
}
