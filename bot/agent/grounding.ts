/**
 * Grounding: every number, GPU index and identifier an answer states must be traceable to the tool results
 * of the conversation (parsed JSON, never the question). The checker returns the clauses that break the
 * rule; the loop asks the model once to restate, then removes what is still ungrounded and says so.
 *
 * Ground truth comes from walking the JSON values:
 * - numbers are values with a unit class inferred from their key (`…MiB`, `…_GB`, `…Pct`, `…_ms`, `…GBs`,
 *   `temperatureC`, `drawW`, `hours_per_day`, …), from a sibling `unit` (`{value, unit}`,
 *   `{before, after, unit}`) or from their place (under a `score` key: points); array lengths are counts;
 * - strings ground numbers only where they are quantities written with a unit, % or ×/x/배 ("51.5 ms",
 *   "12772 / 143771 MiB", "7.7×"); CPU lists, bus ids, dates and versions in strings are identifiers, and
 *   `GPU<n>` in a string is a GPU index;
 * - derived values: the difference, ratio and percentage change of two values of the same class that sit
 *   together: the numbers of one object (82.3 − 62.0 of an expectation's before/after, a GPU's used/total
 *   memory) or two quantities compared in one string ("51.5 ms instead of 6.7 ms").
 *
 * A claim written with a unit must match a value of that class (after unit conversion, rounded half away
 * from zero to the decimals shown); a claim without a unit may match any value. See docs/agent.md.
 */

export interface GroundingSources {
  /** Everything that can ground a claim: the tool results of the whole conversation, as parsed JSON data. */
  results: readonly unknown[];
}

export interface Ungrounded {
  /** the sentence (or list item, table row, code line) as it is in the answer. */
  sentence: string;
  /** the part of the sentence to remove: a clause, a comma-separated part, a parenthesis, or the sentence. */
  clause: string;
  /** the claims that no tool result supports, as written. */
  claims: string[];
}

// ---------------------------------------------------------------------------------------------------------
// units

type Cls =
  | 'pct'
  | 'points'
  | 'mem'
  | 'time'
  | 'bw'
  | 'hours'
  | 'temp'
  | 'power'
  | 'ratio'
  | 'gpus'
  | 'cpus'
  | 'gen'
  | 'width'
  | 'fraction';

interface Unit {
  cls: Cls;
  /** base units per written unit (mem: MiB, time: ms, bw: GB/s); GB/MB/TB: decimal and binary. */
  factors: readonly number[];
}

const MIB_PER = { kb: 1e3 / 2 ** 20, mb: 1e6 / 2 ** 20, gb: 1e9 / 2 ** 20, tb: 1e12 / 2 ** 20 };

/** Written units, most specific first. `tight`: only directly after the number ("7.7x", "91C"). */
const UNITS: readonly { src: string; unit: Unit; tight?: boolean; latin?: boolean }[] = [
  {
    src: 'gpu[·・•\\- ]?(?:hours?|hrs?|h)(?:\\s?(?:/|per|a)\\s?day)?',
    unit: { cls: 'hours', factors: [1] },
    latin: true,
  },
  { src: 'gpu[·・•\\- ]?시간', unit: { cls: 'hours', factors: [1] } },
  { src: '%\\s?p|pp|percentage[ -]points?', unit: { cls: 'points', factors: [1] }, latin: true },
  { src: '퍼센트\\s?포인트|%\\s?포인트', unit: { cls: 'points', factors: [1] } },
  { src: 'percent|per cent|pct', unit: { cls: 'pct', factors: [1] }, latin: true },
  { src: '%|퍼센트|프로', unit: { cls: 'pct', factors: [1] } },
  { src: 'points?|pts?', unit: { cls: 'points', factors: [1] }, latin: true },
  { src: '포인트|점', unit: { cls: 'points', factors: [1] } },
  { src: 'tb/s', unit: { cls: 'bw', factors: [1000] } },
  { src: 'gib/s', unit: { cls: 'bw', factors: [2 ** 30 / 1e9] } },
  { src: 'gb/s|gb per second|기가바이트/초', unit: { cls: 'bw', factors: [1] } },
  { src: 'mib/s', unit: { cls: 'bw', factors: [2 ** 20 / 1e9] } },
  { src: 'mb/s', unit: { cls: 'bw', factors: [1e-3] } },
  { src: 'tib', unit: { cls: 'mem', factors: [2 ** 20] }, latin: true },
  { src: 'gib', unit: { cls: 'mem', factors: [1024] }, latin: true },
  { src: 'mib', unit: { cls: 'mem', factors: [1] }, latin: true },
  { src: 'kib', unit: { cls: 'mem', factors: [1 / 1024] }, latin: true },
  { src: 'tb', unit: { cls: 'mem', factors: [MIB_PER.tb, 2 ** 20] }, latin: true },
  { src: 'gb', unit: { cls: 'mem', factors: [MIB_PER.gb, 1024] }, latin: true },
  { src: 'mb', unit: { cls: 'mem', factors: [MIB_PER.mb, 1] }, latin: true },
  { src: '테라바이트|테라', unit: { cls: 'mem', factors: [MIB_PER.tb, 2 ** 20] } },
  { src: '기가바이트|기가', unit: { cls: 'mem', factors: [MIB_PER.gb, 1024] } },
  { src: '메가바이트|메가', unit: { cls: 'mem', factors: [MIB_PER.mb, 1] } },
  { src: 'ms|msec|milliseconds?', unit: { cls: 'time', factors: [1] }, latin: true },
  { src: '밀리초', unit: { cls: 'time', factors: [1] } },
  { src: 'µs|us|microseconds?', unit: { cls: 'time', factors: [1e-3] }, latin: true },
  { src: 'seconds?|secs?|s', unit: { cls: 'time', factors: [1000] }, latin: true },
  { src: '초', unit: { cls: 'time', factors: [1000] } },
  { src: 'minutes?|mins?', unit: { cls: 'time', factors: [60_000] }, latin: true },
  { src: '분', unit: { cls: 'time', factors: [60_000] } },
  { src: 'hours?|hrs?|h', unit: { cls: 'hours', factors: [1] }, latin: true },
  { src: '시간', unit: { cls: 'hours', factors: [1] } },
  { src: 'days?', unit: { cls: 'hours', factors: [24] }, latin: true },
  { src: '일', unit: { cls: 'hours', factors: [24] } },
  { src: '°\\s?c|℃|degrees?(?: c(?:elsius)?)?', unit: { cls: 'temp', factors: [1] }, latin: true },
  { src: '도', unit: { cls: 'temp', factors: [1] } },
  { src: 'kw', unit: { cls: 'power', factors: [1000] }, latin: true },
  { src: 'watts?|w', unit: { cls: 'power', factors: [1] }, latin: true },
  { src: '와트', unit: { cls: 'power', factors: [1] } },
  { src: 'times|-?fold', unit: { cls: 'ratio', factors: [1] }, latin: true },
  { src: '×|배', unit: { cls: 'ratio', factors: [1] } },
  { src: 'x', unit: { cls: 'ratio', factors: [1] }, latin: true, tight: true },
  { src: 'gpus?|gpu\\(s\\)', unit: { cls: 'gpus', factors: [1] }, latin: true },
  { src: '장', unit: { cls: 'gpus', factors: [1] } },
  { src: 'vcpus?|cpus?|cores?|threads?', unit: { cls: 'cpus', factors: [1] }, latin: true },
  { src: '코어|스레드', unit: { cls: 'cpus', factors: [1] } },
  { src: 'c', unit: { cls: 'temp', factors: [1] }, latin: true, tight: true },
];

