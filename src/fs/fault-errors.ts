// Errors FaultFS throws, shaped like node's fs errors (code, errno, syscall, path) so that callers
// handle them exactly as they handle NodeFS's, and IoError.from keeps the errno.

export type FsErrno = 'ENOENT' | 'EIO' | 'EBADF' | 'EEXIST' | 'ENOTDIR' | 'EISDIR' | 'EINVAL' | 'ENOSPC' | 'ENOTEMPTY';

/** Linux errno numbers, negated as libuv reports them. */
const ERRNO_NUMBER: Record<FsErrno, number> = {
  ENOENT: -2,
  EIO: -5,
  EBADF: -9,
  EEXIST: -17,
  ENOTDIR: -20,
  EISDIR: -21,
  EINVAL: -22,
  ENOSPC: -28,
  ENOTEMPTY: -39,
};

const ERRNO_TEXT: Record<FsErrno, string> = {
  ENOENT: 'no such file or directory',
  EIO: 'i/o error',
  EBADF: 'bad file descriptor',
  EEXIST: 'file already exists',
  ENOTDIR: 'not a directory',
  EISDIR: 'illegal operation on a directory',
  EINVAL: 'invalid argument',
  ENOSPC: 'no space left on device',
  ENOTEMPTY: 'directory not empty',
};

/** A file-system error as node reports it: `ENOENT: no such file or directory, open '/db/MANIFEST'`. */
export class FaultFsError extends Error {
  readonly code: FsErrno;
  readonly errno: number;
  readonly syscall: string;
  readonly path: string;
  readonly dest: string | undefined;

  constructor(code: FsErrno, syscall: string, path: string, dest?: string) {
    const where = dest === undefined ? `'${path}'` : `'${path}' -> '${dest}'`;
    super(`${code}: ${ERRNO_TEXT[code]}, ${syscall} ${where}`);
    this.name = 'Error';
    this.code = code;
    this.errno = ERRNO_NUMBER[code];
    this.syscall = syscall;
    this.path = path;
    this.dest = dest;
  }
}

/** Argument errors are programming errors; node throws a RangeError with code ERR_OUT_OF_RANGE. */
export function outOfRange(what: string, value: number): RangeError {
  return Object.assign(new RangeError(`The value of "${what}" is out of range. Received ${value}`), {
    code: 'ERR_OUT_OF_RANGE',
  });
}
