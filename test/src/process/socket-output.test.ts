import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { openSocketOutput } from '../../../src/process/socket-output.js';

/** A real child writing `seq 1 n` (about 6.9 MB for 1,000,000) to its stdout through a socket output. */
async function seqThroughSocket(n: number) {
  const output = await openSocketOutput();
  const child = spawn('seq', ['1', String(n)], { stdio: ['ignore', output.childEnd, 'inherit'] });
  output.childStarted();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { output, exited };
}

/** A sink that takes its time (writes complete on a later turn), hashing what it was given. */
function slowHashingSink() {
  const hash = createHash('sha256');
  let bytes = 0;
  const sink = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      setImmediate(callback);
    },
  });
  return { sink, digest: () => ({ bytes, sha256: hash.digest('hex') }) };
}

function expectedSeq(n: number) {
  const text = `${Array.from({ length: n }, (_, i) => i + 1).join('\n')}\n`;
  return { bytes: Buffer.byteLength(text), sha256: createHash('sha256').update(text).digest('hex') };
}

describe('openSocketOutput: a child stdout read into reused buffers', () => {
  it('delivers every byte in order to the sink and to onChunk, even when the sink is slow', async () => {
    const { output, exited } = await seqThroughSocket(1_000_000);
    const { sink, digest } = slowHashingSink();
    const seen = createHash('sha256');
    let seenBytes = 0;

    await output.pumpTo(sink, (chunk) => {
      seen.update(chunk);
      seenBytes += chunk.length;
    });

    expect(digest()).toEqual(expectedSeq(1_000_000));
    expect({ bytes: seenBytes, sha256: seen.digest('hex') }).toEqual(expectedSeq(1_000_000));
    expect(await exited).toEqual({ code: 0, signal: null });
  });

  it('stops when onChunk throws: the pump rejects with that error and the child can write no more', async () => {
    const { output, exited } = await seqThroughSocket(10_000_000);
    const { sink } = slowHashingSink();

    await expect(
      output.pumpTo(sink, () => {
        throw new Error('unreadable archive');
      }),
    ).rejects.toThrow('unreadable archive');

    // Its next write fails (EPIPE, or ECONNRESET when unread data was discarded): SIGPIPE or exit 1, never success.
    expect(await exited).not.toEqual({ code: 0, signal: null });
  });
});
