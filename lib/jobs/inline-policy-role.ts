import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface InlinePolicyRoleProps {
  readonly description: string;
  readonly assumedBy: iam.IPrincipal;
  /** The name of the role's one inline policy. */
  readonly policyName: string;
}

/**
 * A role whose grants land in one policy inside the role resource itself, not in an AWS::IAM::Policy of
 * their own: two hundred databases with two task roles each would otherwise cost four hundred more
 * resources. `grantee` takes every grant method (BackupAccess, Secret.grantRead, Grant.addToPrincipal);
 * what it collects is exactly what a separate policy would hold.
 */
export class InlinePolicyRole extends Construct {
  readonly role: iam.Role;
  readonly document: iam.PolicyDocument;
  /** Pass this to grant methods: their statements go into `document`. */
  readonly grantee: iam.IGrantable;

  constructor(scope: Construct, id: string, props: InlinePolicyRoleProps) {
    super(scope, id);
    this.document = new iam.PolicyDocument();
    this.role = new iam.Role(this, 'Role', {
      description: props.description,
      assumedBy: props.assumedBy,
      inlinePolicies: { [props.policyName]: this.document },
    });
    this.grantee = { grantPrincipal: new InlinePolicyPrincipal(this.role, this.document) };
  }
}

/** The role as a principal whose addToPrincipalPolicy writes into the role's inline policy document. */
class InlinePolicyPrincipal extends iam.PrincipalBase {
  override readonly assumeRoleAction: string;
  override readonly principalAccount: string | undefined;

  constructor(
    private readonly role: iam.Role,
    private readonly document: iam.PolicyDocument,
  ) {
    super();
    this.assumeRoleAction = role.assumeRoleAction;
    this.principalAccount = role.principalAccount;
  }

  get policyFragment(): iam.PrincipalPolicyFragment {
    return this.role.policyFragment;
  }

  override addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.document.addStatements(statement);
    return { statementAdded: true, policyDependable: this.role };
  }

  override toString(): string {
    return this.role.toString();
  }

  override dedupeString(): string | undefined {
    return this.role.roleArn;
  }
}
