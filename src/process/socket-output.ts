import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';

/** Reused read buffers: 8 x 256 KiB. A read takes one; it comes back when the sink has written it. */
const BUFFERS = 8;
const BUFFER_BYTES = 256 * 1024;

/**
 * A child's stdout read without allocating per read: the child writes to one end of a Unix socket
 * pair and this process reads the other into a few reused buffers (net.Socket's `onread`).
 *
 * Why: a pipe read by a Node stream allocates a new 64 KiB buffer per read; at a gigabyte or more of
 * dump that is thousands of buffers, and the memory they hold outside the JS heap makes V8 run a
 * full garbage collection every few dozen megabytes, measured at a third of the CLI's CPU.
 */
export interface SocketOutput {
  /** Pass as the child's stdout (stdio[1]); call `childStarted()` once the child is spawned. */
  readonly childEnd: net.Socket;
  /** Closes this process's copy of the child's end, so the stream ends when the child exits. */
  childStarted(): void;
  /**
   * Writes everything the child writes into `sink`, each chunk first shown to `onChunk` (which may
   * throw to stop everything), and ends `sink` after the last. A chunk's bytes are reused once `sink`
   * has written them: `onChunk` must not keep it.
   */
  pumpTo(sink: Writable, onChunk: (chunk: Buffer) => void): Promise<void>;
  /** Stops reading and closes both ends. */
  destroy(): void;
}

export async function openSocketOutput(): Promise<SocketOutput> {
  const dir = mkdtempSync(join(tmpdir(), 'pg-backup-out-'));
  const path = join(dir, 'stdout.sock');
  const server = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, resolve);
    });
    const free: Buffer[] = Array.from({ length: BUFFERS }, () => Buffer.allocUnsafe(BUFFER_BYTES));
    let onRead: (bytes: number, buffer: Buffer) => boolean = () => false;
    const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
    const reader = net.connect({
      path,
      onread: {
        buffer: () => free.pop() ?? Buffer.allocUnsafe(BUFFER_BYTES),
        callback: (bytes: number, buffer: Uint8Array) => onRead(bytes, buffer as Buffer),
      },
    });
    reader.pause();
    const childEnd = await accepted;
    await new Promise<void>((resolve, reject) => {
      if (!reader.connecting) resolve();
      reader.once('connect', resolve);
      reader.once('error', reject);
    });

    const pumpTo = (sink: Writable, onChunk: (chunk: Buffer) => void): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        let inFlight = 0;
        let ended = false;
        let paused = false;
        let failed = false;
        const fail = (error: unknown) => {
          if (failed) return;
          failed = true;
          reader.destroy();
          reject(error);
        };
        const finishIfDone = () => {
          if (!ended || inFlight > 0 || failed) return;
          sink.end();
          resolve();
        };
        onRead = (bytes, buffer) => {
          const chunk = buffer.subarray(0, bytes);
          try {
            onChunk(chunk);
          } catch (error) {
            fail(error);
            return false;
          }
          inFlight++;
          sink.write(chunk, (error) => {
            inFlight--;
            if (error) return fail(error);
            if (free.length < BUFFERS) free.push(buffer); // never more than BUFFERS kept
            if (paused && !reader.destroyed) {
              paused = false;
              reader.resume();
            }
            finishIfDone();
          });
          if (free.length > 0) return true;
          paused = true;
          return false;
        };
        reader.once('end', () => {
          ended = true;
          finishIfDone();
        });
        reader.once('error', fail);
        sink.once('error', fail);
        reader.resume();
      });

    return {
      childEnd,
      childStarted: () => childEnd.destroy(),
      pumpTo,
      destroy: () => {
        reader.destroy();
        childEnd.destroy();
      },
    };
  } finally {
    // The two ends are connected: the socket's name is no longer needed.
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
