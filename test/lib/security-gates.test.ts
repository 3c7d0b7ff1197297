import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { example } from '../../config/stages/example.js';
import { pgBackupApp } from '../../lib/pg-backup-app.js';

/**
 * cfn-lint warnings we accept, each with its reason. Anything else fails the test.
 */
const ALLOWED_CFN_LINT_WARNINGS: Readonly<Record<string, string>> = {
  W3005:
    "redundant DependsOn: CDK adds an explicit DependsOn from each Lambda function to its role's default policy, which a GetAtt already implies; harmless and emitted by CDK itself",
  W3010:
    "literal availability zones in the jobs stack's new VPC: CDK resolves stack.availabilityZones from cdk.context.json (seeded for the example account, looked up for real ones) and acknowledges the same finding of its own validator",
};

// GIVEN the whole app of the default stage (all three stacks) with cdk-nag AwsSolutions + NIST 800-53 R5
// and the built-in validator (findings as errors, cdk.json); WHEN synthesized to a temp dir.
let outdir: string;
let assembly: CloudAssembly;
let built: ReturnType<typeof pgBackupApp>;
beforeAll(() => {
  outdir = mkdtempSync(path.join(tmpdir(), 'pg-backup-synth-'));
  built = pgBackupApp(example, { appProps: { outdir } });
  assembly = built.app.synth();
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('security gates in synth', () => {
  test('the built-in validator is on with findings as errors (cdk.json)', () => {
    const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'));
    expect(cdkJson.app).toBe('npx tsx bin/app.ts');
    expect(cdkJson.context['@aws-cdk/core:validateAgainstDefaultRules']).toBe(true);
  });

  test('the whole app synthesizes with zero unacknowledged findings (cdk-nag AwsSolutions, NIST 800-53 R5, built-in validator)', () => {
    expect(assembly.stacks.map((s) => s.stackName)).toEqual(
      expect.arrayContaining(['pg-backup-replica-storage', 'pg-backup-primary-storage', 'pg-backup-monitoring']),
    );
    const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
    const violations = (report.pluginReports ?? []).flatMap((r: { violations?: unknown[] }) => r.violations ?? []);
    expect(violations).toEqual([]);
  });

  test('the gate bites: one unprotected bucket fails synth with cdk-nag findings', () => {
    const failing = mkdtempSync(path.join(tmpdir(), 'pg-backup-synth-fail-'));
    try {
      const options: Parameters<typeof pgBackupApp>[1] = {
        monitoring: false,
        jobsStack: false,
        appProps: { outdir: failing },
      };
      const { app, replica } = pgBackupApp(example, options);
      new s3.Bucket(replica, 'Unprotected');
      expect(() => app.synth()).toThrow(/AwsSolutions-S1'[\s\S]*NIST\.800\.53\.R5-S3DefaultEncryptionKMS/);
    } finally {
      rmSync(failing, { recursive: true, force: true });
    }
  });

  test('every acknowledgement names one finding and gives a reason', () => {
    const acknowledgements = built.app.node
      .findAll()
      .flatMap((c) =>
        c.node.metadata
          .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .map((m) => ({ path: c.node.path, data: m.data })),
      );
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const { path: at, data } of acknowledgements) {
      // One acknowledge() entry is { '<prefix>::<rule id>[<one action or resource>]': reason }.
      const entries = Object.entries(data as Record<string, string>);
      expect(entries, at).toHaveLength(1);
      const [id, reason] = entries[0]!;
      expect(id, at).toMatch(/^[A-Za-z-]+::[A-Za-z0-9.]+-[A-Za-z0-9]+(\[[^\]]+\])?$|^CloudFormation-Validate::[A-Z]\d+$/);
      expect(reason.length, `${at} ${id}`).toBeGreaterThan(40);
    }
  });

  test('the storage stacks need no custom resources or Lambda (they deploy to the emulator)', () => {
    for (const stack of [built.primary, built.replica]) {
      const template = assembly.getStackByName(stack.stackName).template as { Resources: Record<string, { Type: string }> };
      const types = Object.values(template.Resources).map((r) => r.Type);
      expect(types.filter((t) => /^Custom::|CustomResource|^AWS::Lambda::/.test(t))).toEqual([]);
    }
  });
});

describe('cfn-lint', () => {
  test('finds no errors in any synthesized template, and only the warnings allowed above', async () => {
    const templates = readdirSync(outdir).filter((f) => f.endsWith('.template.json'));
    expect(templates.length).toBe(assembly.stacks.length);
    for (const file of templates) {
      const result = await execa('cfn-lint', ['--format', 'parseable', '--', path.join(outdir, file)], { reject: false });
      if (result.exitCode === undefined || (result.failed && result.exitCode === 127) || (result as { code?: string }).code === 'ENOENT') {
        throw new Error(`cfn-lint could not be run (${result.shortMessage}): install it with pip install cfn-lint`);
      }
      // Exit code bits: 2 = errors, 4 = warnings, 8 = informational.
      expect([0, 4], `${file}:\n${result.stdout}\n${result.stderr}`).toContain(result.exitCode);
      const findings = result.stdout.split('\n').filter(Boolean);
      const ids = findings.map((line) => line.split(':')[5] ?? line);
      const unexpected = findings.filter((_, i) => !(ids[i]! in ALLOWED_CFN_LINT_WARNINGS));
      expect(unexpected, file).toEqual([]);
    }
  });
});
