// Level iterators over a Cursor: entries, keys only (sett skips value reads) and values only.
// sett iterators are synchronous, so next/nextv/all do their work at once; they are async only
// because abstract-level's private API is.

import { AbstractIterator, AbstractKeyIterator, AbstractValueIterator, type AbstractIteratorOptions } from 'abstract-level';
import type { AbstractSnapshot } from 'abstract-level';
import type { Cursor } from './cursor.js';
import { toLevelError } from './errors.js';
import { fromSettKey, toFormat, toSettKey, type DataFormat, type LevelData } from './keys.js';
import type { EncodedRange } from './range.js';

/** What abstract-level passes to _iterator(), _keys() and _values(). */
export interface PrivateIteratorOptions extends EncodedRange {
  reverse: boolean;
  /** -1 for no limit; abstract-level enforces it (count/limit), the cursor need not. */
  limit: number;
  keys?: boolean;
  values?: boolean;
  keyEncoding: DataFormat;
  valueEncoding: DataFormat;
  snapshot?: AbstractSnapshot | undefined;
}

type Entry = [LevelData | undefined, LevelData | undefined];

/**
 * The options object must be the one abstract-level passed to _iterator() (it carries the
 * user's encodings under private symbols); its public type is the closest declared one.
 */
function asPublic<K, V>(options: PrivateIteratorOptions): AbstractIteratorOptions<K, V> {
  return options as unknown as AbstractIteratorOptions<K, V>;
}

/** How many items `all()` may still return under the iterator's limit. */
function remaining(limit: number, count: number): number {
  return limit - count;
}

export class SettIterator<TDatabase, K, V> extends AbstractIterator<TDatabase, K, V> {
  private readonly keyFormat: DataFormat;
  private readonly valueFormat: DataFormat;
  private readonly wantKeys: boolean;
  private readonly wantValues: boolean;

  constructor(
    db: TDatabase,
    options: PrivateIteratorOptions,
    private readonly cursor: Cursor,
  ) {
    super(db, asPublic<K, V>(options));
    this.keyFormat = options.keyEncoding;
    this.valueFormat = options.valueEncoding;
    this.wantKeys = options.keys !== false;
    this.wantValues = options.values !== false;
  }

  private step(): Entry | undefined {
    const e = this.cursor.next();
    if (e === undefined) return undefined;
    return [this.wantKeys ? fromSettKey(e[0]!, this.keyFormat) : undefined, this.wantValues ? toFormat(e[1]!, this.valueFormat) : undefined];
  }

  async _next(): Promise<Entry | undefined> {
    try {
      return this.step();
    } catch (err) {
      throw toLevelError(err);
    }
  }

  async _nextv(size: number): Promise<Entry[]> {
    try {
      const out: Entry[] = [];
      while (out.length < size) {
        const e = this.step();
        if (e === undefined) break;
        out.push(e);
      }
      return out;
    } catch (err) {
      throw toLevelError(err);
    }
  }

  async _all(): Promise<Entry[]> {
    return this._nextv(remaining(this.limit, this.count));
  }

  _seek(target: LevelData): void {
    this.cursor.seek(toSettKey(target));
  }

  async _close(): Promise<void> {
    this.cursor.close();
  }
}

export class SettKeyIterator<TDatabase, K> extends AbstractKeyIterator<TDatabase, K> {
  private readonly keyFormat: DataFormat;

  constructor(
    db: TDatabase,
    options: PrivateIteratorOptions,
    private readonly cursor: Cursor,
  ) {
    super(db, asPublic<K, never>(options));
    this.keyFormat = options.keyEncoding;
  }

  async _next(): Promise<LevelData | undefined> {
    try {
      const e = this.cursor.next();
      return e === undefined ? undefined : fromSettKey(e[0]!, this.keyFormat);
    } catch (err) {
      throw toLevelError(err);
    }
  }

  async _nextv(size: number): Promise<LevelData[]> {
    try {
      const out: LevelData[] = [];
      while (out.length < size) {
        const e = this.cursor.next();
        if (e === undefined) break;
        out.push(fromSettKey(e[0]!, this.keyFormat));
      }
      return out;
    } catch (err) {
      throw toLevelError(err);
    }
  }

  async _all(): Promise<LevelData[]> {
    return this._nextv(remaining(this.limit, this.count));
  }

  _seek(target: LevelData): void {
    this.cursor.seek(toSettKey(target));
  }

  async _close(): Promise<void> {
    this.cursor.close();
  }
}

export class SettValueIterator<TDatabase, K, V> extends AbstractValueIterator<TDatabase, K, V> {
  private readonly valueFormat: DataFormat;

  constructor(
    db: TDatabase,
    options: PrivateIteratorOptions,
    private readonly cursor: Cursor,
  ) {
    super(db, asPublic<K, V>(options));
    this.valueFormat = options.valueEncoding;
  }

  async _next(): Promise<LevelData | undefined> {
    try {
      const e = this.cursor.next();
      return e === undefined ? undefined : toFormat(e[1]!, this.valueFormat);
    } catch (err) {
      throw toLevelError(err);
    }
  }

  async _nextv(size: number): Promise<LevelData[]> {
    try {
      const out: LevelData[] = [];
      while (out.length < size) {
        const e = this.cursor.next();
        if (e === undefined) break;
        out.push(toFormat(e[1]!, this.valueFormat));
      }
      return out;
    } catch (err) {
      throw toLevelError(err);
    }
  }

  async _all(): Promise<LevelData[]> {
    return this._nextv(remaining(this.limit, this.count));
  }

  _seek(target: LevelData): void {
    this.cursor.seek(toSettKey(target));
  }

  async _close(): Promise<void> {
    this.cursor.close();
  }
}
