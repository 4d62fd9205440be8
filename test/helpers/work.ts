/**
 * A deterministic measure of work, for tests that prove an algorithm linear without a clock: while `f`
 * runs, the built-ins that walk strings, arrays and collections count what they walk — characters
 * scanned by indexOf/includes/split/trim/slice and by regular expressions, elements visited by
 * find/some/every/map/forEach/indexOf/includes/sort/join, steps of every for…of over an array, Map or Set,
 * keys listed by Object.keys/entries/values, characters read by charCodeAt. The count is the same on
 * every run of the same code on the same input, on any machine and under any load.
 *
 * It does not see plain indexed loops that touch no built-in, nor a regular expression's backtracking
 * (counted as one pass over what it scanned): it catches the usual quadratic steps — a scan of a growing
 * list per element (`find`, `includes`, `indexOf`), a string rebuilt or re-searched per line, a copy per
 * step. The built-ins are patched only while `f` runs (synchronously) and restored after.
 */

type Cost = (self: unknown, args: unknown[], result: unknown) => number;

const len = (x: unknown): number => (typeof x === 'string' || Array.isArray(x) ? x.length : 0);
const from = (x: unknown): number => (typeof x === 'number' && x > 0 ? Math.floor(x) : 0);

/** Up to where `indexOf`/`includes` looked: the hit (or the end), from the start position. */
function searched(self: unknown, args: unknown[], hit: number): number {
  const start = from(args[1]);
  return Math.max(1, (hit >= 0 ? hit + Math.max(1, len(args[0])) : len(self)) - start);
}

/**
 * What a regular expression scanned: from lastIndex (global/sticky) or 0 to the end of the match, or of
 * the input when there is none; a sticky one looks at one position only (String.prototype.split runs one
 * per character).
 */
function scanned(re: RegExp, input: string, before: number, m: RegExpExecArray | null): number {
  if (re.sticky) return m === null ? 1 : Math.max(1, m[0].length);
  const start = re.global ? before : 0;
  const end = m === null ? input.length : m.index + m[0].length;
  return Math.max(1, end - start);
}

let work = 0;
const indexOf = String.prototype.indexOf;

function counted(orig: (...a: unknown[]) => unknown, cost: Cost) {
  return function (this: unknown, ...args: unknown[]) {
    const r = orig.apply(this, args);
    work += cost(this, args, r);
    return r;
  };
}

/** A counting iterator over what `orig` iterates. */
function countedIterator(orig: (...a: unknown[]) => Iterator<unknown>) {
  return function (this: unknown, ...args: unknown[]) {
    const it = orig.apply(this, args);
    const wrapped = {
      next() {
        work++;
        return it.next();
      },
      [Symbol.iterator]() {
        return wrapped;
      },
    };
    return wrapped;
  };
}

const S = String.prototype as unknown as Record<string | symbol, (...a: unknown[]) => unknown>;
const A = Array.prototype as unknown as Record<string | symbol, (...a: unknown[]) => unknown>;
const R = RegExp.prototype as unknown as Record<string | symbol, (...a: unknown[]) => unknown>;

const onElements = (self: unknown) => Math.max(1, len(self));
/** indexOf/findIndex stop at their hit. */
const toHit = (self: unknown, _args: unknown[], r: unknown) =>
  typeof r === 'number' && r >= 0 ? r + 1 : onElements(self);

