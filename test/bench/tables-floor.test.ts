import { describe, expect, it } from 'vitest';
import { parseFloorArgs, runFloor } from '../../bench/tables/floor.js';

describe('bench:floor', () => {
  it('parses its flags and refuses unknown or non-positive ones', () => {
    expect(parseFloorArgs([])).toEqual({ num: 1_000_000, ops: 100_000, rounds: 3 });
    expect(parseFloorArgs(['--n', '2_000', '--ops', '300', '--rounds', '1'])).toEqual({ num: 2000, ops: 300, rounds: 1 });
    expect(parseFloorArgs(['--quick'])).toEqual({ num: 100_000, ops: 20_000, rounds: 3 });
    expect(() => parseFloorArgs(['--num', '5'])).toThrow(/unknown argument/);
    expect(() => parseFloorArgs(['--ops', '0'])).toThrow(/positive integer/);
    expect(() => parseFloorArgs(['--rounds'])).toThrow(/positive integer/);
  });

  it('measures every operation over rows both engines hold (the engine reads find every row)', async () => {
    const lines: string[] = [];
    const result = await runFloor({ num: 3000, ops: 400, rounds: 2 }, (line) => lines.push(line));
    expect(Object.keys(result).sort()).toEqual(['settGetPut', 'settGetSync', 'settUpdate', 'sqliteGet', 'sqliteUpdate']);
    for (const us of Object.values(result)) {
      expect(Number.isFinite(us)).toBe(true);
      expect(us).toBeGreaterThan(0);
    }
    expect(lines).toContain('round 2/2 done');
  }, 60_000);
});
