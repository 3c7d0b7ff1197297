import { CreateDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConnection } from '../../../src/aws/database-credentials.js';
import { motoEndpoint, uniqueName } from '../../support/services.js';

describe('resolveConnection against moto (RDS DescribeDBInstances + Secrets Manager)', () => {
  const saved = process.env.AWS_ENDPOINT_URL;
  beforeAll(() => {
    process.env.AWS_ENDPOINT_URL = motoEndpoint();
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.AWS_ENDPOINT_URL;
    else process.env.AWS_ENDPOINT_URL = saved;
  });

  it('finds the endpoint of an RDS instance and the credentials in its secret', async () => {
    const instance = uniqueName('orders');
    const created = await new RDSClient({}).send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: instance,
        Engine: 'postgres',
        DBInstanceClass: 'db.t4g.micro',
        MasterUsername: 'master',
        MasterUserPassword: 'irrelevant1',
        DBName: 'orders',
        AllocatedStorage: 20,
      }),
    );
    const secret = await new SecretsManagerClient({}).send(
      new CreateSecretCommand({
        Name: uniqueName('orders-secret'),
        SecretString: JSON.stringify({ username: 'backup_reader', password: 's3cr3t!' }),
      }),
    );

    const { target, rdsInstance } = await resolveConnection({ rdsInstance: instance, secretArn: secret.ARN, urlFlag: '--source' }, {});

    expect(rdsInstance).toBe(instance);
    expect(target).toEqual({
      host: created.DBInstance!.Endpoint!.Address,
      port: created.DBInstance!.Endpoint!.Port,
      database: 'orders',
      user: 'backup_reader',
      password: 's3cr3t!',
    });
  });

  it('names the flag and value when the instance or secret does not exist, and never prints a secret', async () => {
    await expect(resolveConnection({ rdsInstance: 'no-such-instance', urlFlag: '--source' }, {})).rejects.toThrow(
      /--rds-instance \(no-such-instance\): DescribeDBInstances failed/,
    );
    const notJson = await new SecretsManagerClient({}).send(
      new CreateSecretCommand({ Name: uniqueName('bare'), SecretString: 'bare-password-value' }),
    );
    const failure = resolveConnection({ url: 'postgresql://u@h/db', secretArn: notJson.ARN, urlFlag: '--source' }, {});
    await expect(failure).rejects.toThrow(/does not hold a JSON object with username and password/);
    await expect(failure).rejects.not.toThrow(/bare-password-value/);
    await expect(resolveConnection({ url: 'mysql://u@h/db', urlFlag: '--source' }, {})).rejects.toThrow(
      '--source (mysql://u@h/db) must start with postgresql://',
    );
  });
});
