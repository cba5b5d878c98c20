// The machine a run happened on, for the report: figures mean little without it.

import { readFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';

export interface MachineInfo {
  node: string;
  platform: string;
  /** The CPU model from /proc/cpuinfo (os.cpus() where that is unreadable). */
  cpu: string;
  cores: number;
  memoryBytes: number;
  /** 1, 5 and 15 minute load averages when the run started: a loaded machine reads slower. */
  loadAverage: [number, number, number];
  tmpdir: string;
}

export function describeMachine(): MachineInfo {
  const avg = loadavg();
  return {
    node: process.version,
    platform: `${platform()} ${release()} ${arch()}`,
    cpu: cpuModel(),
    cores: cpus().length,
    memoryBytes: totalmem(),
    loadAverage: [round2(avg[0] ?? 0), round2(avg[1] ?? 0), round2(avg[2] ?? 0)],
    tmpdir: tmpdir(),
  };
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m !== null) return m[1]!.trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown';
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
