import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SSMClient } from '@aws-sdk/client-ssm';
import { readConfig } from '../../lambda/freshness/config.js';
import type { FreshnessConfig } from '../../src/contract/freshness/function-environment.js';
import { PgBackupError } from '../../src/errors.js';
import type { AwsAccess } from './deployed-task.js';

/** The deployed freshness function's configuration, as its handler would read it. */
export interface DeployedFreshnessFunction {
  readonly functionArn: string;
  /** The function's environment exactly as deployed. */
  readonly environment: Readonly<Record<string, string>>;
  /** What the Lambda runtime adds, which GetFunctionConfiguration does not show: AWS_REGION. */
  readonly runtimeEnvironment: Readonly<Record<string, string>>;
  /** lambda/freshness/config.ts readConfig() of the two together, with the database list from the deployed SSM parameters: what the handler runs with. */
  readonly config: FreshnessConfig;
}

/**
 * Reads a deployed function's environment through the Lambda API (GetFunctionConfiguration) and
 * parses it with the handler's own readConfig(), adding only AWS_REGION, which the Lambda runtime
 * sets; readConfig reads the database list from the deployed SSM parameters, as the handler does. A
 * variable renamed on either side fails here, naming it. (moto cannot invoke a function without
 * Docker: callers run the check in-process with this configuration.)
 */
export async function readDeployedFreshnessFunction(options: {
  readonly aws: AwsAccess;
  readonly region: string;
  readonly functionName: string;
}): Promise<DeployedFreshnessFunction> {
  const common = {
    region: options.region,
    endpoint: options.aws.endpoint,
    credentials: options.aws.credentials ?? { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  const lambda = new LambdaClient(common);
  const ssm = new SSMClient(common);
  try {
    const deployed = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: options.functionName })).catch((error) => {
      throw new PgBackupError(`GetFunctionConfiguration ${options.functionName} failed: ${(error as Error).message}`, { cause: error });
    });
    const environment = Object.fromEntries(
      Object.entries(deployed.Environment?.Variables ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
    const runtimeEnvironment = { AWS_REGION: options.region };
    let config: FreshnessConfig;
    try {
      config = await readConfig(ssm, { ...environment, ...runtimeEnvironment });
    } catch (error) {
      throw new PgBackupError(`the deployed function ${options.functionName}'s environment: ${(error as Error).message}`, { cause: error });
    }
    return { functionArn: deployed.FunctionArn ?? options.functionName, environment, runtimeEnvironment, config };
  } finally {
    lambda.destroy();
    ssm.destroy();
  }
}
