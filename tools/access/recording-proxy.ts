import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One AWS request as it went over the wire, and what the emulator answered. */
export interface RecordedRequest {
  /** The access key id that signed it: who made the call (each scenario signs as the role it stands for). */
  readonly accessKeyId: string;
  /** From the signature's credential scope. */
  readonly service: string;
  readonly region: string;
  readonly method: string;
  /** Path without the query, URL-decoded. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Lower-cased request headers that policies can test (x-amz-*, if-match, if-none-match, content-type). */
  readonly headers: Readonly<Record<string, string>>;
  /** The request body of the JSON and query protocols (never an S3 object's bytes). */
  readonly body?: string;
  readonly status: number;
  /** Lower-cased x-amz-* response headers (the SSE key S3 used, version ids). */
  readonly responseHeaders: Readonly<Record<string, string>>;
  /** The response body of the JSON and query protocols, up to 64 KiB. */
  readonly responseBody?: string;
}

export interface RecordingProxy {
  /** The endpoint to give the SDK instead of the emulator's (AWS_ENDPOINT_URL). */
  readonly endpoint: string;
  readonly requests: RecordedRequest[];
  stop(): Promise<void>;
}

const KEPT_HEADERS = /^(x-amz-(?!date$|content-sha256$|user-agent$|security-token$)|if-match$|if-none-match$|content-type$)/;

/**
 * An HTTP proxy in front of the moto emulator that records every AWS request passing through it, so a
 * test can run the real CLI or Lambda code unchanged (only AWS_ENDPOINT_URL points here) and then prove
 * each call against the deployed policies. S3 object bodies stream through untouched; the small bodies of
 * the JSON and query protocols are kept for their parameters.
 */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((incoming, outgoing) => {
    const signature = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\//.exec(String(incoming.headers.authorization ?? ''));
    const [accessKeyId, region, service] = signature ? [signature[1]!, signature[2]!, signature[3]!] : ['anonymous', '', ''];
    const url = new URL(incoming.url ?? '/', 'http://proxy');
    const keepsBody = service !== 's3';
    const chunks: Buffer[] = [];
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, host: upstream.host },
      },
      (answer: IncomingMessage) => {
        const answerChunks: Buffer[] = [];
        let answerBytes = 0;
        answer.on('data', (chunk: Buffer) => {
          if (keepsBody && answerBytes < 65_536) answerChunks.push(chunk);
          answerBytes += chunk.length;
        });
        answer.on('end', () => {
          requests.push({
            accessKeyId,
            service,
            region,
            method: incoming.method ?? 'GET',
            path: decodeURIComponent(url.pathname),
            query: Object.fromEntries(url.searchParams),
            headers: pick(incoming.headers as Record<string, string>),
            ...(keepsBody ? { body: Buffer.concat(chunks).toString('utf8') } : {}),
            status: answer.statusCode ?? 0,
            responseHeaders: pick(answer.headers as Record<string, string>, /^x-amz-/),
            ...(keepsBody ? { responseBody: Buffer.concat(answerChunks).toString('utf8').slice(0, 65_536) } : {}),
          });
        });
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forward.on('error', (error) => {
      outgoing.writeHead(502);
      outgoing.end(String(error));
    });
    if (keepsBody) incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function pick(headers: Record<string, string | string[] | undefined>, pattern = KEPT_HEADERS): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers)
      .filter(([name, value]) => pattern.test(name.toLowerCase()) && value !== undefined)
      .map(([name, value]) => [name.toLowerCase(), Array.isArray(value) ? value.join(',') : String(value)]),
  );
}