const unitAlt = (u: (typeof UNITS)[number]) => `(?:${u.src})${u.latin ? '(?![a-z0-9_]|\\.[a-z0-9])' : ''}`;
/** Any written unit, with the optional space before it. */
const UNIT_SRC = `(?:\\s?(?:${UNITS.filter((u) => !u.tight)
  .map(unitAlt)
  .join('|')})|(?:${UNITS.filter((u) => u.tight)
  .map(unitAlt)
  .join('|')}))`;
const UNIT_EXACT = UNITS.map((u) => ({ re: new RegExp(`^(?:${u.src})$`, 'i'), unit: u.unit }));

function unitOf(written: string): Unit | null {
  const w = written.trim();
  for (const u of UNIT_EXACT) if (u.re.test(w)) return u.unit;
  return null;
}

// ---------------------------------------------------------------------------------------------------------
// the index of the tool results

const NUM = String.raw`\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?`;
const parseNum = (s: string) => Number(s.replace(/[,\s]/g, ''));
const decimalsOf = (s: string) => {
  const i = s.indexOf('.');
  return i < 0 ? 0 : s.length - i - 1;
};

/** Quantities written in a result string: "51.5 ms", "12772 / 143771 MiB", "×2.44", "10–20%". */
const STRING_QTY = new RegExp(
  String.raw`(?<![\w.,:/\-])[−\-+~≈]?(${NUM})(?:\s?(?:/|of|to|→|->|–|-|~)\s?(${NUM}))?(${UNIT_SRC})` +
    String.raw`|(?<![\w.])[×x](\d+(?:\.\d+)?)(?![\w]|\.\d)` +
    String.raw`|(?<![\w.])gen\s?(\d+)(?![\w.])`,
  'gi',
);
/** What joins two quantities that are compared in a result string. */
const COMPARISON = /^\s*(?:\/|of|out of|instead of|vs\.?|versus|to|→|->|대신|대비|중|에서)\s*$/i;
const STRING_GPU = /(?<![\w.-])GPU\s?(\d+)(\s?(?:개|장))?/g;
const STRING_VM = /\b(?:vm\s?|qm \w+ |qemu-server\/)(\d+)\b/gi;

/** Keys whose numbers are GPU indexes (an element of `gpus: [3, 5]`), CPU ids (never values). */
const GPU_LIST_KEY = /(?:^|[a-z_])gpus$/i;
const CPU_LIST_KEY = /cpus$/i;

interface Val {
  cls: Cls;
  v: number;
  /** the second reading of an ambiguous unit (GB as GiB): a value, but not paired with others. */
  alt?: true;
}

/** The classes of a number, from its key (and the object it is in). */
function keyClasses(key: string, v: number, ctx: Ctx): Val[] {
  const out: Val[] = [];
  const a = Math.abs(v);
  const add = (cls: Cls, factor = 1) => out.push({ cls, v: a * factor });
  if (/GBs(?![a-z])|GiBs|_gbps|Gbps/.test(key)) add('bw');
  else {
    const mem = /(TiB|GiB|MiB|KiB)|(?:^|_|[a-z])(TB|GB|MB)(?![a-zA-Z])/.exec(key);
    if (mem) {
      const u = (mem[1] ?? mem[2] ?? '').toLowerCase();
      const f =
        u === 'tib' ? 2 ** 20 : u === 'gib' ? 1024 : u === 'mib' ? 1 : u === 'kib' ? 1 / 1024 : undefined;
      add('mem', f ?? MIB_PER[u as keyof typeof MIB_PER]);
    }
  }
  if (/Pct$|(?:^|_)pct(?:_|$)|[Pp]ercent/.test(key)) add('pct');
  if (/(?:^|_)ms$|[a-z]Ms$/.test(key)) add('time');
  else if (/(?:^|_)(?:s|sec|seconds)$|[a-z](?:Sec|Seconds)$/.test(key)) add('time', 1000);
  if (/(?:^|_)h(?:ours)?(?:_per_day)?$|[Hh]ours|_h_per_day/.test(key)) add('hours');
  if (/temp/i.test(key)) add('temp');
  if (/(?:[a-z]|^|_)W$/.test(key) || /watts?$/i.test(key)) add('power');
  if (/_over_|[a-z]Over[A-Z]|[Rr]atio|[Ss]peedup|[Ss]lowdown|[Ff]actor/.test(key)) add('ratio');
  if (/[Ss]hare|[Ff]raction|[Nn]eed$|[Ff]reed|Part$|[Ww]eight/.test(key) && a <= 1) add('fraction');
  if (/^gen|[a-z]Gen|_gen(?:_|$)|gen(?:Current|Max)/i.test(key) && Number.isInteger(v)) add('gen');
  if (/width/i.test(key) && Number.isInteger(v)) add('width');
  if (/(?:^|_|[a-z])(?:gpus|Gpus|GPUs)$|[Ff]reed$|free_after|gpu_?count/i.test(key)) add('gpus');
  if (/cpus$|^cores$|[a-z]Cores$|vcpus/i.test(key)) add('cpus');
  if (/score|objective|^bound$|grade/i.test(key)) add('points');
  if (out.length > 0) return out;
  if (ctx.unit && /^(?:value|before|after|now|then)$/.test(key)) return [{ cls: ctx.unit.cls, v: a }];
  if (ctx.parentUnit && /_(?:before|after)$/.test(key)) return [{ cls: ctx.parentUnit.cls, v: a }];
  if (ctx.weights && a <= 1) return [{ cls: 'fraction', v: a }];
  if (ctx.score) return [{ cls: 'points', v: a }];
  return out;
}

