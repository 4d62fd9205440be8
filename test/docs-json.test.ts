/**
 * docs/json.md is the JSON contract: its Placement table and its example of an analysis must name exactly
 * the fields of the zod schemas (`Placement` in scoring/placement/schema.ts, `Analysis` / `HostAnalysis` in
 * scoring/analyze.ts). The doc had fallen behind (no `targets[].numaNodes`, `objective.scoreAfterReason`,
 * `search.nodes`, `search.budget`, `placement` / `placementReason`).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Analysis, GpuView, HostAnalysis } from '../scoring/analyze.ts';
import { Command, Gain, Move, Placement, Target } from '../scoring/placement/schema.ts';

const DOC = readFileSync(new URL('../docs/json.md', import.meta.url), 'utf8');

/** The rows of the table under a heading: first cell (without backticks) → the other cells. */
function table(heading: string): Map<string, string[]> {
  const at = DOC.indexOf(heading);
  expect(at, heading).toBeGreaterThanOrEqual(0);
  const rows = new Map<string, string[]>();
  const lines = DOC.slice(at).split('\n').slice(1);
  let started = false;
  for (const line of lines) {
    if (!line.startsWith('|')) {
      if (started) break;
      continue;
    }
    started = true;
    const cells = line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((c) => c.trim());
    if (/^-+$/.test(cells[0]!) || cells[0] === 'field') continue;
    rows.set(cells[0]!.replace(/`/g, ''), cells.slice(1));
  }
  return rows;
}

/** The keys of the first `{ a, b: …, c }` in a cell (top level only). */
function braceKeys(cell: string, after = ''): string[] {
  const from = after ? cell.indexOf(after) : 0;
  const open = cell.indexOf('{', from);
  let depth = 0;
  let body = '';
  for (let i = open; i < cell.length; i++) {
    const ch = cell[i]!;
    if (ch === '{') depth++;
    if (ch === '}') depth--;
    if (depth === 0) break;
    if (i > open) body += depth === 1 ? ch : '';
  }
  return body
    .split(',')
    .map((k) => k.trim().split(/[:\s]/)[0]!)
    .filter(Boolean);
}

const keys = (schema: { shape: object }) => Object.keys(schema.shape).sort();

describe('docs/json.md: the Placement table is the schema', () => {
  const rows = table('## Placement (docs/placement.md');

  it('one row per field of Placement, in order', () => {
    expect([...rows.keys()]).toEqual(Object.keys(Placement.shape));
  });

  it('objective, search, after: every key', () => {
    const shape = Placement.shape;
    expect(braceKeys(rows.get('objective')![0]!).sort()).toEqual(keys(shape.objective));
    expect(braceKeys(rows.get('search')![0]!).sort()).toEqual(keys(shape.search));
    expect(braceKeys(rows.get('after')![0]!).sort()).toEqual(keys(shape.after));
  });

  it('targets (Target), moves (Move), expected (Gain), commands (Command): every key', () => {
    expect(braceKeys(rows.get('targets')![1]!, 'Target =').sort()).toEqual(keys(Target));
    expect(braceKeys(rows.get('moves')![0]!).sort()).toEqual(keys(Move));
    expect(braceKeys(rows.get('expected')![0]!).sort()).toEqual(keys(Gain));
    expect(braceKeys(rows.get('commands')![0]!).sort()).toEqual(keys(Command));
  });

  it('names the additions and the notes a plan can carry', () => {
    const text = [...rows.values()].flat().join(' ');
    for (const s of [
      'numaNodes',
      'scoreAfterReason',
      '`nodes`',
      '`budget`',
      'hardware faults',
      'VM ids missing',
    ])
      expect(text, s).toContain(s);
  });
});

describe('docs/json.md: the example names every field of an analysis', () => {
  const example = DOC.slice(DOC.indexOf('```jsonc'), DOC.indexOf('```', DOC.indexOf('```jsonc') + 8));
  const named = (k: string) => example.includes(`"${k}":`);

  it('Analysis, fleet, fleet placement and HostAnalysis', () => {
    for (const k of Object.keys(Analysis.shape)) expect(named(k), k).toBe(true);
    for (const k of Object.keys(Analysis.shape.fleet.shape)) expect(named(k), `fleet.${k}`).toBe(true);
    const fleetPlan = Analysis.shape.fleet.shape.placement.unwrap();
    for (const k of Object.keys(fleetPlan.shape)) expect(named(k), `fleet.placement.${k}`).toBe(true);
    for (const k of Object.keys(fleetPlan.shape.migrations.element.shape)) expect(named(k), k).toBe(true);
    for (const k of Object.keys(HostAnalysis.shape)) expect(named(k), `hosts[].${k}`).toBe(true);
  });

  it('GpuView: every field and every per-GPU score part', () => {
    const at = DOC.indexOf('## GpuView');
    const section = DOC.slice(at, DOC.indexOf('\n## ', at + 1));
    for (const k of Object.keys(GpuView.shape))
      expect(section.includes(`\`${k}\``) || section.includes(`\`${k}:`), k).toBe(true);
    expect(braceKeys(section, 'score:').sort()).toEqual(keys(GpuView.shape.score));
  });
});
