import { S3Client } from '@aws-sdk/client-s3';

/**
 * An S3 client from the standard SDK configuration (region, credentials, AWS_ENDPOINT_URL[_S3]).
 * Against an emulator endpoint, path-style addressing avoids per-bucket DNS names.
 */
export function s3ClientFromEnvironment(env: NodeJS.ProcessEnv = process.env, region?: string): S3Client {
  const endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  return new S3Client({
    ...(region ? { region } : {}),
    ...(endpoint ? { forcePathStyle: true } : {}),
    // Downloads are checked end to end against the manifest's SHA-256; the SDK's per-response CRC
    // would only add CPU (and trips on emulators' copies of multipart objects).
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