interface Ctx {
  score: boolean;
  weights: boolean;
  unit: Unit | null;
  parentUnit: Unit | null;
}

/** Caps that keep the index bounded whatever the tools return. */
const MAX_NODES = 500_000;
const MAX_GROUP = 48;
const MAX_DERIVED = 200_000;
/** Classes of physical quantities, whose pairs make sense as ratios (not scores, percentages, ratios). */
const RATIO_CLASSES: ReadonlySet<Cls> = new Set(['mem', 'time', 'bw', 'hours', 'power']);
/** Classes whose differences may ground a claim written without a unit ("rises by 20.3"). */
const UNITLESS_DIFFS: readonly Cls[] = ['points', 'pct', 'time', 'bw', 'hours', 'power', 'temp'];

const normText = (s: string) =>
  s
    .toLowerCase()
    .replace(/[‐‑‒–—−]/g, '-')
    .replace(/[‘’]/g, "'")
    .replace(/[“”]/g, '"')
    .replace(/\s+/g, ' ')
    .trim();

const isAlnum = (c: string | undefined) => c !== undefined && /[a-z0-9]/i.test(c);

/** Sorted numbers with an interval query. */
class Sorted {
  private xs: number[] = [];
  private sorted = true;
  push(x: number) {
    if (!Number.isFinite(x)) return;
    this.xs.push(x);
    this.sorted = false;
  }
  /** any x with lo ≤ x ≤ hi. */
  has(lo: number, hi: number): boolean {
    if (!this.sorted) {
      this.xs = [...new Set(this.xs)].sort((a, b) => a - b);
      this.sorted = true;
    }
    let l = 0;
    let h = this.xs.length;
    while (l < h) {
      const m = (l + h) >> 1;
      if (this.xs[m]! < lo) l = m + 1;
      else h = m;
    }
    return l < this.xs.length && this.xs[l]! <= hi;
  }
}

/** Build once per conversation turn and reuse (answers are checked more than once). */
export class GroundingIndex {
  private readonly direct = new Map<Cls, Sorted>();
  private readonly diffs = new Map<Cls, Sorted>();
  private readonly ratios = new Sorted();
  /** percentages that one value implies: a fraction or ratio × 100, its complement, 100 − a percentage. */
  private readonly pctOf = new Sorted();
  /** every number as it is (and every string quantity as written): for claims without a unit. */
  private readonly raw = new Sorted();
  private readonly gpuIndexes = new Set<number>();
  private readonly vmIds = new Set<number>();
  private readonly strings = new Set<string>();
  private readonly seenStrings = new Set<string>();
  private hay: string | null = null;
  private readonly memo = new Map<string, boolean>();
  private nodes = 0;
  private derived = 0;

  constructor(results: readonly unknown[]) {
    for (const r of results) this.add(r);
  }

  add(result: unknown): void {
    this.hay = null;
    this.memo.clear();
    this.visit(result, '', { score: false, weights: false, unit: null, parentUnit: null });
  }

  // ---- building

  private put(map: Map<Cls, Sorted>, cls: Cls, v: number) {
    const s = map.get(cls) ?? new Sorted();
    map.set(cls, s);
    s.push(v);
  }

  private value(val: Val) {
    this.put(this.direct, val.cls, val.v);
    if (val.cls === 'fraction' || (val.cls === 'ratio' && val.v <= 1)) {
      this.pctOf.push(val.v * 100);
      this.pctOf.push((1 - val.v) * 100);
    } else if (val.cls === 'ratio') {
      this.pctOf.push(val.v * 100);
      this.pctOf.push((val.v - 1) * 100);
    } else if (val.cls === 'pct' && val.v <= 100) this.pctOf.push(100 - val.v);
  }

  /** A string: identifiers, GPU indexes, VM ids, and the quantities written with a unit. */
  private text(s: string) {
    if (s.length > 20_000) s = s.slice(0, 20_000);
    if (this.seenStrings.has(s)) return;
    this.seenStrings.add(s);
    this.strings.add(normText(s));
    const qs = this.quantities(s);
    for (const m of s.matchAll(STRING_GPU))
      if (!m[2]) this.gpuIndexes.add(Number(m[1]));
      else qs.push({ cls: 'gpus', v: Number(m[1]) });
    for (const m of s.matchAll(STRING_VM)) this.vmIds.add(Number(m[1]));
    for (const q of qs) this.value(q);
  }

