// sett as an abstract-level 3 database (`import { SettLevel } from 'sett/level'`):
// docs/level-readme.md shows the use; keys.ts the key space SettLevel keeps inside sett.
export { SettLevel, type SettLevelOptions, type SettLevelOpenOptions } from './level.js';
export { SettLevelSnapshot } from './snapshot.js';
export { LevelError, toLevelError, type LevelErrorCode } from './errors.js';
export { LEVEL_KEY_SPACE, LEVEL_KEY_SPACE_PREFIX } from './keys.js';
