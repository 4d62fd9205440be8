/**
 * A fast reader for the XML that `nvidia-smi -q -x` writes: one pass over the text that checks that it is
 * well-formed and builds, at the same time, the object tree that fast-xml-parser builds with the options
 * of nvidia-smi-xml.ts (`xmlParser` there) from the same text with its bare `&` escaped (`BARE_AMP`
 * there): a leaf is its trimmed text, an element with children is an object, a repeated element is an
 * array, attributes are `@_name` keys after the children, the text of an element with attributes is
 * `#text`, the five XML entities are decoded, a bare `&` (nvidia-smi does not escape it in process names)
 * is itself, and CR LF / CR become LF.
 *
 * It reads a subset of XML: elements, attributes in double or single quotes, text, comments. Anything
 * else — CDATA, processing instructions or a DOCTYPE inside the document, text mixed with child
 * elements, character references and entities other than the five, names outside
 * `[A-Za-z_][A-Za-z0-9_.-]*` or that fast-xml-parser refuses (`__proto__`, `constructor`, `toString`, …),
 * and every well-formedness error — returns null, and the caller takes the general path (fast-xml-parser's
 * validator, then its parser), which gives the same tree for what this reads and says what is wrong with
 * the rest. Which path read a document therefore never shows in the result (test/parsers/xml-tree.test.ts
 * compares both on real and mutated documents).
 *
 * Cost: linear in the text. `<` and closing quotes are found with indexOf, names are scanned once, and
 * only what the tree keeps is allocated (an element `<name>text</name>` costs its text and nothing else).
 */

/** Names fast-xml-parser refuses or renames (its `criticalProperties` and `DANGEROUS_PROPERTY_NAMES`). */
const RESERVED: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'valueOf',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);
/** The lengths of the reserved names: a name of another length needs no look-up. */
const RESERVED_LENGTHS: ReadonlySet<number> = new Set([...RESERVED].map((n) => n.length));

const NAME_SLOTS_MASK = 1023;

const isNameStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
const isNameChar = (c: number) => isNameStart(c) || (c >= 48 && c <= 57) || c === 45 || c === 46;
/** XML white space: space, tab, LF, CR. */
const isSpace = (c: number) => c === 32 || c === 10 || c === 9 || c === 13;

/**
 * An `&`: one of the five entities (group 1), another entity or a character reference (group 2: left to
 * the general path), or a bare `&` (neither group), as nvidia-smi-xml.ts's BARE_AMP tells them apart.
 */
const AMP = /&(?:(amp|lt|gt|quot|apos);|([a-zA-Z]{2,8}|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});)?/g;
const ENTITY_CHAR: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Text as fast-xml-parser keeps it: LF line ends, trimmed, entities decoded; null when it cannot. */
function value(raw: string): string | null {
  let t = raw.includes('\r') ? raw.replace(/\r\n?/g, '\n').trim() : raw.trim();
  if (t.includes('&')) {
    let other = false;
    t = t.replace(AMP, (m: string, five: string | undefined, ref: string | undefined) => {
      if (five !== undefined) return ENTITY_CHAR[five]!;
      if (ref !== undefined) other = true;
      return ref !== undefined ? m : '&';
    });
    if (other) return null;
  }
  return t;
}

/** The slot of the name `xml[lt + 1, lt + 1 + len)` in the table of names seen. */
function nameSlot(xml: string, lt: number, len: number): number {
  return (
    (len * 997 +
      xml.charCodeAt(lt + 1) * 31 +
      xml.charCodeAt(lt + len) * 7 +
      xml.charCodeAt(lt + 1 + (len >> 1))) &
    NAME_SLOTS_MASK
  );
}

/**
 * Whether `xml[from, to)` is text that value() would return as it is: not empty, no white space at its
 * ends (ASCII only, to be sure), no CR, no `&`.
 */