  /**
   * The quantities of a string. Two quantities joined by a comparison ("51.5 ms instead of 6.7 ms",
   * "12772 / 143771 MiB", "262 W / 350 W") are paired for derived values; others in the string are not.
   */
  private quantities(s: string): Val[] {
    const out: Val[] = [];
    let prev: { end: number; vals: Val[] } | null = null;
    for (const m of s.matchAll(STRING_QTY)) {
      const vals: Val[] = [];
      if (m[1] !== undefined) {
        const unit = unitOf(m[3]!);
        if (!unit) continue;
        const pair: Val[] = [];
        for (const w of [m[1], m[2]]) {
          if (w === undefined) continue;
          const v = Math.abs(parseNum(w));
          this.raw.push(v);
          unit.factors.forEach((f, i) => {
            const val: Val = i === 0 ? { cls: unit.cls, v: v * f } : { cls: unit.cls, v: v * f, alt: true };
            vals.push(val);
            if (i === 0) pair.push(val);
          });
        }
        if (pair.length === 2) this.derive(pair);
      } else if (m[4] !== undefined) {
        const v = Number(m[4]);
        this.raw.push(v);
        vals.push({ cls: 'ratio', v });
        if (/^x\d+$/i.test(m[0])) vals.push({ cls: 'width', v });
      } else if (m[5] !== undefined) {
        this.raw.push(Number(m[5]));
        vals.push({ cls: 'gen', v: Number(m[5]) });
      }
      if (prev && COMPARISON.test(s.slice(prev.end, m.index))) this.derive([...prev.vals, ...vals]);
      prev = { end: m.index + m[0].length, vals };
      out.push(...vals);
    }
    return out;
  }

  /** Walks a JSON value; returns the classified values of a number (its object pairs them). */
  private visit(node: unknown, key: string, ctx: Ctx): Val[] {
    if (++this.nodes > MAX_NODES) return [];
    if (typeof node === 'number') {
      this.raw.push(Math.abs(node));
      const own = keyClasses(key, node, ctx);
      for (const v of own) this.value(v);
      return own;
    }
    if (typeof node === 'string') {
      this.text(node);
      return [];
    }
    if (Array.isArray(node)) {
      this.raw.push(node.length);
      if (GPU_LIST_KEY.test(key)) this.value({ cls: 'gpus', v: node.length });
      if (CPU_LIST_KEY.test(key)) this.value({ cls: 'cpus', v: node.length });
      for (const x of node) {
        if (typeof x === 'number') {
          if (CPU_LIST_KEY.test(key)) continue; // CPU ids are not quantities
          if (GPU_LIST_KEY.test(key) && Number.isInteger(x)) this.gpuIndexes.add(x);
          this.raw.push(Math.abs(x));
        } else this.visit(x, key, ctx);
      }
      return [];
    }
    if (node === null || typeof node !== 'object') return [];
    const o = node as Record<string, unknown>;
    if ((GPU_LIST_KEY.test(key) || 'busId' in o || 'uuid' in o) && typeof o.index === 'number')
      this.gpuIndexes.add(o.index);
    const unit = typeof o.unit === 'string' ? unitOf(o.unit) : null;
    const group: Val[] = [];
    for (const [k, v] of Object.entries(o)) {
      if (/\d/.test(k)) this.strings.add(normText(k));
      if (/vmid/i.test(k) && typeof v === 'number') this.vmIds.add(v);
      if (typeof v === 'number') group.push(...this.visit(v, k, { ...ctx, unit }));
      else
        this.visit(v, k, {
          score: ctx.score || /score|objective|gradeScale/i.test(k),
          weights: /^weights?$/i.test(k),
          unit: null,
          parentUnit: unit,
        });
    }
    this.derive(group);
    return [];
  }

  /** Differences and ratios of the values that sit together: the numbers of one object, or of one string. */
  private derive(group: Val[]) {
    if (group.length < 2 || this.derived > MAX_DERIVED) return;
    const byCls = new Map<Cls, number[]>();
    for (const g of group) {
      if (g.alt || g.cls === 'gen' || g.cls === 'width' || g.cls === 'cpus') continue;
      const xs = byCls.get(g.cls) ?? [];
      if (xs.length < MAX_GROUP && !xs.includes(g.v)) xs.push(g.v);
      byCls.set(g.cls, xs);
    }
    for (const [cls, xs] of byCls) {
      for (let i = 0; i < xs.length; i++)
        for (let j = i + 1; j < xs.length; j++) {
          const a = xs[i]!;
          const b = xs[j]!;
          this.put(this.diffs, cls, Math.abs(a - b));
          if (RATIO_CLASSES.has(cls) && a > 0 && b > 0) {
            this.ratios.push(a / b);
            this.ratios.push(b / a);
          }
          this.derived += 3;
        }
    }
  }

  // ---- queries

  /** The text (lower case) contains the token with no letter or digit right before or after it. */
  hasToken(token: string): boolean {
    const t = normText(token);
    if (t === '') return true;
    const hit = this.memo.get(t);
    if (hit !== undefined) return hit;
    if (this.hay === null) this.hay = [...this.strings].join('\n');
    let found = false;
    for (let i = this.hay.indexOf(t); i >= 0; i = this.hay.indexOf(t, i + 1)) {
      const before = this.hay[i - 1];
      const after = this.hay[i + t.length];
      if ((!isAlnum(t[0]) || !isAlnum(before)) && (!isAlnum(t[t.length - 1]) || !isAlnum(after))) {
        found = true;
        break;
      }
    }
    this.memo.set(t, found);
    return found;
  }

  hasGpu(n: number): boolean {
    return this.gpuIndexes.has(n);
  }

  hasVm(n: number): boolean {
    return this.vmIds.has(n);
  }

