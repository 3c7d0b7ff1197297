import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { PgBackupError } from '../errors.js';

/** Who the AWS credentials in use belong to: what an audit record names as "who". */
export interface CallerIdentity {
  /** arn:aws:sts::<account>:assumed-role/<role>/<session> for a role, arn:aws:iam::<account>:user/<name> for a user. */
  readonly arn: string;
  readonly account: string;
  readonly userId: string;
}

/**
 * STS GetCallerIdentity, which IAM never denies: every restore knows who runs it before it changes anything,
 * and refuses to run when the credentials cannot even say that.
 */
export async function callerIdentity(sts: STSClient = new STSClient({})): Promise<CallerIdentity> {
  try {
    const answer = await sts.send(new GetCallerIdentityCommand({}));
    if (!answer.Arn || !answer.Account || !answer.UserId) throw new Error(`incomplete answer ${JSON.stringify(answer)}`);
    return { arn: answer.Arn, account: answer.Account, userId: answer.UserId };
  } catch (error) {
    throw new PgBackupError(
      `could not tell who these AWS credentials belong to (STS GetCallerIdentity: ${(error as Error).message}): a restore is recorded with who ran it, so it does not start without that`,
      { cause: error },
    );
  }
}

/** The partition of an ARN (`aws`, `aws-cn`, `aws-us-gov`). */
export function partitionOf(arn: string): string {
  return arn.split(':')[1] || 'aws';
}
