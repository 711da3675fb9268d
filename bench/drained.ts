import type { Writable } from 'node:stream';

/** Resolves on 'drain' or 'close', whichever comes first, and leaves no listener behind. */
export function drained(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}
