// Entry point of a background worker thread: runs jobs on the real file system and reports
// results (or serialized errors) to the main thread.

import { parentPort } from 'node:worker_threads';
import { nodeFS } from '../fs/index.js';
import { serializeError } from './executor.js';
import { resultTransferables, runJob, type Job } from './jobs.js';

const port = parentPort;
if (port === null) throw new Error('worker-main must run in a worker thread');

let exitWhenDone = false;
let running = 0;

port.on('message', (msg: { type: 'job'; job: Job } | { type: 'exit-when-done' }) => {
  if (msg.type === 'exit-when-done') {
    exitWhenDone = true;
    if (running === 0) process.exit(0);
    return;
  }
  running++;
  runJob(nodeFS, msg.job).then(
    // Kept blocks move, not copy: the main thread gets pages this thread already touched.
    (result) => port.postMessage({ ok: true, result }, resultTransferables(result)),
    (err: unknown) => port.postMessage({ ok: false, error: serializeError(err) }),
  ).finally(() => {
    running--;
    if (exitWhenDone && running === 0) process.exit(0);
  });
});
