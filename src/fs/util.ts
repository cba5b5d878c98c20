import type { FileSystem } from './file-system.js';

/** Reads a whole file. */
export function readAll(fs: FileSystem, path: string): Uint8Array {
  const file = fs.open(path, 'r');
  try {
    const size = file.size();
    const buf = new Uint8Array(size);
    const n = file.read(buf, 0, size, 0);
    return n === size ? buf : buf.subarray(0, n);
  } finally {
    file.close();
  }
}

/** Writes a new file durably: create, write, fdatasync, close. The caller syncs the directory. */
export async function writeAllSynced(fs: FileSystem, path: string, data: Uint8Array): Promise<void> {
  const file = fs.open(path, 'w');
  try {
    file.append(data);
    await file.sync();
  } finally {
    file.close();
  }
}
