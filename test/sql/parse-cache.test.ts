import { describe, expect, it } from 'vitest';
import { parseSql } from '../../src/sql/parse.js';

describe('sett/sql parse cache', () => {
  it('keeps the texts used lately and lets the least recently used go', () => {
    const kept = parseSql('SELECT 1 AS kept');
    const dropped = parseSql('SELECT 1 AS dropped');
    // More distinct texts than the cache holds, with `kept` used between them.
    for (let i = 0; i < 600; i++) {
      parseSql(`SELECT ${i} AS filler`);
      if (i % 50 === 0) expect(parseSql('SELECT 1 AS kept')).toBe(kept);
    }
    expect(parseSql('SELECT 1 AS kept')).toBe(kept);
    const again = parseSql('SELECT 1 AS dropped');
    expect(again).not.toBe(dropped);
    expect(again).toEqual(dropped);
  });
});
