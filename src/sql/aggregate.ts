// COUNT / SUM / AVG / MIN / MAX, evaluated in JS over the rows the table layer returns, one
// accumulator per aggregate call per group.

import { unsupported } from './errors.js';
import { compile, functionName, type CompileContext, type Compiled, type Tuple } from './expr.js';
import type { Node } from './parse.js';
import { textOf } from './text.js';
import { compareSql, groupKey } from './values.js';

export interface AggregateSpec {
  name: 'COUNT' | 'SUM' | 'AVG' | 'MIN' | 'MAX';
  distinct: boolean;
  /** undefined for COUNT(*). */
  arg: Compiled | undefined;
  numeric: boolean;
  text: string;
}

/** Registers aggregate calls by their text, so `COUNT(*)` in HAVING is the select list's `COUNT(*)`. */
export class AggregateRegistry {
  readonly specs: AggregateSpec[] = [];
  private readonly byText = new Map<string, number>();

  constructor(private readonly ctx: CompileContext) {}

  slot = (node: Node): number => {
    const text = textOf(node);
    const known = this.byText.get(text);
    if (known !== undefined) return known;
    const name = functionName(node);
    if (name !== 'COUNT' && name !== 'SUM' && name !== 'AVG' && name !== 'MIN' && name !== 'MAX') throw unsupported(`the aggregate ${name}()`);
    const argNode = node.args?.expr;
    const star = argNode === undefined || argNode === null || argNode.type === 'star' || (argNode.type === 'column_ref' && argNode.column === '*');
    if (star && name !== 'COUNT') throw unsupported(`${name}(*)`);
    // The argument is evaluated per row, outside any aggregate: nested aggregates are refused.
    const arg = star ? undefined : compile(argNode, { ...this.ctx, aggregateSlot: undefined, aliases: undefined });
    const numeric = !star && argNode.type === 'column_ref' && this.ctx.sources.some((s) => s.columns.some((c) => c.name === String(argNode.column) && c.type === 'DECIMAL'));
    const spec: AggregateSpec = { name, distinct: node.args?.distinct === 'DISTINCT' || node.args?.distinct === true, arg, numeric, text };
    this.specs.push(spec);
    this.byText.set(text, this.specs.length - 1);
    return this.specs.length - 1;
  };
}

interface Acc {
  count: number;
  sum: number | bigint | null;
  best: unknown;
  seen: Set<string> | undefined;
}

export class Accumulators {
  private readonly accs: Acc[];

  constructor(private readonly specs: AggregateSpec[]) {
    this.accs = specs.map((s) => ({ count: 0, sum: null, best: null, seen: s.distinct ? new Set<string>() : undefined }));
  }

  add(t: Tuple): void {
    for (let i = 0; i < this.specs.length; i++) {
      const s = this.specs[i]!;
      const acc = this.accs[i]!;
      if (s.arg === undefined) {
        acc.count++;
        continue;
      }
      const v = s.arg(t);
      if (v === null || v === undefined) continue;
      if (acc.seen !== undefined) {
        const k = groupKey([v]);
        if (acc.seen.has(k)) continue;
        acc.seen.add(k);
      }
      acc.count++;
      if (s.name === 'SUM' || s.name === 'AVG') {
        if (typeof v === 'bigint' && (acc.sum === null || typeof acc.sum === 'bigint') && s.name === 'SUM') acc.sum = (acc.sum ?? 0n) + v;
        else acc.sum = Number(acc.sum ?? 0) + Number(typeof v === 'boolean' ? Number(v) : v);
      } else if (s.name === 'MIN' || s.name === 'MAX') {
        if (acc.best === null) acc.best = v;
        else {
          const c = compareSql(v, acc.best, s.numeric)!;
          if (s.name === 'MIN' ? c < 0 : c > 0) acc.best = v;
        }
      }
    }
  }

  values(): unknown[] {
    return this.specs.map((s, i) => {
      const acc = this.accs[i]!;
      switch (s.name) {
        case 'COUNT':
          return acc.count;
        case 'SUM':
          return acc.sum;
        case 'AVG':
          return acc.count === 0 ? null : Number(acc.sum) / acc.count;
        default:
          return acc.best;
      }
    });
  }
}
