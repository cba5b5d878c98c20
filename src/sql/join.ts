// INNER and LEFT JOIN on an equality: for each row so far, the joined table is read through the
// table layer with `where: column = value` (plus the joined table's own ON conditions), so its
// primary key or an index on that column is used; lookups are cached per distinct value. Other ON
// conditions are checked in JS. A join without an equality reads the joined table once and pairs
// every row (a nested loop).

import type { StatementEnv, TableAccess } from './access.js';
import { unsupported } from './errors.js';
import { compile, resolveColumn, type CompileContext, type Compiled, type Source, type Tuple } from './expr.js';
import type { ColumnInfo, Row, Where } from './hybrid-types.js';
import type { Node } from './parse.js';
import { groupKey } from './values.js';
import { adapt, andOf, andWhere, conjuncts, toWhere } from './where.js';

export interface JoinStep {
  /** The joined source's position. */
  index: number;
  source: Source;
  access: TableAccess;
  outer: boolean;
  /** The joined table's column the equality names, and the value it must equal (from the rows so far). */
  key: { column: ColumnInfo; value: Compiled } | undefined;
  /** ON conditions on the joined table alone, in the table layer's terms. */
  extra: Where | undefined;
  /** The rest of ON, checked on each pair. */
  on: Compiled | undefined;
}

export function planJoin(ast: Node, sources: Source[], accesses: TableAccess[], env: StatementEnv): JoinStep[] {
  const steps: JoinStep[] = [];
  const from: Node[] = ast.from;
  for (let j = 1; j < from.length; j++) {
    const f = from[j];
    const kind = String(f.join ?? '').toUpperCase().replace(/\s+/g, ' ');
    let outer: boolean;
    if (kind === 'INNER JOIN' || kind === 'JOIN' || kind === 'CROSS JOIN' || kind === '') outer = false;
    else if (kind === 'LEFT JOIN' || kind === 'LEFT OUTER JOIN') outer = true;
    else throw unsupported(`${kind} (sett has INNER and LEFT JOIN)`);
    if (f.using) throw unsupported('JOIN ... USING (write ON a.x = b.x)');
    const visible = sources.slice(0, j + 1);
    const ctx: CompileContext = { sources: visible, params: env.params, database: env.database, clause: 'on clause' };
    let key: JoinStep['key'];
    const extra: Where[] = [];
    const rest: Node[] = [];
    for (const c of conjuncts(f.on)) {
      if (key === undefined) {
        const k = equality(c, visible, j, ctx);
        if (k !== undefined) {
          key = k;
          continue;
        }
      }
      const w = toWhere(c, visible, j, env.params);
      if (w !== undefined && refersOnlyTo(c, visible, j)) extra.push(w);
      else rest.push(c);
    }
    const on = andOf(rest);
    steps.push({ index: j, source: sources[j]!, access: accesses[j]!, outer, key, extra: andWhere(extra), on: on === undefined ? undefined : compile(on, ctx) });
  }
  return steps;
}

function refersOnlyTo(node: Node, sources: Source[], j: number): boolean {
  let ok = true;
  const walk = (n: Node): void => {
    if (n === null || typeof n !== 'object') return;
    if (n.type === 'column_ref') {
      try {
        if (resolveColumn({ sources, clause: 'on clause' }, n).source !== j) ok = false;
      } catch {
        ok = false;
      }
      return;
    }
    for (const k of Object.keys(n)) walk(n[k]);
  };
  walk(node);
  return ok;
}

/** `a.x = b.y` with one side a column of source j and the other an expression over earlier sources. */
function equality(node: Node, sources: Source[], j: number, ctx: CompileContext): JoinStep['key'] {
  if (node?.type !== 'binary_expr' || node.operator !== '=') return undefined;
  for (const [mine, theirs] of [
    [node.left, node.right],
    [node.right, node.left],
  ] as const) {
    if (mine?.type !== 'column_ref') continue;
    let r;
    try {
      r = resolveColumn(ctx, mine);
    } catch {
      continue;
    }
    if (r.source !== j || r.column.type === 'JSON') continue;
    const earlier = sources.slice(0, j);
    let value: Compiled;
    try {
      value = compile(theirs, { ...ctx, sources: earlier });
    } catch {
      continue;
    }
    return { column: r.column, value };
  }
  return undefined;
}

/** The lookup `where` for one value of the join key. */
export function lookupWhere(step: JoinStep, value: unknown): Where | undefined {
  const parts: Where[] = [];
  if (step.key !== undefined) parts.push({ column: step.key.column.name, op: '=', value: adapt(step.key.column, value) });
  if (step.extra !== undefined) parts.push(step.extra);
  return andWhere(parts);
}

export async function joinRows(step: JoinStep, tuples: Tuple[]): Promise<Tuple[]> {
  const out: Tuple[] = [];
  const cache = new Map<string, Row[]>();
  let all: Row[] | undefined;
  for (const t of tuples) {
    let candidates: Row[];
    if (step.key === undefined) {
      all ??= (await step.access.query(step.source.table, step.extra === undefined ? {} : { where: step.extra })).rows;
      candidates = all;
    } else {
      const v = step.key.value(t);
      if (v === null || v === undefined) candidates = [];
      else {
        const k = groupKey([v]);
        let rows = cache.get(k);
        if (rows === undefined) {
          try {
            rows = (await step.access.query(step.source.table, { where: lookupWhere(step, v) })).rows;
          } catch {
            // A value the column's type cannot hold (joining INT to VARCHAR 'x'): it equals no row.
            rows = [];
          }
          cache.set(k, rows);
        }
        candidates = rows;
      }
    }
    let matched = false;
    for (const r of candidates) {
      const pair = [...t, r];
      if (step.on !== undefined && step.on(pair) !== true) continue;
      matched = true;
      out.push(pair);
    }
    if (!matched && step.outer) out.push([...t, null]);
  }
  return out;
}
