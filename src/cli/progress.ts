// Progress bars (cli-progress) on stderr, only when stderr is a terminal and the output is not
// --json: piped and scripted runs get clean output and no escape codes.

import { createRequire } from 'node:module';
import { showSize } from './format.js';

// Loaded only when a bar is drawn (a terminal): piped and scripted runs never pay for it.
const require = createRequire(import.meta.url);

export interface Progress {
  start(total: number, label?: string): void;
  update(value: number, label?: string): void;
  stop(): void;
}

const NONE: Progress = { start() {}, update() {}, stop() {} };

export interface ProgressOptions {
  /** The command's --json / --no-progress: no bar. */
  enabled: boolean;
  /** Show value and total as byte sizes rather than counts. */
  bytes: boolean;
  title: string;
}

export function progressBar(options: ProgressOptions): Progress {
  if (!options.enabled || process.stderr.isTTY !== true) return NONE;
  const cliProgress = require('cli-progress') as typeof import('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      format: `${options.title} [{bar}] {percentage}% | {shown} | {label}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      barsize: 30,
    },
    cliProgress.Presets.shades_classic,
  );
  let total = 0;
  const shown = (value: number): string => (options.bytes ? `${showSize(value)} / ${showSize(total)}` : `${value} / ${total}`);
  let running = false;
  return {
    start(t, label = '') {
      total = t;
      running = true;
      bar.start(Math.max(t, 1), 0, { shown: shown(0), label });
    },
    update(value, label) {
      if (!running) return;
      const v = Math.min(value, Math.max(total, 1));
      bar.update(v, label === undefined ? { shown: shown(v) } : { shown: shown(v), label });
    },
    stop() {
      if (!running) return;
      running = false;
      bar.stop();
    },
  };
}
