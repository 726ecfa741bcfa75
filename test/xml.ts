// A small strict XML parser for the tests that read JUnit files: elements, attributes, text,
// the five named entities and character references, comments, CDATA and the XML declaration.
// It throws on anything not well-formed (mismatched or unclosed tags, bad entities, two roots,
// a bare '<' or '&'), which is what "the JUnit parses" means here.

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const entities: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(raw: string, at: number): string {
  if (/<|&(?!(?:lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(raw)) {
    throw new SyntaxError(`bad character data near offset ${at}: ${JSON.stringify(raw.slice(0, 40))}`);
  }
  return raw.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) =>
    e.startsWith('#x') ? String.fromCodePoint(Number.parseInt(e.slice(2), 16))
      : e.startsWith('#') ? String.fromCodePoint(Number(e.slice(1))) : entities[e]);
}

export function parseXml(text: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const name = /[A-Za-z_:][-A-Za-z0-9_.:]*/y;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  if (text.startsWith('<?xml')) {
    const end = text.indexOf('?>');
    if (end < 0) throw new SyntaxError('unterminated XML declaration');
    i = end + 2;
  }
  while (i < text.length) {
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end < 0) throw new SyntaxError('unterminated comment');
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i);
      if (end < 0 || stack.length === 0) throw new SyntaxError('bad CDATA section');
      stack[stack.length - 1].text += text.slice(i + 9, end);
      i = end + 3;
    } else if (text.startsWith('</', i)) {
      i += 2;
      name.lastIndex = i;
      const match = name.exec(text);
      const open = stack.pop();
      if (!match || !open || match[0] !== open.name) throw new SyntaxError(`mismatched end tag at offset ${i}`);
      i += match[0].length;
      skipSpace();
      if (text[i] !== '>') throw new SyntaxError(`bad end tag at offset ${i}`);
      i++;
    } else if (text[i] === '<') {
      i++;
      name.lastIndex = i;
      const match = name.exec(text);
      if (!match) throw new SyntaxError(`bad tag name at offset ${i}`);
      i += match[0].length;
      const element: XmlElement = { name: match[0], attributes: {}, children: [], text: '' };
      for (;;) {
        skipSpace();
        if (text.startsWith('/>', i) || text[i] === '>') break;
        name.lastIndex = i;
        const attribute = name.exec(text);
        if (!attribute) throw new SyntaxError(`bad attribute at offset ${i}`);
        i += attribute[0].length;
        skipSpace();
        if (text[i] !== '=') throw new SyntaxError(`attribute without value at offset ${i}`);
        i++;
        skipSpace();
        const quote = text[i];
        if (quote !== '"' && quote !== "'") throw new SyntaxError(`unquoted attribute at offset ${i}`);
        const end = text.indexOf(quote, i + 1);
        if (end < 0) throw new SyntaxError('unterminated attribute value');
        if (attribute[0] in element.attributes) throw new SyntaxError(`duplicate attribute ${attribute[0]}`);
        element.attributes[attribute[0]] = decode(text.slice(i + 1, end), i);
        i = end + 1;
      }
      if (stack.length > 0) stack[stack.length - 1].children.push(element);
      else if (root) throw new SyntaxError('a second root element');
      else root = element;
      if (text.startsWith('/>', i)) {
        i += 2;
      } else {
        i++;
        stack.push(element);
      }
    } else {
      const end = text.indexOf('<', i);
      const raw = text.slice(i, end < 0 ? text.length : end);
      if (stack.length === 0) {
        if (raw.trim() !== '') throw new SyntaxError(`text outside the root element at offset ${i}`);
      } else {
        stack[stack.length - 1].text += decode(raw, i);
      }
      i += raw.length;
    }
  }
  if (stack.length > 0) throw new SyntaxError(`unclosed element <${stack[stack.length - 1].name}>`);
  if (!root) throw new SyntaxError('no root element');
  return root;
}

/** Every descendant element with that name, depth first. */
export function findAll(element: XmlElement, elementName: string): XmlElement[] {
  return element.children.flatMap((child) => [...(child.name === elementName ? [child] : []), ...findAll(child, elementName)]);
}
