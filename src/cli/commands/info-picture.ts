// `sett info DIR --svg FILE` / `--html FILE`: the picture of the tree (src/cli/picture) written
// to the files the user named, from the same collection the text and JSON reports print.

import { writeFileSync } from 'node:fs';
import { DEFAULT_OPTIONS } from '../../db/index.js';
import { CliError, EXIT, usageError } from '../errors.js';
import { drawTree, pageOf, type TargetOptions } from '../picture/index.js';
import type { DirectoryInfo } from './info-collect.js';

export interface PictureFiles {
  svg: string | undefined;
  html: string | undefined;
}

/**
 * A directory does not record the options it was opened with; the targets drawn are those of
 * the default options (what `open(dir)` uses), and the picture says so.
 */
export const DEFAULT_TARGETS: TargetOptions = {
  baseLevelSize: DEFAULT_OPTIONS.baseLevelSize,
  levelSizeMultiplier: DEFAULT_OPTIONS.levelSizeMultiplier,
  baseTableSize: DEFAULT_OPTIONS.baseTableSize,
  numLevelZeroTables: DEFAULT_OPTIONS.numLevelZeroTables,
};
export const DEFAULT_TARGETS_NOTE = 'default options: a directory does not record the options it was opened with';

/** Writes the requested pictures; returns the paths written, in order. */
export function writePictures(info: DirectoryInfo, files: PictureFiles, heading: string): string[] {
  const svg = drawTree(info, { title: heading, targets: DEFAULT_TARGETS, targetsNote: DEFAULT_TARGETS_NOTE });
  const written: string[] = [];
  if (files.svg !== undefined) written.push(writeOut(files.svg, svg));
  if (files.html !== undefined) written.push(writeOut(files.html, pageOf(svg, `sett tree: ${heading}`)));
  return written;
}

function writeOut(path: string, content: string): string {
  try {
    writeFileSync(path, content);
    return path;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message = `cannot write ${path}: ${(err as Error).message}`;
    // A path in no directory, or a directory: a bad argument. Anything else (disk full): a failure.
    throw code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR' ? usageError(message) : new CliError(message, EXIT.failed);
  }
}
