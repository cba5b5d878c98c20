// Entry point of a background worker thread: runs jobs on the real file system, or on the shared
// memory of an inMemory database's files (shared-files.ts), and reports results (or serialized
// errors) to the main thread.

import { parentPort } from 'node:worker_threads';
import { nodeFS, type FaultFS, type FileSystem } from '../fs/index.js';
import { serializeError, type JobMessage, type JobReply } from './executor.js';
import { resultTransferables, runJob } from './jobs.js';
import { collectOutputs, workerFileSystem } from './shared-files.js';

const port = parentPort;
if (port === null) throw new Error('worker-main must run in a worker thread');

let exitWhenDone = false;
let running = 0;

async function run(msg: JobMessage): Promise<JobReply> {
  const memory: FaultFS | undefined = msg.files === undefined ? undefined : workerFileSystem(msg.job, msg.files);
  const fs: FileSystem = memory ?? nodeFS;
  const result = await runJob(fs, msg.job);
  return memory === undefined ? { ok: true, result } : { ok: true, result, files: collectOutputs(memory, msg.job) };
}

port.on('message', (msg: JobMessage | { type: 'exit-when-done' }) => {
  if (msg.type === 'exit-when-done') {
    exitWhenDone = true;
    if (running === 0) process.exit(0);
    return;
  }
  running++;
  run(msg).then(
    // Kept blocks move, not copy: the main thread gets pages this thread already touched.
    (reply) => port.postMessage(reply, resultTransferables(reply.result)),
    (err: unknown) => port.postMessage({ ok: false, error: serializeError(err) } satisfies JobReply),
  ).finally(() => {
    running--;
    if (exitWhenDone && running === 0) process.exit(0);
  });
});