  /** A number written with `decimals` decimals in `unit` (null: no unit) that a result supports. */
  hasNumber(written: number, decimals: number, unit: Unit | null): boolean {
    const c = Math.abs(written);
    const h = 0.5 / 10 ** decimals;
    const eps = 1e-9;
    const within = (s: Sorted | undefined, f = 1, scale = 1) =>
      s?.has((c - h) * f * scale * (1 - eps) - eps, (c + h) * f * scale * (1 + eps) + eps) ?? false;
    if (unit === null) {
      if (within(this.raw)) return true;
      return decimals > 0 && UNITLESS_DIFFS.some((cls) => within(this.diffs.get(cls)));
    }
    const d = this.direct;
    switch (unit.cls) {
      case 'pct':
        return (
          within(d.get('pct')) ||
          within(this.pctOf) ||
          within(this.diffs.get('pct')) ||
          (c <= 100 && within(this.ratios, 0.01)) ||
          this.ratios.has(1 + (c - h) / 100 - eps, 1 + (c + h) / 100 + eps) ||
          this.ratios.has(1 - (c + h) / 100 - eps, 1 - (c - h) / 100 + eps)
        );
      case 'points':
        return within(d.get('points')) || within(this.diffs.get('points')) || within(this.diffs.get('pct'));
      case 'ratio':
        return within(d.get('ratio')) || within(this.ratios);
      case 'width':
        return within(d.get('width')) || within(d.get('ratio')) || within(this.ratios);
      case 'gen':
      case 'cpus':
        return within(d.get(unit.cls));
      default:
        return unit.factors.some((f) => within(d.get(unit.cls), f) || within(this.diffs.get(unit.cls), f));
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// claims in the answer

type Claim =
  | {
      kind: 'num';
      text: string;
      at: number;
      value: number;
      decimals: number;
      unit: Unit | null;
      label: string;
    }
  | { kind: 'gpu' | 'vm'; text: string; at: number; n: number }
  | { kind: 'id'; text: string; at: number };

const GEN: Unit = { cls: 'gen', factors: [1] };
const WIDTH: Unit = { cls: 'width', factors: [1] };
const RATIO: Unit = { cls: 'ratio', factors: [1] };
const POINTS: Unit = { cls: 'points', factors: [1] };
const GPUS: Unit = { cls: 'gpus', factors: [1] };

/** Technical vocabulary with digits that is not a claim about the results. */
const VOCABULARY = new Set([
  'p2p',
  'h2d',
  'd2h',
  'fp8',
  'fp16',
  'bf16',
  'fp32',
  'tf32',
  'fp64',
  'int4',
  'int8',
  'ipv4',
  'ipv6',
  'x86',
  'x86_64',
]);

const LIST_SEP = String.raw`\s*(?:,\s*and|,\s*or|,|and|or|&|/|와|과|및|·)\s*`;
const MASTER = new RegExp(
  [
    String.raw`(?<code>\x60[^\x60\n]+\x60)`,
    // not claims: Slack mentions and links, URLs, dates, 24/7, ordinals, years in prose
    String.raw`(?<skip><[@#!][^>\s]*>|<https?:[^>\s]+>|https?:\/\/[^\s)>\]]+|(?<![\w.])\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?Z?)?(?![\w.])|\d{4}년(?:\s?\d{1,2}월)?(?:\s?\d{1,2}일)?|\d{1,2}월\s?\d{1,2}일|(?<![\w.:])\d{1,2}:\d{2}(?::\d{2})?(?![\w.:])|(?<![\w./])24\/7(?![\w/])|(?<![\w.])\d+(?:st|nd|rd|th)(?![\w])|\d+\s?번째|(?<=\b(?:in|since|by|until|year)\s)(?:19|20)\d{2}(?![\w.,%])|(?<![\w.])\/\s?100(?![\d.]))`,
    // Korean "5번 GPU", "2번과 5번"
    String.raw`(?<kidx>(?<![\w.])\d+\s?번(?:\s*(?:,|와|과|및)\s*\d+\s?번)*)`,
    // GPU5, GPU 5, GPUs 2 and 5, GPU 2, 3, GPU 5번; GPU 2개 (a count)
    String.raw`(?<gpu>(?<![\w.\-])gpus?\s?#?\d+(?![\d.]\d|\d)(?:\s?(?:번|개|장|대))?(?:${LIST_SEP}(?:gpus?\s?)?\d+(?:\s?번)?(?![\d.]|${UNIT_SRC}))*)`,
    String.raw`(?<vm>(?<![\w.\-])vms?\s?#?\d+(?:${LIST_SEP}(?:vms?\s?)?\d+(?![\d.]))*)`,
    String.raw`(?<gen>(?<![\w.])gen\s?\d+(?![\w.]))`,
    String.raw`(?<xpre>(?<![\w.])[×x]\s?\d+(?:\.\d+)?(?![\w]|\.\d))`,
    // arithmetic "0.5 × 4": two numbers, not a ratio
    String.raw`(?<mul>(?<![\w.,:/\-])(?:${NUM})\s?[×*]\s?(?:${NUM})(?![\w]|\.\d))`,
    String.raw`(?<outof>(?<![\w.,])(?:${NUM})\s?(?:\/|out of)\s?100(?!\d|[.,]\d|\s?%)|100\s?점\s?만점에?\s?(?:${NUM})\s?점)`,
    String.raw`(?<qty>(?<![\w.,:/\-])[−\-+±~≈]?(?:${NUM})(?:\s?(?:\/|of|out of|to|→|->|–|-|~|중|대비|에서)\s?(?:${NUM}))?${UNIT_SRC})`,
    String.raw`(?<range>(?<![\w.,\-])\d+[-–]\d+(?:,\d+(?:[-–]\d+)?)*(?![\w.\-])|(?<![\w.,\-])\d+(?:,\d+)*,\d+[-–]\d+(?:,\d+(?:[-–]\d+)?)*(?![\w.\-]))`,
    String.raw`(?<frac>(?<![\w./])\d+\/\d+(?![\w/]|\.\d))`,
    String.raw`(?<num>(?<![\w.,:/\-])[−\-+]?(?:${NUM})(?![\w:]|[.,]\d))`,
    String.raw`(?<word>(?<![\w.\-])[a-z0-9][\w.:\-]*)`,
  ].join('|'),
  'gi',
);
const NUM_RE = new RegExp(NUM, 'g');
const QTY_PARTS = new RegExp(
  String.raw`^[−\-+±~≈]?(${NUM})(?:\s?(?:\/|of|out of|to|→|->|–|-|~|중|대비|에서)\s?(${NUM}))?(.*)$`,
  'is',
);

function numClaim(text: string, at: number, written: string, unit: Unit | null, label = ''): Claim {
  return {
    kind: 'num',
    text,
    at,
    value: parseNum(written),
    decimals: decimalsOf(written.replace(/,/g, '')),
    unit,
    label,
  };
}

/** The claims of a piece of text (a sentence or a code line), with their offsets in it. */
function claimsOf(text: string, index: GroundingIndex, base = 0): Claim[] {
  const out: Claim[] = [];
  // markdown emphasis is not part of a token (same length, so offsets stay)
  const scan = text.replace(/\*|~~|(?<![a-z0-9])_+|_+(?![a-z0-9])/gi, (m) => ' '.repeat(m.length));
  const hasGpuWord = /gpu/i.test(scan);
  for (const m of scan.matchAll(MASTER)) {
    const g = m.groups!;
    const s = m[0];
    const at = base + m.index;
    if (g.code !== undefined) {
      const inner = s.slice(1, -1);
      if (/\S\s+\S/.test(inner.trim()) && index.hasToken(inner)) continue; // a command copied from a result
      out.push(...claimsOf(inner, index, at + 1));
    } else if (g.skip !== undefined) {
    } else if (g.kidx !== undefined) {
      for (const n of s.match(/\d+/g) ?? [])
        out.push(hasGpuWord ? { kind: 'gpu', text: `${n}번`, at, n: Number(n) } : numClaim(n, at, n, null));
    } else if (g.gpu !== undefined) {
      const count = /^gpus?\s?#?(\d+)\s?(?:개|장|대)/i.exec(s);
      if (count) out.push(numClaim(s.trim(), at, count[1]!, GPUS));
      else
        for (const n of s.match(/\d+/g) ?? []) out.push({ kind: 'gpu', text: `GPU${n}`, at, n: Number(n) });
    } else if (g.vm !== undefined) {
      for (const n of s.match(/\d+/g) ?? []) out.push({ kind: 'vm', text: `VM ${n}`, at, n: Number(n) });
    } else if (g.gen !== undefined) {
      if (!index.hasToken(s)) out.push(numClaim(s, at, s.replace(/\D/g, ''), GEN));
    } else if (g.xpre !== undefined) {
      const n = s.replace(/^[×x]\s?/i, '');
      out.push(numClaim(s, at, n, /^x\d+$/i.test(s) ? WIDTH : RATIO));
    } else if (g.mul !== undefined) {
      for (const n of s.match(NUM_RE) ?? []) out.push(numClaim(n, at, n, null));
    } else if (g.outof !== undefined) {
      const n = /100\s?점\s?만점/.test(s) ? s.replace(/^100\s?점\s?만점에?\s?/, '') : s;
      out.push(numClaim(s, at, n.match(NUM_RE)![0]!, POINTS));
    } else if (g.qty !== undefined) {
      const parts = QTY_PARTS.exec(s);
      const unit = parts ? unitOf(parts[3]!) : null;
      if (!parts || !unit) continue;
      for (const w of [parts[1], parts[2]]) if (w !== undefined) out.push(numClaim(s.trim(), at, w, unit));
    } else if (g.range !== undefined) {
      out.push({ kind: 'id', text: s, at });
    } else if (g.frac !== undefined) {
      for (const n of s.split('/')) out.push(numClaim(s, at, n, null));
    } else if (g.num !== undefined) {
      const label = /([a-z가-힣]+)\s*$/i.exec(scan.slice(0, m.index))?.[1] ?? '';
      out.push(numClaim(s, at, s.replace(/^[−\-+]/, ''), null, label));
    } else if (g.word !== undefined) {
      const tok = s.replace(/[.:-]+$/, '');
      if (!/\d/.test(tok) || VOCABULARY.has(tok.toLowerCase())) continue;
      if (/^\d+$/.test(tok)) out.push(numClaim(tok, at, tok, null));
      else out.push({ kind: 'id', text: tok, at });
    }
  }
  return out;
}

function grounded(c: Claim, index: GroundingIndex): boolean {
  switch (c.kind) {
    case 'gpu':
      return index.hasGpu(c.n);
    case 'vm':
      return index.hasVm(c.n) || index.hasToken(`vm ${c.n}`);
    case 'id':
      return index.hasToken(c.text);
    case 'num':
      return (
        index.hasNumber(c.value, c.decimals, c.unit) ||
        // a label and its number as a result writes them ("profile id 19")
        (c.unit === null && c.label !== '' && index.hasToken(`${c.label} ${c.text}`))
      );
  }
}

// ---------------------------------------------------------------------------------------------------------
// lines, sentences, clauses

interface Line {
  prefix: string;
  body: string;
  kind: 'text' | 'code' | 'fence' | 'table' | 'blank';
}

const LIST_PREFIX = /^(\s*(?:#{1,6}\s+)?(?:>\s*)?(?:(?:\d{1,3}[.)]|[-*•+])\s+)?)/;

function linesOf(answer: string): Line[] {
  const out: Line[] = [];
  let fence = false;
  for (const raw of answer.split('\n')) {
    if (/^\s*(?:```|~~~)/.test(raw)) {
      fence = !fence;
      out.push({ prefix: raw, body: '', kind: 'fence' });
    } else if (fence) out.push({ prefix: '', body: raw, kind: raw.trim() === '' ? 'blank' : 'code' });
    else if (raw.trim() === '') out.push({ prefix: raw, body: '', kind: 'blank' });
    else if (/^\s*\|/.test(raw)) out.push({ prefix: '', body: raw, kind: 'table' });
    else {
      const prefix = LIST_PREFIX.exec(raw)?.[1] ?? '';
      out.push({ prefix, body: raw.slice(prefix.length), kind: 'text' });
    }
  }
  return out;
}

const ABBREV = /\b(?:e\.g|i\.e|vs|approx|no|fig|cf|mr|dr|ca)\.$/i;

/** Sentences of a line, with the whitespace between them kept. */
function sentencesOf(body: string): string[] {
  const masked = body.replace(/`[^`\n]*`/g, (m) => 'x'.repeat(m.length));
  const out: string[] = [];
  let start = 0;
  const re = /[.!?。](?=\s+\S)|(?<=[다요])\.(?=[^\s\d.])/g;
  for (const m of masked.matchAll(re)) {
    const end = m.index + 1;
    const head = masked.slice(start, end);
    const next = masked.slice(end).trimStart();
    if (ABBREV.test(head) || /^[a-z]/.test(next)) continue;
    out.push(body.slice(start, end));
    start = end;
    while (start < body.length && /\s/.test(body[start]!)) start++;
  }
  out.push(body.slice(start));
  return out.filter((s) => s.trim() !== '');
}

interface Span {
  start: number;
  end: number;
}

const SEPARATOR =
  /\s*;\s*|\s+[—–]\s+|\s*—\s*|\s+--\s+|,\s+(?:and then|and|but|while|whereas|so|yet|although|though)\s+|,\s+(?=which\b)|\s+및\s+|(?<=(?:고|며|지만|는데|으나|면서|므로|어서|아서|해서)),\s*/gi;

/** Offsets of the parts of `s` between separators at parenthesis depth 0 and outside code spans. */
function split(s: string, sep: RegExp, span: Span): Span[] {
  const text = s.slice(span.start, span.end);
  const depth: number[] = [];
  let d = 0;
  let code = false;
  for (const ch of text) {
    if (ch === '`') code = !code;
    if (!code && (ch === '(' || ch === '[' || ch === '（')) d++;
    depth.push(code ? 1 : d);
    if (!code && (ch === ')' || ch === ']' || ch === '）')) d = Math.max(0, d - 1);
  }
  const out: Span[] = [];
  let from = 0;
  for (const m of text.matchAll(sep)) {
    if (m[0].length === 0 || (depth[m.index] ?? 0) > 0) continue;
    if (m.index > from) out.push({ start: span.start + from, end: span.start + m.index });
    from = m.index + m[0].length;
  }
  if (from < text.length) out.push({ start: span.start + from, end: span.end });
  return out.filter((p) => s.slice(p.start, p.end).trim() !== '');
}

/** The body of a sentence without its final punctuation. */
function bodySpan(sentence: string): Span {
  const m = /[.!?。:]*\s*$/.exec(sentence);
  return { start: 0, end: m ? m.index : sentence.length };
}

function parens(s: string, span: Span): Span[] {
  const out: Span[] = [];
  let d = 0;
  let open = -1;
  for (let i = span.start; i < span.end; i++) {
    const ch = s[i];
    if (ch === '(' || ch === '（') {
      if (d === 0) open = i;
      d++;
    } else if ((ch === ')' || ch === '）') && d > 0) {
      d--;
      if (d === 0) out.push({ start: open, end: i + 1 });
    }
  }
  return out;
}

const inside = (at: number, sp: Span) => at >= sp.start && at < sp.end;

/** The smallest part of the sentence that holds the bad claims of one clause. */
function removalUnits(s: string, clause: Span, claims: Claim[], bad: Claim[]): Span[] {
  const text = s.slice(clause.start, clause.end);
  // a parenthesis that holds every bad claim, with text outside it
  for (const p of parens(s, clause))
    if (
      bad.every((c) => inside(c.at, p)) &&
      (s.slice(clause.start, p.start) + s.slice(p.end, clause.end)).trim()
    )
      return [p];
  // comma-separated facts ("GPU2 at 34%, GPU3 at 49%"): each part holds a claim
  const parts = split(s, /,\s+/g, clause);
  if (parts.length > 1 && parts.every((p) => claims.some((c) => inside(c.at, p)))) {
    const hit = parts.filter((p) => bad.some((c) => inside(c.at, p)));
    if (hit.length < parts.length) return hit;
  }
  return text.trim() ? [clause] : [];
}

function checkSentence(sentence: string, index: GroundingIndex, table: boolean): Ungrounded[] {
  const claims = claimsOf(sentence, index);
  const bad = claims.filter((c) => !grounded(c, index));
  // a sentence copied from a result (a command written without backticks, a finding's title)
  if (bad.length === 0 || verbatim(sentence, index)) return [];
  const names = (cs: Claim[]) => [...new Set(cs.map((c) => c.text))];
  if (table) return [{ sentence, clause: sentence, claims: names(bad) }];
  const clauses = split(sentence, SEPARATOR, bodySpan(sentence));
  const out: Ungrounded[] = [];
  let wholeClauses = 0;
  for (const cl of clauses) {
    const here = bad.filter((c) => inside(c.at, cl));
    if (here.length === 0) continue;
    for (const u of removalUnits(sentence, cl, claims, here)) {
      if (u.start === cl.start && u.end === cl.end) wholeClauses++;
      out.push({
        sentence,
        clause: sentence.slice(u.start, u.end),
        claims: names(here.filter((c) => inside(c.at, u))),
      });
    }
  }
  // a claim outside every clause, or nothing left once the clauses go: the sentence
  const covered = new Set(out.flatMap((p) => p.claims));
  if (names(bad).some((n) => !covered.has(n)) || wholeClauses >= clauses.length)
    return [{ sentence, clause: sentence, claims: names(bad) }];
  return out;
}

function verbatim(sentence: string, index: GroundingIndex): boolean {
  const body = sentence.slice(0, bodySpan(sentence).end).replace(/^[\s*_]+|[\s*_]+$/g, '');
  return /\S\s+\S/.test(body) && index.hasToken(body);
}

function checkCodeLine(line: string, index: GroundingIndex): Ungrounded[] {
  const cmd = line.replace(/^\s*\$\s+/, '');
  const [command, comment] = cmd.split(/\s+#\s/, 2) as [string, string | undefined];
  const verbatim = /\S\s+\S/.test(command.trim()) && index.hasToken(command);
  const claims = [
    ...(verbatim ? [] : claimsOf(command, index)),
    ...(comment === undefined ? [] : claimsOf(comment, index)),
  ];
  const bad = claims.filter((c) => !grounded(c, index));
  return bad.length === 0
    ? []
    : [{ sentence: line, clause: line, claims: [...new Set(bad.map((c) => c.text))] }];
}

/**
 * The clauses of `answer` that state a number, GPU index or identifier no tool result supports. Linear in
 * the answer's length; each claim is a few binary searches and (memoised) substring look-ups.
 */
export function checkGrounding(answer: string, sources: GroundingSources | GroundingIndex): Ungrounded[] {
  const index = sources instanceof GroundingIndex ? sources : new GroundingIndex(sources.results);
  const out: Ungrounded[] = [];
  for (const line of linesOf(answer)) {
    if (line.kind === 'code') out.push(...checkCodeLine(line.body, index));
    else if (line.kind === 'table') {
      if (!/^[\s|:-]+$/.test(line.body)) out.push(...checkSentence(line.body, index, true));
    } else if (line.kind === 'text')
      for (const s of sentencesOf(line.body)) out.push(...checkSentence(s, index, false));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// removal

const KO_ENDING: Record<string, string> = {
  이: '입니다',
  하: '합니다',
  있: '있습니다',
  없: '없습니다',
  되: '됩니다',
};

function capitalise(s: string): string {
  return s.replace(/^(\s*)([a-z])/, (_, sp: string, c: string) => sp + c.toUpperCase());
}

/** Removes the spans (clauses, parts, parentheses) from a sentence; '' when nothing is left. */
function removeFrom(sentence: string, drop: readonly string[]): string {
  const body = bodySpan(sentence);
  const tail = sentence.slice(body.end);
  const clauses = split(sentence, SEPARATOR, body);
  if (drop.includes(sentence)) return '';
  const byText = new Map<string, Span>();
  for (const sp of [
    ...clauses,
    ...clauses.flatMap((c) => split(sentence, /,\s+/g, c)),
    ...clauses.flatMap((c) => parens(sentence, c)),
  ]) {
    const t = sentence.slice(sp.start, sp.end);
    if (!byText.has(t)) byText.set(t, sp);
  }
  const gone = drop.map((d) => byText.get(d)).filter((sp): sp is Span => sp !== undefined);
  // rebuild: a part is kept with the separator before it (or after it, for the first kept part)
  const keep = (sp: Span) => !gone.some((g) => g.start <= sp.start && sp.end <= g.end);
  const rebuild = (parts: Span[], span: Span, inner: (p: Span) => string): string => {
    let out = '';
    let first: Span | null = null;
    parts.forEach((p, at) => {
      if (!keep(p)) return;
      out += first === null ? inner(p) : sentence.slice(parts[at - 1]!.end, p.start) + inner(p);
      first ??= p;
    });
    if (first === null) return '';
    const lead = sentence.slice(span.start, parts[0]!.start);
    return lead + (first === parts[0] ? out : capitalise(out));
  };
  const withoutParens = (p: Span): string => {
    let t = '';
    let from = p.start;
    for (const g of gone)
      if (p.start <= g.start && g.end <= p.end && sentence[g.start] === '(') {
        t += sentence.slice(from, g.start).replace(/\s+$/, '');
        from = g.end;
      }
    return t + sentence.slice(from, p.end);
  };
  let text = rebuild(clauses, body, (c) => {
    const parts = split(sentence, /,\s+/g, c);
    return parts.length > 1 ? rebuild(parts, c, withoutParens) : withoutParens(c);
  });
  if (text.trim() === '') return '';
  // a Korean sentence that lost its last clause ends on a connective: give it its polite ending back
  const last = clauses[clauses.length - 1];
  if (last && !keep(last) && /[가-힣]$/.test(text))
    text = text.replace(/(이|하|있|없|되)(?:고|며)$/, (_, stem: string) => KO_ENDING[stem] ?? stem);
  const original = sentence.trimStart()[0] ?? '';
  return (/[A-Z]/.test(original) ? capitalise(text) : text) + tail;
}

/** Remove only the offending clause (or sentence when the clause cannot be isolated); keep list structure tidy. */
export function stripUngrounded(answer: string, bad: readonly Ungrounded[]): string {
  if (bad.length === 0) return answer;
  const drops = new Map<string, string[]>();
  for (const b of bad) drops.set(b.sentence, [...(drops.get(b.sentence) ?? []), b.clause]);
  const used = new Set<string>();
  const lines = linesOf(answer);
  const out: { text: string; kind: Line['kind']; prefix: string; removed: boolean }[] = [];
  for (const line of lines) {
    if (line.kind === 'fence' || line.kind === 'blank') {
      out.push({ text: line.prefix, kind: line.kind, prefix: '', removed: false });
      continue;
    }
    if (line.kind === 'code' || line.kind === 'table') {
      const gone = drops.has(line.body);
      if (gone) used.add(line.body);
      out.push({ text: gone ? '' : line.body, kind: line.kind, prefix: '', removed: gone });
      continue;
    }
    let body = '';
    let changed = false;
    const sentences = sentencesOf(line.body);
    let pos = 0;
    for (const s of sentences) {
      const at = line.body.indexOf(s, pos);
      const gap = line.body.slice(pos, at);
      pos = at + s.length;
      const d = drops.get(s);
      if (!d) {
        body += gap + s;
        continue;
      }
      used.add(s);
      changed = true;
      const kept = removeFrom(s, d);
      if (kept.trim() !== '') body += (body === '' ? '' : gap) + kept;
    }
    body += line.body.slice(pos);
    const empty = changed && body.replace(/[\s*_~:;,.\-–—()]/g, '') === '';
    out.push({
      text: empty ? '' : line.prefix + body.replace(/^\s+/, '').replace(/\s+$/, ''),
      kind: 'text',
      prefix: line.prefix,
      removed: empty,
    });
  }
  let text = renumber(out.filter((l) => !l.removed))
    .map((l) => l.text)
    .join('\n');
  // sentences that the answer no longer splits the same way: remove them as they are written
  for (const b of bad) if (!used.has(b.sentence)) text = text.split(b.clause).join('');
  return text
    .replace(/\n\s*(?:```|~~~)[^\n]*\n\s*(?:```|~~~)[^\n]*(?=\n|$)/g, '')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Numbered list items that were consecutive stay consecutive after an item is removed. */
function renumber<T extends { text: string; kind: Line['kind']; prefix: string }>(lines: T[]): T[] {
  let expect: number | null = null;
  let indent = '';
  return lines.map((l) => {
    const m = /^(\s*)(\d{1,3})([.)]\s+)/.exec(l.text);
    if (l.kind !== 'text' || !m) {
      if (l.kind !== 'blank' && !/^\s/.test(l.text)) expect = null;
      return l;
    }
    if (expect === null || m[1] !== indent) {
      expect = Number(m[2]) + 1;
      indent = m[1]!;
      return l;
    }
    const n = expect++;
    return { ...l, text: `${m[1]}${n}${m[3]}${l.text.slice(m[0].length)}` };
  });
}
