/** An IAM policy document as the templates hold it, intrinsics resolved. */
export interface PolicyDocument {
  readonly Version: string;
  readonly Statement: readonly PolicyStatement[];
}

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** Where a policy came from: the stack, the resource and (for readers) the construct path. */
export interface PolicySource {
  readonly stack: string;
  readonly logicalId: string;
  /** The CDK construct path (aws:cdk:path metadata), what a reviewer finds in the code. */
  readonly constructPath?: string;
  /** What kind of policy: an inline policy, a managed policy, a bucket policy, a key policy... */
  readonly kind: string;
}

export interface SourcedPolicy {
  readonly source: PolicySource;
  readonly document: PolicyDocument;
}

/** "stack/LogicalId", the identifier a decision names. */
export function sourceId(source: PolicySource): string {
  return `${source.stack}/${source.logicalId}`;
}

/** A statement named by its Sid, or by its position when it has none. */
export function statementLabel(source: PolicySource, statementId: string | undefined, statementIndex: number): string {
  return `${sourceId(source)} ${statementId ? `[${statementId}]` : `[statement ${statementIndex}]`}`;
}
