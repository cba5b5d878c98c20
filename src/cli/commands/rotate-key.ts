// `sett rotate-key DIR --key-file OLD --new-key-file NEW [--json]`: re-encrypts the data keys of an
// encrypted database under a new master key (rotateMasterKey). It rewrites only KEYREGISTRY,
// atomically, so no table, WAL or value-log file changes; it takes the directory lock (exit 3 while
// another process has the database open). Exit 1 for a plain database or a wrong old key (nothing
// changes), 2 for a missing or bad key file.

import { isSettError } from '../../base/index.js';
import { rotateMasterKey } from '../../crypto/index.js';
import { databaseNames, lockedError } from '../database.js';
import { CliError, EXIT, usageError, type ExitCode } from '../errors.js';
import { Out, good } from '../format.js';
import { KEY_FILE_ENV, isEncryptedDir, masterKeyOf, readKeyFile, readRegistrySummary, wrongKey } from '../keys.js';

export interface RotateKeyOptions {
  json: boolean;
  keyFile: string | undefined;
  newKeyFile: string | undefined;
}

export async function rotateKeyCommand(dir: string, options: RotateKeyOptions): Promise<ExitCode> {
  const names = databaseNames(dir);
  if (!isEncryptedDir(names)) throw new CliError(`${dir}: this database is not encrypted: there is no key to rotate`, EXIT.failed, 'NOT_ENCRYPTED');
  const oldKey = masterKeyOf(options.keyFile);
  if (oldKey === undefined) throw usageError(`rotate-key needs the current key: --key-file FILE (or ${KEY_FILE_ENV})`);
  if (options.newKeyFile === undefined) throw usageError('rotate-key needs the new key: --new-key-file FILE');
  const newKey = readKeyFile(options.newKeyFile, `--new-key-file ${options.newKeyFile}`);
  try {
    await rotateMasterKey(dir, oldKey.bytes, newKey);
  } catch (err) {
    const locked = lockedError(err, dir);
    if (locked !== undefined) throw locked;
    if (isSettError(err, 'WRONG_KEY')) throw wrongKey(dir, oldKey, 'nothing was changed');
    throw err;
  }
  const dataKeys = readRegistrySummary(dir).keys.length;
  const out = new Out();
  if (options.json) out.json({ dir, rotated: true, dataKeys, newKeyFile: options.newKeyFile });
  else {
    out.line(good(`Rotated the master key of ${dir}: its ${dataKeys} data key${dataKeys === 1 ? ' is' : 's are'} now encrypted under the key in ${options.newKeyFile}.`));
    out.line('Only KEYREGISTRY was rewritten. The old key no longer opens the database: use the new key file from now on.');
  }
  out.flush();
  return EXIT.ok;
}
