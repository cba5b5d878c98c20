// Range options (gt/gte/lt/lte) as sett iterator options over the Level key space, and the
// range a seek() leaves: abstract-level's rules are that gte wins over gt and lte over lt, and
// that a seek target outside the range ends the iterator.

import type { IteratorOptions } from '../db/index.js';
import { LEVEL_KEY_SPACE_PREFIX, compareSettKeys, toSettKey, type LevelData } from './keys.js';

/** The range options of abstract-level's private API, already encoded. */
export interface EncodedRange {
  gt?: LevelData | undefined;
  gte?: LevelData | undefined;
  lt?: LevelData | undefined;
  lte?: LevelData | undefined;
}

/** A range over sett keys (Level key space prefix included). */
export interface Bounds {
  lower: Buffer | undefined;
  lowerInclusive: boolean;
  upper: Buffer | undefined;
  upperInclusive: boolean;
}

function given(v: LevelData | null | undefined): v is LevelData {
  return v !== undefined && v !== null;
}

export function boundsOf(range: EncodedRange): Bounds {
  const lower = given(range.gte) ? range.gte : given(range.gt) ? range.gt : undefined;
  const upper = given(range.lte) ? range.lte : given(range.lt) ? range.lt : undefined;
  return {
    lower: lower === undefined ? undefined : toSettKey(lower),
    lowerInclusive: given(range.gte),
    upper: upper === undefined ? undefined : toSettKey(upper),
    upperInclusive: given(range.lte),
  };
}

export function aboveLower(bounds: Bounds, key: Uint8Array): boolean {
  if (bounds.lower === undefined) return true;
  const c = compareSettKeys(key, bounds.lower);
  return bounds.lowerInclusive ? c >= 0 : c > 0;
}

export function belowUpper(bounds: Bounds, key: Uint8Array): boolean {
  if (bounds.upper === undefined) return true;
  const c = compareSettKeys(key, bounds.upper);
  return bounds.upperInclusive ? c <= 0 : c < 0;
}

/**
 * The range left after seeking to `target`: from the target onwards (backwards if reversed),
 * within the original range; undefined if the target lies outside the range (the iterator ends).
 */
export function seekBounds(bounds: Bounds, target: Buffer, reverse: boolean): Bounds | undefined {
  if (!aboveLower(bounds, target) || !belowUpper(bounds, target)) return undefined;
  return reverse ? { ...bounds, upper: target, upperInclusive: true } : { ...bounds, lower: target, lowerInclusive: true };
}

/** sett iterator options for `bounds`, confined to the Level key space. */
export function settRangeOptions(bounds: Bounds): IteratorOptions {
  const out: IteratorOptions = { prefix: LEVEL_KEY_SPACE_PREFIX };
  if (bounds.lower !== undefined) {
    if (bounds.lowerInclusive) out.gte = bounds.lower;
    else out.gt = bounds.lower;
  }
  if (bounds.upper !== undefined) {
    if (bounds.upperInclusive) out.lte = bounds.upper;
    else out.lt = bounds.upper;
  }
  return out;
}
