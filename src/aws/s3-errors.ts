/** A one-line reason for an S3 SDK error: its code, HTTP status and message. */
export function s3ErrorMessage(error: unknown): string {
  const e = error as { name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const code = e.Code ?? e.name;
  const status = e.$metadata?.httpStatusCode;
  const parts = [code && code !== 'Error' ? code : undefined, status ? `HTTP ${status}` : undefined].filter(Boolean).join(', ');
  return parts ? `${e.message ?? String(error)} (${parts})` : (e.message ?? String(error));
}

/** True when S3 refused the request (AccessDenied, HTTP 403): a policy, a condition or a key grant. */
export function isAccessDenied(error: unknown): boolean {
  const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return (e.Code ?? e.name) === 'AccessDenied' || e.$metadata?.httpStatusCode === 403;
}

/** True for a missing key (or a missing version) on GET/HEAD. */
export function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchVersion';
}

/**
 * True when a GET named a version id the bucket does not have. S3 replication keeps version ids,
 * but a bucket filled by copying (aws s3 sync, or an emulator) has its own.
 */
export function isUnknownVersion(error: unknown): boolean {
  const e = error as { name?: string; message?: string };
  return e.name === 'NoSuchVersion' || (e.name === 'InvalidArgument' && /version/i.test(e.message ?? ''));
}

/**
 * True when a conditional write lost: `If-None-Match: *` met an existing key, or `If-Match` an ETag that
 * changed (S3 answers 412 PreconditionFailed; a concurrent conditional write in flight may answer 409).
 */
export function isWriteConflict(error: unknown): boolean {
  const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  const code = e.Code ?? e.name;
  return code === 'PreconditionFailed' || code === 'ConditionalRequestConflict' || e.$metadata?.httpStatusCode === 412;
}
