import { z } from 'zod';
import { compare, type HistoryRecord, trend } from '../../../scoring/history.ts';
import { type ToolContext, type ToolDef, ToolFailure } from '../types.ts';
import { forModel, hostField } from './common.ts';

const Input = z.strictObject({
  host: hostField,
  days: z
    .number()
    .int()
    .min(1)
    .max(90)
    .optional()
    .describe('how many days back from now (default 7: "this week")'),
});

export const HISTORY_HOW =
  'score history is kept for the inventory hosts (INFRALENS_CONFIG) the bot collects: on a schedule (INFRALENS_COLLECT_MINUTES), at each daily post, and on every re-check';

/** The inventory host a name means (case and `.domain` tolerant), or null. */
function inventoryHost(ctx: ToolContext, name: string): string | null {
  const names = ctx.session.inventoryHosts();
  const n = name.trim().toLowerCase();
  return (
    names.find((h) => h === name) ??
    names.find((h) => h.toLowerCase() === n) ??
    names.find((h) => h.toLowerCase().split('.')[0] === n.split('.')[0]) ??
    null
  );
}

function knownHosts(ctx: ToolContext): string[] {
  const out = new Set(ctx.session.inventoryHosts());
  try {
    for (const h of ctx.session.hosts()) out.add(h);
  } catch {
    // no snapshots: the inventory's names are all there is
  }
  return [...out];
}

function resolve(ctx: ToolContext, asked: string | undefined): string {
  const inventory = ctx.session.inventoryHosts();
  if (asked === undefined || asked === '') {
    if (inventory.length === 1) return inventory[0]!;
    const known = knownHosts(ctx);
    throw new ToolFailure(
      inventory.length > 1
        ? `several inventory hosts (${inventory.join(', ')}): pass one as \`host\``
        : `no score history: ${HISTORY_HOW}${known.length ? `; this conversation's hosts (${known.join(', ')}) come from uploaded files` : ''}`,
    );
  }
  const host = inventoryHost(ctx, asked);
  if (host) return host;
  const known = knownHosts(ctx);
  let uploaded: string | null = null;
  try {
    uploaded = ctx.session.resolveHost(asked);
  } catch {
    // no snapshots
  }
  if (uploaded)
    throw new ToolFailure(`no score history for '${uploaded}': it comes from uploaded files; ${HISTORY_HOW}`);
  throw new ToolFailure(
    known.length ? `unknown host '${asked}'; known hosts: ${known.join(', ')}` : `unknown host '${asked}'`,
  );
}

const titles = (fs: HistoryRecord['findings']) =>
  fs.map((f) => ({ rule: f.rule, severity: f.severity, title: f.title }));

async function run(input: z.infer<typeof Input>, ctx: ToolContext) {
  const fleet = ctx.services.fleet;
  const host = resolve(ctx, input.host);
  if (!fleet) throw new ToolFailure(`no score history for '${host}': this bot runs without an inventory`);
  const days = input.days ?? 7;
  const records = await fleet.history(host, days);
  const t = trend(records);
  const good = records.filter((r) => !r.error && r.score !== null);
  const firstGood = good[0] ?? null;
  const lastGood = good.at(-1) ?? null;
  const c = good.length >= 2 ? compare(firstGood, lastGood) : null;
  const last = records.at(-1) ?? null;
  const signed = (x: number) =>
    Math.abs(x) < 0.05 ? '±0.0' : x > 0 ? `+${x.toFixed(1)}` : `−${Math.abs(x).toFixed(1)}`;
  return {
    data: forModel(ctx, {
      host,
      days,
      /** the window and the change as a reply may quote them. */
      window: `${days} day${days === 1 ? '' : 's'}`,
      changeText: t.change === null ? null : `${signed(t.change)} points`,
      /** collections in the window (failed ones included), those with a score, and the failures. */
      points: t.points,
      scored: t.scored,
      failures: t.failures,
      /** the first and the last score of the window, last − first (one decimal), the lowest and highest. */
      first: t.first,
      last: t.last,
      change: t.change,
      min: t.min,
      max: t.max,
      firstGrade: firstGood?.grade ?? null,
      lastGrade: lastGood?.grade ?? null,
      /** one character per collection (or bucket of them), ▁ lowest … █ highest; · a failed collection. */
      sparkline: t.sparkline,
      from: t.from === null ? null : new Date(t.from).toISOString(),
      to: t.to === null ? null : new Date(t.to).toISOString(),
      /** findings of the first scored collection gone by the last (fixed), new since, and still there. */
      fixed: c ? titles(c.gone) : [],
      appeared: c ? titles(c.appeared) : [],
      remaining: c ? c.remaining.length : (lastGood?.findings.length ?? 0),
      /** the latest collection failed: why. */
      lastError: last?.error ?? null,
      howToGet: t.points === 0 ? HISTORY_HOW : null,
    }),
  };
}

export type GetHistoryResult = Awaited<ReturnType<typeof run>>['data'];

export const getHistory: ToolDef<z.infer<typeof Input>, GetHistoryResult> = {
  name: 'get_history',
  description:
    'The score history of one inventory host over the last `days` days (default 7): the number of collections (failed ones too), the first and last score, `change` (last − first, points), the lowest and highest score, the grades, a sparkline (one character per collection, ▁ low … █ high, · failed), the findings fixed and new between the first and last scored collection, and the latest error. Use for "how did HOST do this week", "score trend", "is it getting better". Hosts from uploaded files have no history.',
  input: Input,
  run,
};
