/**
 * The fast XML reader (tools/parsers/xml-tree.ts) against fast-xml-parser, the general path: on every
 * document the fast reader accepts, the validator must find it well-formed and the parser must build the
 * same tree, key order included — so which path read an `nvidia-smi -q -x` output never shows. Real
 * documents, the bench's large ones, hand-made edge cases, and a few thousand seeded mutations.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { xmlManyGpus, xmlManyProcesses } from '../../bench/inputs.ts';
import { BARE_AMP, XML_PARSER_OPTIONS } from '../../tools/parsers/nvidia-smi-xml.ts';
import { readXmlTree } from '../../tools/parsers/xml-tree.ts';
import { lcg, readReal } from '../helpers/fixtures.ts';

const general = new XMLParser(XML_PARSER_OPTIONS);

/** The document from its root element on, as nvidia-smi-xml.ts cuts it. */
const body = (xml: string) => xml.slice(xml.indexOf('<nvidia_smi_log'));

/** null when the fast reader declined; otherwise whether both paths agree (and the JSON of each). */
function compare(doc: string): { fast: string; general: string; valid: true | string } | null {
  const tree = readXmlTree(doc);
  if (tree === null) return null;
  const escaped = doc.replace(BARE_AMP, '&amp;');
  const valid = XMLValidator.validate(escaped);
  let ref: string;
  try {
    ref = JSON.stringify(general.parse(escaped));
  } catch (e) {
    ref = `threw: ${(e as Error).message}`;
  }
  return { fast: JSON.stringify(tree), general: ref, valid: valid === true ? true : valid.err.msg };
}

function expectSame(doc: string): boolean {
  const r = compare(doc);
  if (r === null) return false;
  expect(r.valid).toBe(true);
  expect(r.fast).toBe(r.general);
  return true;
}

const REAL = [
  readReal('smi-xml/l4-2x-drv555.42.06-with-processes.xml'),
  readReal('smi-xml/a100-sxm4-80gb-mig-4x1g.20gb-drv535-gpu0-only-telegraf.xml'),
];

describe('xml-tree: the same tree as fast-xml-parser', () => {
  it('on the real documents and the bench documents, which it reads', () => {
    for (const doc of [...REAL, xmlManyGpus(400_000, 3), xmlManyProcesses(400_000, 3)])
      expect(expectSame(body(doc))).toBe(true);
  });

  it('on edge cases, or it declines them', () => {
    const read = [
      '<r><a/><b></b><c> </c><d>x</d></r>',
      '<r><a x="1"/><b x="1">t</b><c x="1"><d>1</d></c></r>',
      '<r><a>1</a><b>2</b><a>3</a></r>',
      '<r><a>&amp;&lt;&gt;&quot;&apos;</a><b>&amp;lt;</b><c>a & b</c><d>&&lt;</d><e>&abcdefghij;</e></r>',
      '<r><a x=\'1\' y="2"  /><b x=" 1 ">2</b><c x="a&b"/><d x="">1</d></r>',
      '<r><a>1</a><a/><a></a><b><c>2</c><c>3</c></b><a>4</a></r>',
      '<r>\n</r>',
      '<r/>',
      '<r x="1"><a>1</a></r>',
      '<r><a>x\r\ny\rz</a><b x="1\r\n2"/></r>',
      '<r><a>  x  y  </a><b>\t</b><c>\u00a0</c>\u00a0<d>x > y</d><e>\u000b</e>\u000c<f>\u2028x</f></r>',
      '<r><a x="1"> </a><e x="1"></e></r>',
      '<r><!--x--><a>1</a>\n<!-- c -->\n<b>2</b><!--y--><c>   <!--x--></c></r>',
      '<r><a.b-c>1</a.b-c><_x>2</_x><a  x="1"  ></a  ><b>2</b\n></r>',
      '<r><isPrototypeOf>1</isPrototypeOf><isPrototypeOf>2</isPrototypeOf><toLocaleString>x</toLocaleString></r>',
    ];
    for (const doc of read) expect(expectSame(doc), doc).toBe(true);
    const declined = [
      '<r><a>x&#65;</a></r>', // a character reference: left to fast-xml-parser (which leaves it as it is)
      '<r><a>&nbsp;</a></r>',
      '<r><a><![CDATA[x<y]]></a></r>',
      '<r><a>1</a><?pi x?></r>',
      '<r>t<a>1</a></r>', // text next to child elements
      '<r><a><!--x-->1</a></r>',
      '<r><toString>1</toString></r>', // a name fast-xml-parser refuses or renames
      '<r><constructor>1</constructor></r>',
      '<r><a>1</b></r>', // not well-formed: the general path says what is wrong
      '<r><a x="1"y="2"/></r>',
      '<r><a x="1" x="2"/></r>',
      '<r><a x=1/></r>',
      '<r><a x="<"/></r>',
      '<r><a>1</a>',
      '<r></r><s/>',
      '<r><1a/></r>',
      '<r><a:b>1</a:b></r>',
    ];
    for (const doc of declined) expect(readXmlTree(doc), doc).toBeNull();
  });

  it('on seeded mutations of the real documents: whatever it reads, fast-xml-parser reads the same', () => {
    const rnd = lcg(12);
    const pick = (n: number) => rnd() % n;
    const alphabet = [
      '<',
      '>',
      '/',
      '&',
      ';',
      '"',
      "'",
      '=',
      ' ',
      '\n',
      '\r',
      '\t',
      'a',
      '_',
      '-',
      '!',
      '?',
      '[',
      ']',
      '#',
      'x',
      '0',
      '9',
      '\u00a0',
    ];
    const inserts = ['x', ' ', '&amp;', '&lt;', '\r\n', '&#65;', 'A B', '\u00a0', '&quot;q&apos;', '&'];
    let read = 0;
    for (let k = 0; k < 1500; k++) {
      let doc = body(REAL[k % REAL.length]!);
      for (let e = 1 + pick(3); e > 0; e--) {
        const at = pick(doc.length);
        switch (pick(5)) {
          case 0:
            doc = doc.slice(0, at) + doc.slice(at + 1);
            break;
          case 1:
            doc = doc.slice(0, at) + alphabet[pick(alphabet.length)] + doc.slice(at);
            break;
          case 2:
            doc = doc.slice(0, at) + alphabet[pick(alphabet.length)] + doc.slice(at + 1);
            break;
          case 3: {
            // into the text of an element
            const gt = doc.indexOf('>', at);
            if (gt > 0) doc = doc.slice(0, gt + 1) + inserts[pick(inserts.length)] + doc.slice(gt + 1);
            break;
          }
          default: {
            // a tag repeated
            const lt = doc.indexOf('<', at);
            const gt = doc.indexOf('>', lt);
            if (lt >= 0 && gt > lt) doc = doc.slice(0, gt + 1) + doc.slice(lt, gt + 1) + doc.slice(gt + 1);
          }
        }
      }
      if (expectSame(doc)) read++;
    }
    // enough of them stay readable for the comparison to mean something
    expect(read).toBeGreaterThan(150);
  });
});