function patches(): [Record<string | symbol, unknown>, string | symbol, (orig: never) => unknown][] {
  const c =
    (cost: Cost) =>
    (orig: (...a: unknown[]) => unknown): unknown =>
      counted(orig, cost);
  const iter = (orig: (...a: unknown[]) => Iterator<unknown>): unknown => countedIterator(orig);
  const execCost = (orig: (...a: unknown[]) => unknown) =>
    function (this: RegExp, input: unknown) {
      const before = this.lastIndex;
      const m = orig.call(this, input) as RegExpExecArray | null;
      work += scanned(this, String(input), before, m);
      return m;
    };
  const testCost = (orig: (...a: unknown[]) => unknown) =>
    function (this: RegExp, input: unknown) {
      const before = this.lastIndex;
      const hit = orig.call(this, input) as boolean;
      if (this.sticky) work += hit ? Math.max(1, this.lastIndex - before) : 1;
      else {
        const start = this.global ? before : 0;
        work += Math.max(1, (hit && this.global ? this.lastIndex : String(input).length) - start);
      }
      return hit;
    };
  const stringWide = c((self) => Math.max(1, len(self)));
  return [
    [S, 'indexOf', c((self, args, r) => searched(self, args, r as number))],
    [S, 'lastIndexOf', stringWide],
    [
      S,
      'includes',
      c((self, args) => searched(self, args, indexOf.call(self, args[0] as string, from(args[1])))),
    ],
    [S, 'startsWith', c((_self, args) => Math.max(1, len(args[0])))],
    [S, 'endsWith', c((_self, args) => Math.max(1, len(args[0])))],
    [S, 'split', stringWide],
    [S, 'trim', stringWide],
    [S, 'trimStart', stringWide],
    [S, 'trimEnd', stringWide],
    [S, 'toLowerCase', stringWide],
    [S, 'toUpperCase', stringWide],
    [S, 'replace', stringWide],
    [S, 'replaceAll', stringWide],
    [S, 'match', stringWide],
    [S, 'search', stringWide],
    [S, 'padStart', c((_s, _a, r) => Math.max(1, len(r)))],
    [S, 'padEnd', c((_s, _a, r) => Math.max(1, len(r)))],
    [S, 'repeat', c((_s, _a, r) => Math.max(1, len(r)))],
    [S, 'slice', c((_s, _a, r) => Math.max(1, len(r)))],
    [S, 'substring', c((_s, _a, r) => Math.max(1, len(r)))],
    [S, 'charCodeAt', c(() => 1)],
    [S, Symbol.iterator, iter],
    [R, 'exec', execCost],
    [R, 'test', testCost],
    [A, 'indexOf', c(toHit)],
    [A, 'lastIndexOf', c(onElements)],
    [A, 'includes', c((self, _a, r) => (r ? Math.max(1, len(self) >> 1) : onElements(self)))],
    [A, 'find', c(onElements)],
    [A, 'findIndex', c(toHit)],
    [A, 'findLast', c(onElements)],
    [A, 'some', c(onElements)],
    [A, 'every', c(onElements)],
    [A, 'filter', c(onElements)],
    [A, 'map', c(onElements)],
    [A, 'flatMap', c(onElements)],
    [A, 'forEach', c(onElements)],
    [A, 'reduce', c(onElements)],
    [A, 'join', c(onElements)],
    [A, 'slice', c((_s, _a, r) => Math.max(1, len(r)))],
    [A, 'concat', c((_s, _a, r) => Math.max(1, len(r)))],
    [A, 'splice', c(onElements)],
    [A, 'unshift', c(onElements)],
    [A, 'shift', c(onElements)],
    [A, 'reverse', c(onElements)],
    [A, 'fill', c(onElements)],
    [A, 'sort', c((self) => Math.max(1, len(self) * Math.ceil(Math.log2(len(self) + 1))))],
    [A, Symbol.iterator, iter],
    [Map.prototype as never, Symbol.iterator, iter],
    [Map.prototype as never, 'entries', iter],
    [Map.prototype as never, 'keys', iter],
    [Map.prototype as never, 'values', iter],
    [Set.prototype as never, Symbol.iterator, iter],
    [Set.prototype as never, 'values', iter],
    [Object as never, 'keys', c((_s, _a, r) => Math.max(1, len(r)))],
    [Object as never, 'entries', c((_s, _a, r) => Math.max(1, len(r)))],
    [Object as never, 'values', c((_s, _a, r) => Math.max(1, len(r)))],
  ];
}

/**
 * The work `f` does, in the units above; `f` must be synchronous. Nested calls are not allowed (the
 * built-ins are patched once).
 */
export function countWork(f: () => void): number {
  const saved: [Record<string | symbol, unknown>, string | symbol, PropertyDescriptor][] = [];
  work = 0;
  try {
    for (const [target, key, wrap] of patches()) {
      const d = Object.getOwnPropertyDescriptor(target, key)!;
      saved.push([target, key, d]);
      Object.defineProperty(target, key, { ...d, value: wrap(d.value as never) });
    }
    work = 0;
    f();
    return work;
  } finally {
    for (const [target, key, d] of saved.reverse()) Object.defineProperty(target, key, d);
  }
}
