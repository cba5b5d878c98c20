// Names of the files in a database directory (docs/format.md §Conventions).

export type FileKind = 'wal' | 'table' | 'vlog';

const SUFFIX: Record<FileKind, string> = { wal: '.mem', table: '.sst', vlog: '.vlog' };
const PATTERN = /^(\d{6,})\.(mem|sst|vlog)$/;

export function fileName(kind: FileKind, id: number): string {
  return String(id).padStart(6, '0') + SUFFIX[kind];
}

export function parseFileName(name: string): { kind: FileKind; id: number } | undefined {
  const m = PATTERN.exec(name);
  if (m === null) return undefined;
  const kind: FileKind = m[2] === 'mem' ? 'wal' : m[2] === 'sst' ? 'table' : 'vlog';
  return { kind, id: Number(m[1]) };
}

export function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}
