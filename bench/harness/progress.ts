// The progress line on stderr while a run goes: rewritten in place on a terminal, one line per
// workload otherwise (so a log file does not fill with carriage returns).

import { performance } from 'node:perf_hooks';

export class ProgressLine {
  private readonly start = performance.now();
  private lastWorkload = '';
  private shown = false;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  /** `where` says which step of how many and which engine, e.g. "step 3/21, LevelDB". */
  update(where: string, workload: string, done: number, total: number): void {
    const pct = total > 0 ? Math.floor((100 * done) / total) : 0;
    const text = `[${where}] ${workload} ${pct}% (${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}), ${this.elapsed()} elapsed`;
    if (this.stream.isTTY) {
      this.stream.write(`\r${text.slice(0, (this.stream.columns || 120) - 1)}\x1b[K`);
      this.shown = true;
    } else if (`${where} ${workload}` !== this.lastWorkload) {
      this.stream.write(`${text}\n`);
    }
    this.lastWorkload = `${where} ${workload}`;
  }

  /** A line that stays (a finished workload, an error), above the progress line. */
  note(text: string): void {
    this.clear();
    this.stream.write(`${text}\n`);
  }

  clear(): void {
    if (this.shown && this.stream.isTTY) this.stream.write('\r\x1b[K');
    this.shown = false;
  }

  elapsed(): string {
    const s = Math.floor((performance.now() - this.start) / 1000);
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  }
}
