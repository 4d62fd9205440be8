/**
 * Checking a cron expression of the inventory before BullMQ sees it: a value out of range ("0 25 * * *")
 * passed the shape check and only failed when the worker upserted its scheduler, so start-up died with
 * "Constraint error" instead of the inventory's one line naming the entry and field. Five fields (minute
 * hour day-of-month month day-of-week) or six (seconds first), as BullMQ's cron-parser reads them: lists
 * (`1,15`), ranges (`1-5`), steps (`*\/15`, `10-50/10`), `*` and `?`, month and day names (`JAN`, `MON`),
 * and the day specials `L` (last day of the month), `5L` (last Friday), `1#2` (second Monday); BullMQ's
 * parser has no `W`, and neither has this check.
 */

interface Field {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** names start at this value (months at 1, days at 0). */
  base?: number;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const FIELDS: readonly Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, base: 1 },
  { name: 'day of week', min: 0, max: 7, names: DAYS, base: 0 },
];
const SECONDS: Field = { name: 'second', min: 0, max: 59 };

function value(tok: string, f: Field): number | null {
  if (/^\d{1,2}$/.test(tok)) return Number(tok);
  const i = f.names?.indexOf(tok.toUpperCase()) ?? -1;
  return i >= 0 ? i + (f.base ?? 0) : null;
}

function partProblem(part: string, f: Field): string | null {
  if (f.name === 'day of month' && /^L$/i.test(part)) return null;
  if (f.name === 'day of week') {
    const special = /^(\d)(L|#([1-5]))$/i.exec(part);
    if (special) return Number(special[1]) > 7 ? `${part}: day ${special[1]} is not 0-7` : null;
  }
  const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(part);
  if (!m) return `'${part}' is not a value, range or step`;
  const [, range, step] = m;
  if (step !== undefined && Number(step) < 1) return `'${part}': a step must be at least 1`;
  if (range === '*' || range === '?') return null;
  const [a, b, ...rest] = range!.split('-');
  if (rest.length > 0) return `'${part}' is not a value, range or step`;
  const lo = value(a!, f);
  const hi = b === undefined ? lo : value(b, f);
  if (lo === null || hi === null) return `'${part}' is not a ${f.name}`;
  for (const v of [lo, hi])
    if (v < f.min || v > f.max) return `${v} is out of range for the ${f.name} (${f.min}-${f.max})`;
  if (lo > hi) return `'${part}': the range runs backwards`;
  return null;
}

/** What is wrong with a cron expression, or null when BullMQ can schedule it. */
export function cronProblem(expr: string): string | null {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6)
    return `has ${parts.length} fields: a cron expression has 5 (minute hour day month weekday) or 6 (seconds first)`;
  const fields = parts.length === 6 ? [SECONDS, ...FIELDS] : FIELDS;
  for (let i = 0; i < parts.length; i++)
    for (const p of parts[i]!.split(',')) {
      const problem = partProblem(p, fields[i]!);
      if (problem) return `${fields[i]!.name} field: ${problem}`;
    }
  return null;
}
