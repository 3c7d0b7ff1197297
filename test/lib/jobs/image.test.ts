import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import type { AppConfig } from '../../../lib/config/app-config.js';
import { appConfigProblems } from '../../../lib/config/validate-app-config.js';
import { PROJECT_ROOT } from '../../../lib/pg-backup-app.js';
import { EXAMPLE, synthApp } from './jobs-app.js';

// The image cannot be built here (no Docker engine): these read the Dockerfile and the asset the deploy builds.
const dockerfile = readFileSync(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
const POSTGRES_DIGEST = `postgres:17-bookworm@sha256:${'a'.repeat(64)}`;
const NODE_DIGEST = `node:22-bookworm-slim@sha256:${'b'.repeat(64)}`;

describe('the Dockerfile', () => {
  test('takes both base images from build arguments, so a deployer can pin them by digest', () => {
    expect(dockerfile).toMatch(/^ARG POSTGRES_IMAGE=postgres:\$\{PG_MAJOR\}-bookworm$/m);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:\$\{NODE_MAJOR\}-bookworm-slim$/m);
    // Each FROM names a build argument (`FROM ${NODE_IMAGE}`), never a tag of its own.
    const froms = [...dockerfile.matchAll(/^FROM \$\{(\w+)\}/gm)].map((m) => m[1]);
    expect(froms).toEqual(['NODE_IMAGE', 'NODE_IMAGE', 'POSTGRES_IMAGE']);
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(3);
  });

  test('carries the RDS CA bundle, checked against RDS_CA_BUNDLE_SHA256 when given, and points libpq and the CLI at it', () => {
    expect(dockerfile).toContain('ARG RDS_CA_BUNDLE_URL=https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem');
    expect(dockerfile).toMatch(/^ADD \$\{RDS_CA_BUNDLE_URL\} \/etc\/ssl\/certs\/rds-ca-bundle\.pem$/m);
    expect(dockerfile).toContain('[ "$actual" != "$RDS_CA_BUNDLE_SHA256" ]');
    expect(dockerfile).toMatch(/PGSSLROOTCERT=\/etc\/ssl\/certs\/rds-ca-bundle\.pem/);
  });

  test('declares /tmp a volume (the tasks mount their writable work volume there) and runs as the unprivileged user', () => {
    expect(dockerfile).toMatch(/^VOLUME \["\/tmp"\]$/m);
    expect(dockerfile).toMatch(/^USER postgres$/m);
  });
});

describe('jobs.imageBuildArgs', () => {
  test('reach the image asset cdk deploy builds', () => {
    const config: AppConfig = {
      ...EXAMPLE,
      jobs: {
        ...EXAMPLE.jobs,
        imageBuildArgs: { POSTGRES_IMAGE: POSTGRES_DIGEST, NODE_IMAGE: NODE_DIGEST, RDS_CA_BUNDLE_SHA256: 'c'.repeat(64) },
      },
    };
    const built = synthApp(config, { monitoring: false });
    const assets = JSON.parse(readFileSync(path.join(built.assembly.directory, 'pg-backup-jobs.assets.json'), 'utf8'));
    const [image] = Object.values(assets.dockerImages) as { source: { dockerBuildArgs?: Record<string, string> } }[];
    expect(image!.source.dockerBuildArgs).toEqual({
      POSTGRES_IMAGE: POSTGRES_DIGEST,
      NODE_IMAGE: NODE_DIGEST,
      RDS_CA_BUNDLE_SHA256: 'c'.repeat(64),
    });
  });

  test('rejects unknown arguments, broken digests and checksums, naming each', () => {
    const config: AppConfig = {
      ...EXAMPLE,
      jobs: {
        imageBuildArgs: { BASE_IMAGE: 'debian', POSTGRES_IMAGE: 'postgres:17@sha256:abc', RDS_CA_BUNDLE_SHA256: 'ABC' },
      },
    };
    expect(appConfigProblems(config)).toEqual([
      "`jobs.imageBuildArgs.BASE_IMAGE` ('debian') is not a build argument of the Dockerfile (one of POSTGRES_IMAGE, NODE_IMAGE, PG_MAJOR, NODE_MAJOR, RDS_CA_BUNDLE_URL, RDS_CA_BUNDLE_SHA256)",
      "`jobs.imageBuildArgs.POSTGRES_IMAGE` ('postgres:17@sha256:abc') must end in a digest @sha256:<64 lower-case hex digits> when it pins one",
      "`jobs.imageBuildArgs.RDS_CA_BUNDLE_SHA256` ('ABC') must be the SHA-256 of the bundle: 64 lower-case hex digits (sha256sum global-bundle.pem)",
    ]);
  });
});