function plain(xml: string, from: number, to: number): boolean {
  if (from >= to) return false;
  const a = xml.charCodeAt(from);
  const b = xml.charCodeAt(to - 1);
  if (a <= 32 || a >= 0x80 || b <= 32 || b >= 0x80) return false;
  for (let i = from; i < to; i++) {
    const c = xml.charCodeAt(i);
    if (c === 38 || c === 13) return false;
  }
  return true;
}

/** Whether `xml[from, to)` is white space only, as String.prototype.trim sees it. */
function blank(xml: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = xml.charCodeAt(i);
    if (isSpace(c)) continue;
    // trim also removes VT, FF and, beyond ASCII, U+00A0, U+2028, U+FEFF, …
    return (c >= 0x80 || c === 0x0b || c === 0x0c) && xml.slice(i, to).trim() === '';
  }
  return true;
}

/**
 * The tree of `xml` (one root element, nothing around it but white space), or null when the document is
 * outside the subset read here or not well-formed (see the file header).
 */
export function readXmlTree(xml: string): Record<string, unknown> | null {
  const n = xml.length;
  // the open elements, one entry each in these parallel stacks
  const names: string[] = [];
  /** their children so far (null: none yet), in the order of first occurrence */
  const kids: (Record<string, unknown> | null)[] = [];
  /** their attributes: name, value, name, value, … (null: none) */
  const attrs: (string[] | null)[] = [];
  /** their text when it is not white space only (null: none) */
  const texts: (string | null)[] = [];
  /** whether a comment was seen inside */
  const comments: boolean[] = [];
  let rootName: string | null = null;
  let root: unknown;

  /** Give the value `v` of the element `name` to the open parent, or make it the root. */
  const place = (name: string, v: unknown): boolean => {
    const top = names.length - 1;
    if (top < 0) {
      if (rootName !== null) return false;
      rootName = name;
      root = v;
      return true;
    }
    if (texts[top] !== null) return false; // text next to a child element
    let children = kids[top];
    if (children === null || children === undefined) {
      children = {};
      kids[top] = children;
    }
    const cur = children[name];
    if (cur === undefined || !Object.hasOwn(children, name)) children[name] = v;
    else if (Array.isArray(cur)) cur.push(v);
    else children[name] = [cur, v];
    return true;
  };

  const nameSlots: (string | undefined)[] = new Array(NAME_SLOTS_MASK + 1);
  let i = 0;
  while (i < n) {
    const lt = xml.indexOf('<', i);
    const end = lt < 0 ? n : lt;
    if (end > i && !blank(xml, i, end)) {
      const top = names.length - 1;
      // text outside the root, next to child elements, or in two pieces around a comment
      if (top < 0 || kids[top] !== null || texts[top] !== null || comments[top]) return null;
      texts[top] = xml.slice(i, end);
    }
    if (lt < 0) break;
    const c = xml.charCodeAt(lt + 1);

    if (c === 47) {
      // </name>, </name >
      const top = names.length - 1;
      if (top < 0) return null;
      const name = names[top]!;
      if (!xml.startsWith(name, lt + 2)) return null;
      let k = lt + 2 + name.length;
      while (isSpace(xml.charCodeAt(k))) k++;
      if (xml.charCodeAt(k) !== 62) return null;
      const v = finish(kids[top] ?? null, attrs[top] ?? null, texts[top] ?? null);
      names.pop();
      kids.pop();
      attrs.pop();
      texts.pop();
      comments.pop();
      if (v === null || !place(name, v)) return null;
      i = k + 1;
      continue;
    }

    if (c === 33) {
      // a comment inside an element; CDATA, DOCTYPE and the like are left to the general path
      if (!xml.startsWith('<!--', lt)) return null;
      const close = xml.indexOf('-->', lt + 4);
      const top = names.length - 1;
      if (close < 0 || top < 0 || texts[top] !== null || xml.slice(lt + 4, close).includes('--')) return null;
      comments[top] = true;
      i = close + 3;
      continue;
    }

    // <name …>
    if (!isNameStart(c) || (names.length === 0 && rootName !== null)) return null;
    // The same few hundred names recur: a name is kept in a slot (by its length and three of its
    // characters) and its string used again (a property key V8 already knows is cheaper to store than a
    // fresh copy). `<name>` of a known name is found with one indexOf and one comparison; the `>` looked
    // for lies within the tag, which is read past anyway (or the document is declined there).
    let name: string | undefined;
    let k = xml.indexOf('>', lt + 2);
    if (k > 0) {
      const known = nameSlots[nameSlot(xml, lt, k - lt - 1)];
      if (known !== undefined && known.length === k - lt - 1 && xml.startsWith(known, lt + 1)) name = known;
    }
    if (name === undefined) {
      k = lt + 2;
      while (isNameChar(xml.charCodeAt(k))) k++;
      const len = k - lt - 1;
      const slot = nameSlot(xml, lt, len);
      name = nameSlots[slot];
      if (name === undefined || name.length !== len || !xml.startsWith(name, lt + 1)) {
        name = xml.slice(lt + 1, k);
        if (RESERVED_LENGTHS.has(len) && RESERVED.has(name)) return null;
        nameSlots[slot] = name;
      }
    }

    if (xml.charCodeAt(k) === 62) {
      // most elements: <name>text</name>, read in one step
      const next = xml.indexOf('<', k + 1);
      const after = next + 2 + name.length;
      if (
        next > 0 &&
        xml.charCodeAt(next + 1) === 47 &&
        xml.charCodeAt(after) === 62 &&
        xml.startsWith(name, next + 2)
      ) {
        const v = plain(xml, k + 1, next)
          ? xml.slice(k + 1, next)
          : blank(xml, k + 1, next)
            ? ''
            : value(xml.slice(k + 1, next));
        if (v === null || !place(name, v)) return null;
        i = after + 1;
        continue;
      }
    }

    // attributes: (space+ name="value")* space*, then > or />
    let list: string[] | null = null;
    let selfClosing = false;
    for (;;) {
      const before = k;
      while (isSpace(xml.charCodeAt(k))) k++;
      const d = xml.charCodeAt(k);
      if (d === 62) {
        k++;
        break;
      }
      if (d === 47) {
        if (xml.charCodeAt(k + 1) !== 62) return null;
        k += 2;
        selfClosing = true;
        break;
      }
      if (k === before || !isNameStart(d)) return null;
      const a = k;
      while (isNameChar(xml.charCodeAt(k))) k++;
      const attr = xml.slice(a, k);
      const q = xml.charCodeAt(k + 1);
      if (xml.charCodeAt(k) !== 61 || (q !== 34 && q !== 39)) return null;
      const close = xml.indexOf(q === 34 ? '"' : "'", k + 2);
      if (close < 0) return null;
      const raw = xml.slice(k + 2, close);
      if (raw.includes('<')) return null;
      const v = value(raw);
      if (v === null) return null;
      list ??= [];
      for (let x = 0; x < list.length; x += 2) if (list[x] === attr) return null;
      list.push(attr, v);
      k = close + 1;
    }
    i = k;
    if (selfClosing) {
      const v = finish(null, list, null);
      if (v === null || !place(name, v)) return null;
      continue;
    }
    names.push(name);
    kids.push(null);
    attrs.push(list);
    texts.push(null);
    comments.push(false);
  }
  if (names.length > 0 || rootName === null) return null;
  return { [rootName]: root };
}

/** An element's value: its text, or an object of its children and then its attributes (`@_name`). */
function finish(
  children: Record<string, unknown> | null,
  list: string[] | null,
  text: string | null,
): unknown {
  let t = '';
  if (text !== null) {
    const v = value(text);
    if (v === null) return null;
    t = v;
  }
  if (list === null) return children ?? t;
  const out: Record<string, unknown> = children ?? {};
  if (children === null && t !== '') out['#text'] = t;
  for (let x = 0; x < list.length; x += 2) out[`@_${list[x]}`] = list[x + 1];
  return out;
}
