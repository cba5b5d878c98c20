// An expression's text, as MySQL names a result column without an alias (`COUNT(*)`, `a + 1`).

import { columnName, functionName } from './expr.js';
import type { Node } from './parse.js';

export function textOf(node: Node): string {
  if (node === null || node === undefined) return 'NULL';
  switch (node.type) {
    case 'column_ref':
      return columnName(node);
    case 'star':
      return '*';
    case 'number':
    case 'bigint':
      return String(node.value);
    case 'single_quote_string':
    case 'double_quote_string':
    case 'string':
      return String(node.value);
    case 'bool':
    case 'boolean':
      return node.value ? 'TRUE' : 'FALSE';
    case 'null':
      return 'NULL';
    case 'param':
      return '?';
    case 'aggr_func': {
      const e = node.args?.expr;
      const distinct = node.args?.distinct ? 'DISTINCT ' : '';
      return `${functionName(node)}(${distinct}${e === undefined || e === null ? '*' : textOf(e)})`;
    }
    case 'function': {
      const a = node.args;
      const args: Node[] = a === undefined || a === null ? [] : Array.isArray(a.value) ? a.value : [a];
      return `${functionName(node)}(${args.map(textOf).join(', ')})`;
    }
    case 'binary_expr': {
      const right = node.right?.type === 'expr_list' ? `(${(node.right.value ?? []).map(textOf).join(', ')})` : textOf(node.right);
      return `${textOf(node.left)} ${String(node.operator)} ${right}`;
    }
    case 'unary_expr':
      return `${String(node.operator)} ${textOf(node.expr)}`;
    case 'expr_list':
      return `(${(node.value ?? []).map(textOf).join(', ')})`;
    default:
      return String(node.type ?? '?');
  }
}
