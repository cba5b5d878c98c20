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
/** A cursor entry: key and value (the one a keys- or values-only iterator does not want is absent). */
type Pair = NonNullable<ReturnType<Cursor['next']>>;

/**
 * The options object must be the one abstract-level passed to _iterator() (it carries the
 * user's encodings under private symbols); its public type is the closest declared one.
 */
function asPublic<K, V>(options: PrivateIteratorOptions): AbstractIteratorOptions<K, V> {
  return options as unknown as AbstractIteratorOptions<K, V>;
}

/** Up to `size` items, each made from one cursor entry by `make`; fewer at the end of the range. */
function readMany<T>(cursor: Cursor, size: number, make: (e: Pair) => T): T[] {
  try {
    const out: T[] = [];
    while (out.length < size) {
      const e = cursor.next();
      if (e === undefined) break;
      out.push(make(e));
    }
    return out;
  } catch (err) {
    throw toLevelError(err);
  }
}

function readOne<T>(cursor: Cursor, make: (e: Pair) => T): T | undefined {
  return readMany(cursor, 1, make)[0];
}

export class SettIterator<TDatabase, K, V> extends AbstractIterator<TDatabase, K, V> {
  private readonly make: (e: Pair) => Entry;

  constructor(
    db: TDatabase,
    options: PrivateIteratorOptions,
    private readonly cursor: Cursor,
  ) {
    super(db, asPublic<K, V>(options));
    const { keyEncoding, valueEncoding } = options;
    const wantKeys = options.keys !== false;
    const wantValues = options.values !== false;
    this.make = (e) => [wantKeys ? fromSettKey(e[0]!, keyEncoding) : undefined, wantValues ? toFormat(e[1]!, valueEncoding) : undefined];
  }

  async _next(): Promise<Entry | undefined> {
    return readOne(this.cursor, this.make);
  }

  async _nextv(size: number): Promise<Entry[]> {
    return readMany(this.cursor, size, this.make);
  }

  async _all(): Promise<Entry[]> {
    return readMany(this.cursor, this.limit - this.count, this.make);
  }

  _seek(target: LevelData): void {
    this.cursor.seek(toSettKey(target));
  }

  async _close(): Promise<void> {
    this.cursor.close();
  }
}

export class SettKeyIterator<TDatabase, K> extends AbstractKeyIterator<TDatabase, K> {
  private readonly make: (e: Pair) => LevelData;

  constructor(
    db: TDatabase,
    options: PrivateIteratorOptions,
    private readonly cursor: Cursor,
  ) {
    super(db, asPublic<K, never>(options));
    const { keyEncoding } = options;
    this.make = (e) => fromSettKey(e[0]!, keyEncoding);
  }

  async _next(): Promise<LevelData | undefined> {
    return readOne(this.cursor, this.make);
  }

  async _nextv(size: number): Promise<LevelData[]> {
    return readMany(this.cursor, size, this.make);
  }

  async _all(): Promise<LevelData[]> {
    return readMany(this.cursor, this.limit - this.count, this.make);
  }

  _seek(target: LevelData): void {
    this.cursor.seek(toSettKey(target));
  }

  async _close(): Promise<void> {
    this.cursor.close();
  }
}

export class SettValueIterator<TDatabase, K, V> extends AbstractValueIterator<TDatabase, K, V> {
  private readonly make: (e: Pair) => LevelData;

  constructor(
    db: TDatabase,
    options: PrivateIteratorOptions,
    private readonly cursor: Cursor,
  ) {
    super(db, asPublic<K, V>(options));
    const { valueEncoding } = options;
    this.make = (e) => toFormat(e[1]!, valueEncoding);
  }

  async _next(): Promise<LevelData | undefined> {
    return readOne(this.cursor, this.make);
  }

  async _nextv(size: number): Promise<LevelData[]> {
    return readMany(this.cursor, size, this.make);
  }

  async _all(): Promise<LevelData[]> {
    return readMany(this.cursor, this.limit - this.count, this.make);
  }

  _seek(target: LevelData): void {
    this.cursor.seek(toSettKey(target));
  }

  async _close(): Promise<void> {
    this.cursor.close();
  }
}
