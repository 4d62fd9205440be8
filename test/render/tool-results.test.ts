/**
 * What the model reads: every tool result says first that its strings are data, never instructions, and
 * names the input files without their folders (a CLI `--input` path or an upload's name may carry a user's
 * home directory). Numbers and field names are kept for grounding.
 */
import { describe, expect, it } from 'vitest';
import { scenarioFiles } from '../../bin/cli.ts';
import { renderPdf } from '../../jobs/report/pdf.ts';
import { TOOLS } from '../../tools/agent/index.ts';
import { LocalRunner, resultText } from '../../tools/agent/runner.ts';
import { Session } from '../../tools/agent/session.ts';
import { forModel, UNTRUSTED_NOTE } from '../../tools/agent/tools/common.ts';
import type { ToolContext } from '../../tools/agent/types.ts';
import type { InputFile } from '../../tools/ingest/index.ts';

const NOW = new Date('2026-11-26T09:00:00Z');
const ctxOf = (files: InputFile[]): ToolContext => ({
  session: new Session(files),
  services: { renderReport: renderPdf, now: () => NOW },
  signal: new AbortController().signal,
});

/** The h200 demo under a home directory, a Windows workloads file that disagrees with a VM config, and a
 * file that cannot be read: warnings, conflict notes and rejections all quote these paths. */
function files(): InputFile[] {
  return [
    ...scenarioFiles('h200').map((f) => ({ ...f, name: `/home/alice/infra/${f.name}` })),
    {
      name: 'C:\\Users\\bob\\Desktop\\workloads.json',
      content: JSON.stringify({
        workloads: [{ name: 'train-llm-a', kind: 'inference', gpus: [0, 1], cpus: '48-95' }],
      }),
    },
    { name: '/home/alice/junk/broken.txt', content: 'not a command output' },
  ];
}

describe('tool results as the model reads them', () => {
  const ctx = ctxOf(files());
  const runner = new LocalRunner(30_000);

  // get_history answers only for inventory hosts (a bot with INFRALENS_CONFIG): on uploaded files it is an
  // error that says why (its results are checked in test/agent/fleet-history.test.ts)
  it('get_history on uploaded files: an error that says why, naming no folder', async () => {
    const outcome = await runner.run('get_history', {}, ctx);
    expect(outcome.status).toBe('error');
    const text = outcome.status === 'error' ? outcome.error : '';
    expect(text).toMatch(/no score history/);
    for (const folder of ['alice', 'bob', 'Users', 'Desktop', 'infra/', 'h200/', 'qemu-server/'])
      expect(text, folder).not.toContain(folder);
  });

  // get_gpu_window and get_proxmox_map read live sources of the inventory: without one, an error that
  // says how to configure it (their results are checked in test/fleet/live.test.ts and test/agent)
  for (const [name, why] of [
    ['get_gpu_window', /no GPU window: GPU windows come from Prometheus/],
    ['get_proxmox_map', /no Proxmox cluster: a Proxmox cluster is read through its API/],
  ] as const)
    it(`${name} without an inventory: an error that says how to get one`, async () => {
      const outcome = await runner.run(name, {}, ctx);
      expect(outcome.status).toBe('error');
      expect(outcome.status === 'error' ? outcome.error : '').toMatch(why);
    });

  const LIVE = ['get_history', 'get_gpu_window', 'get_proxmox_map'];
  for (const tool of TOOLS.filter((t) => !LIVE.includes(t.name)))
    it(`${tool.name}: "_note" first, and no folder of any input file`, async () => {
      const outcome = await runner.run(tool.name, tool.name === 'create_report' ? { lang: 'en' } : {}, ctx);
      expect(outcome.status).toBe('success');
      const text = resultText(outcome);
      const data = JSON.parse(text);
      expect(Object.keys(data)[0]).toBe('_note');
      expect(data._note).toBe(UNTRUSTED_NOTE);
      for (const folder of ['alice', 'bob', 'Users', 'Desktop', 'infra/', 'h200/', 'qemu-server/'])
        expect(text, folder).not.toContain(folder);
    });

  it('the conflict notes still name the files that disagree (by file name)', async () => {
    const outcome = await runner.run('find_bottlenecks', {}, ctx);
    const notes: string[] = outcome.status === 'success' ? (outcome.data as { notes: string[] }).notes : [];
    const conflict = notes.find((n) => n.startsWith('conflict on workload:train-llm-a kind'));
    expect(conflict).toContain('(101.conf)');
    expect(conflict).toContain('(workloads.json)');
  });

  it('forModel keeps numbers and keys, and strips folders only where a path starts', () => {
    const c = ctxOf(scenarioFiles('h200').map((f) => ({ ...f, name: `X/${f.name.split('/').pop()}` })));
    const data = {
      memoryUsedMiB: 12772,
      utilizationPct: 34,
      gpus: [3, 5],
      unit: 'ms',
      index: 0,
      kind: 'PIX/PXB',
      source: 'X/bundle.txt#topo-m',
      note: 'conflict (X/101.conf) vs [X/bundle.txt]',
    };
    expect(forModel(c, data)).toEqual({
      _note: UNTRUSTED_NOTE,
      ...data,
      source: 'bundle.txt#topo-m',
      note: 'conflict (101.conf) vs [bundle.txt]',
    });
  });
});
