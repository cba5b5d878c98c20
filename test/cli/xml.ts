// A strict XML well-formedness check for the pictures `sett info --svg/--html` writes (no XML
// parser in the dependencies, and none may be added). It accepts what XML 1.0 accepts of the
// documents we write: an optional declaration, an optional DOCTYPE without an internal subset,
// comments, one root element, attributes in quotes (each name once per element), character and
// the five predefined entity references, CDATA sections. It throws, saying where, on anything
// else, and returns the element tree so tests can count elements.

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (entities decoded), its children's not included. */
  text: string;
}

const NAME = /[A-Za-z_:][-A-Za-z0-9._:]*/y;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function parseXml(doc: string): XmlElement {
  let i = 0;
  const fail = (what: string): never => {
    const line = doc.slice(0, i).split('\n').length;
    throw new Error(`not well-formed XML at offset ${i} (line ${line}): ${what}: ${JSON.stringify(doc.slice(i, i + 40))}`);
  };
  const skipSpace = (): void => {
    while (i < doc.length && /[ \t\r\n]/.test(doc[i]!)) i++;
  };
  const name = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(doc);
    if (m === null) fail('expected a name');
    i += m![0].length;
    return m![0];
  };
  const decode = (raw: string): string => {
    if (/[<]/.test(raw)) fail('"<" in text or attribute value');
    return raw.replace(/&([^;]*);?/g, (whole, ref: string) => {
      if (!whole.endsWith(';')) fail(`unterminated entity reference ${whole}`);
      if (ref in ENTITIES) return ENTITIES[ref]!;
      const m = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(ref);
      if (m === null) fail(`unknown entity &${ref};`);
      const code = m![1] !== undefined ? parseInt(m![1], 16) : Number(m![2]);
      if (!isXmlChar(code)) fail(`character reference to a character XML forbids: ${ref}`);
      return String.fromCodePoint(code);
    });
  };
  const misc = (): void => {
    for (;;) {
      skipSpace();
      if (doc.startsWith('<!--', i)) {
        const end = doc.indexOf('-->', i + 4);
        if (end < 0) fail('unterminated comment');
        if (doc.slice(i + 4, end).includes('--')) fail('"--" inside a comment');
        i = end + 3;
      } else if (doc.startsWith('<?', i) && !doc.startsWith('<?xml', i)) {
        const end = doc.indexOf('?>', i);
        if (end < 0) fail('unterminated processing instruction');
        i = end + 2;
      } else return;
    }
  };

  for (const ch of doc) if (!isXmlChar(ch.codePointAt(0)!)) fail(`a character XML forbids: U+${ch.codePointAt(0)!.toString(16)}`);
  if (doc.startsWith('<?xml')) {
    const end = doc.indexOf('?>');
    if (end < 0) fail('unterminated XML declaration');
    i = end + 2;
  }
  misc();
  if (doc.startsWith('<!DOCTYPE', i)) {
    const end = doc.indexOf('>', i);
    if (end < 0 || doc.slice(i, end).includes('[')) fail('DOCTYPE with an internal subset (not supported here)');
    i = end + 1;
    misc();
  }

  const element = (): XmlElement => {
    if (doc[i] !== '<') fail('expected an element');
    i++;
    const el: XmlElement = { name: name(), attrs: {}, children: [], text: '' };
    for (;;) {
      const before = i;
      skipSpace();
      if (doc.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (doc[i] === '>') {
        i++;
        break;
      }
      if (i === before) fail('expected white space before an attribute');
      const attr = name();
      if (attr in el.attrs) fail(`attribute ${attr} given twice`);
      skipSpace();
      if (doc[i] !== '=') fail(`expected = after attribute ${attr}`);
      i++;
      skipSpace();
      const quote = doc[i];
      if (quote !== '"' && quote !== "'") fail(`attribute ${attr}: value not in quotes`);
      const end = doc.indexOf(quote!, i + 1);
      if (end < 0) fail(`attribute ${attr}: unterminated value`);
      el.attrs[attr] = decode(doc.slice(i + 1, end));
      i = end + 1;
    }
    for (;;) {
      const lt = doc.indexOf('<', i);
      if (lt < 0) fail(`element ${el.name} is never closed`);
      const raw = doc.slice(i, lt);
      if (raw.includes(']]>')) fail('"]]>" in text');
      el.text += decode(raw);
      i = lt;
      if (doc.startsWith('</', i)) {
        i += 2;
        const closing = name();
        if (closing !== el.name) fail(`</${closing}> closes <${el.name}>`);
        skipSpace();
        if (doc[i] !== '>') fail('expected > after the closing tag name');
        i++;
        return el;
      }
      if (doc.startsWith('<!--', i)) {
        misc();
        continue;
      }
      if (doc.startsWith('<![CDATA[', i)) {
        const end = doc.indexOf(']]>', i);
        if (end < 0) fail('unterminated CDATA section');
        el.text += doc.slice(i + 9, end);
        i = end + 3;
        continue;
      }
      if (doc.startsWith('<?', i) || doc.startsWith('<!', i)) fail('markup declaration inside an element');
      el.children.push(element());
    }
  };

  const root = element();
  misc();
  if (i !== doc.length) fail('content after the root element');
  return root;
}

function isXmlChar(c: number): boolean {
  return c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

/** Every element of the tree, root first, in document order. */
export function allElements(root: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement): void => {
    out.push(e);
    for (const c of e.children) walk(c);
  };
  walk(root);
  return out;
}
