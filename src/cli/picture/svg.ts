// Just enough of an SVG writer: elements as strings with escaped text and attributes. Numbers are
// rounded to 0.1 px so the document is the same on every machine (a snapshot test compares it).

export type Attrs = Record<string, string | number | undefined>;

/** Text or attribute value made safe for XML: the five specials escaped, characters XML forbids dropped. */
export function escapeXml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export function num(n: number): string {
  const r = Math.round(n * 10) / 10;
  return Object.is(r, -0) ? '0' : String(r);
}

function attrs(a: Attrs): string {
  let out = '';
  for (const [name, value] of Object.entries(a)) {
    if (value === undefined) continue;
    out += ` ${name}="${typeof value === 'number' ? num(value) : escapeXml(value)}"`;
  }
  return out;
}

/** `<name attrs>children</name>`, or `<name attrs/>` without children. Children are already markup. */
export function el(name: string, a: Attrs, ...children: string[]): string {
  const inner = children.join('');
  return inner === '' ? `<${name}${attrs(a)}/>` : `<${name}${attrs(a)}>${inner}</${name}>`;
}

/** A text element; `content` is plain text (escaped here). */
export function text(a: Attrs, content: string): string {
  return `<text${attrs(a)}>${escapeXml(content)}</text>`;
}

/** A `<title>` child: the tooltip a browser shows on hover. */
export function title(content: string): string {
  return `<title>${escapeXml(content)}</title>`;
}
