import { Token } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import {
  DATABASES_PARAMETER_CHARS,
  databaseParameterName,
  databaseParameterValues,
  type FreshnessDatabase,
} from '../../src/contract/freshness/function-environment.js';

export interface DatabaseListParametersProps {
  /** The SSM path the freshness function reads (databasesParameterPath). */
  readonly path: string;
  /** The number of the monitoring stack these databases belong to: it orders the parts. */
  readonly stackNumber: number;
  /** The databases, with their limits and runbook commands, as literal strings (their size is measured here). */
  readonly databases: readonly FreshnessDatabase[];
}

/**
 * The freshness check's list of databases, or a monitoring stack's part of it: standard SSM parameters of
 * at most 4,000 characters each (about eight databases), named so the function reads them in order.
 */
export class DatabaseListParameters extends Construct {
  readonly parameters: readonly ssm.StringParameter[];

  constructor(scope: Construct, id: string, props: DatabaseListParametersProps) {
    super(scope, id);
    const unresolved = props.databases.find((d) => Token.isUnresolved(JSON.stringify(d)));
    if (unresolved)
      throw new Error(`database ${unresolved.id}'s freshness entry holds a deploy-time value: its size could not be measured`);
    this.parameters = databaseParameterValues(props.databases).map(
      (value, i) =>
        new ssm.StringParameter(this, `Part${i + 1}`, {
          parameterName: databaseParameterName(props.path, props.stackNumber, i + 1),
          stringValue: value,
          description: `pg-backup freshness check: databases it watches (at most ${DATABASES_PARAMETER_CHARS} characters a part)`,
          tier: ssm.ParameterTier.STANDARD,
        }),
    );
  }
}
