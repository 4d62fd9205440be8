/**
 * Every phrase of the offline analyst, in English and Korean (polite -습니다/-요 style). The Korean table
 * has the English table's type, so a phrase cannot exist in one language only. Phrases take values that
 * the composers copied from tool results; they compute no number of their own.
 */
import type { Lang } from '../../../scoring/report.ts';
import type { WorkloadState } from './answers/workload-state.ts';

// ---------------------------------------------------------------------------------------------------------
// helpers (language-neutral)

export const code = (s: string) => `\`${s}\``;

/** "GPU3, GPU5" (the form the tools print). */
export const gpuList = (gs: readonly number[]) => gs.map((g) => `GPU${g}`).join(', ');

/** "GPU0–GPU3" for a run of consecutive GPUs (two or more), else the list. */
export function gpuRange(gs: readonly number[]): string {
  const s = [...gs].sort((a, b) => a - b);
  const run = s.length >= 2 && s.every((g, i) => i === 0 || g === s[i - 1]! + 1);
  return run ? `GPU${s[0]}–GPU${s.at(-1)}` : gpuList(s);
}

/** NVLink groups: "GPU0–GPU1; GPU2–GPU3" ("(GPU0, GPU2)" for a group that is no run). */
export const groupsText = (groups: readonly (readonly number[])[]) =>
  groups.map((g) => (gpuRange(g).includes('–') ? gpuRange(g) : `(${gpuList(g)})`)).join('; ');

/**
 * A CPU list as the tools print it, or null when it is a bare comma list ("6,14,22,30"): the grounding
 * checker reads those as separate numbers, so they are left out rather than stated.
 */
export const printableCpus = (cpus: string | null) =>
  cpus === null || (/,/.test(cpus) && !/-/.test(cpus)) ? null : cpus;

/** A score as the CLI prints it: one decimal (62.0). */
export const fmt1 = (v: number) => v.toFixed(1);

const pct = (v: number | null) => (v === null ? '?' : `${v}%`);

function joinEn(xs: readonly string[]): string {
  if (xs.length <= 1) return xs.join('');
  return `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`;
}
const joinKo = (xs: readonly string[]) => xs.join(', ');

/** Does the word end in a consonant when read in Korean (GPU0 "영", gpu-node-01 "일", train-rec-c "씨")? */
function batchim(word: string): 'none' | 'rieul' | 'other' {
  const ch = word
    .trim()
    .replace(/[)\]`'"’]+$/, '')
    .slice(-1);
  if (/[가-힣]/.test(ch)) {
    const jong = (ch.charCodeAt(0) - 0xac00) % 28;
    return jong === 0 ? 'none' : jong === 8 ? 'rieul' : 'other';
  }
  if (/[0-9]/.test(ch))
    return (
      ({ '1': 'rieul', '7': 'rieul', '8': 'rieul', '0': 'other', '3': 'other', '6': 'other' } as const)[
        ch as '1'
      ] ?? 'none'
    );
  if (/[lr]/i.test(ch)) return 'rieul';
  if (/[mn]/i.test(ch)) return 'other';
  return 'none';
}

/** A word with its Korean particle: josa('GPU4', '이') → 'GPU4가', josa('gpu-node-01', '은') → 'gpu-node-01은'. */
export function josa(word: string, p: '은' | '이' | '을' | '과' | '로'): string {
  const b = batchim(word);
  const has = b !== 'none';
  const pick = {
    은: has ? '은' : '는',
    이: has ? '이' : '가',
    을: has ? '을' : '를',
    과: has ? '과' : '와',
    로: b === 'other' ? '으로' : '로',
  }[p];
  return `${word}${pick}`;
}

/** The path names of topo -m, explained. */
const PATH: Record<Lang, Record<string, string>> = {
  en: {
    NV: 'NVLink',
    PIX: 'one PCIe switch',
    PXB: 'several PCIe switches',
    PHB: 'through the CPU host bridge',
    NODE: 'within one NUMA node, through the CPU',
    SYS: 'across CPU sockets',
  },
  ko: {
    NV: 'NVLink',
    PIX: 'PCIe 스위치 하나',
    PXB: 'PCIe 스위치 여러 개',
    PHB: 'CPU 호스트 브리지 경유',
    NODE: '같은 NUMA 노드 안, CPU 경유',
    SYS: 'CPU 소켓 간',
  },
};
const pathOf = (lang: Lang, raw: string) =>
  `${raw} (${PATH[lang][raw.startsWith('NV') ? 'NV' : raw] ?? raw})`;

const pairsText = (ps: readonly { a: number; b: number; kind: string | null }[]) =>
  ps.map((p) => `GPU${p.a}–GPU${p.b} ${p.kind ?? '?'}`).join(', ');

const utilList = (st: WorkloadState) => st.util.map(pct).join('/');

/** The 'missing' lines of get_topology ("NUMA nodes of the GPUs: send …"), split into what and how. */
function missingParts(m: string): [string, string] {
  const i = m.indexOf(': send ');
  return i < 0 ? [m, ''] : [m.slice(0, i), m.slice(i + ': send '.length)];
}
const MISSING_KO: [RegExp, string][] = [
  [/^GPU↔GPU links/, 'GPU 간 연결'],
  [/^NUMA nodes/, 'GPU의 NUMA 노드'],
  [/^utilisation and memory/, '사용률과 메모리'],
];

const KIND_KO: Record<string, string> = { training: '학습', inference: '추론', other: '기타' };

// ---------------------------------------------------------------------------------------------------------
// English

const en = {
  yes: 'Yes: ',
  no: 'No: ',
  grade: { A: 'optimal', B: 'good', C: 'inefficient', D: 'serious waste', F: 'critical' } as Record<
    string,
    string
  >,
  severity: { critical: 'critical', warning: 'warning', info: 'info' } as Record<string, string>,
  sentence: (s: string) => {
    const t = s.trim();
    // "an all-reduce …" → "An all-reduce …"; a name stays as it is ("train-vision-b: …", "gpu-node-01")
    const head = /^[a-z]+(?=[\s,])/.test(t) ? `${t.charAt(0).toUpperCase()}${t.slice(1)}` : t;
    return `${head}${/[.!?:]$/.test(t) ? '' : '.'}`;
  },
  failed: (err: string) => `The tool could not answer: ${err}`,
  missing: (m: string) => {
    const [what, send] = missingParts(m);
    return send ? `Not in these inputs: ${what} — send ${send}.` : `Not in these inputs: ${what}.`;
  },
  source: (src: string) => `Source: ${src}`,
  offTopic:
    'I answer questions about your GPU servers: slow or idle GPUs, the efficiency score, topology and NVLink, NUMA pinning, MIG and sharing, the placement plan and its commands, and the PDF report.',
  unknownHost: (asked: string | null, hosts: readonly string[]) =>
    `${asked ? `I have no data for ${code(asked)}` : 'I have no data for that host'}: the loaded host${hosts.length === 1 ? ' is' : 's are'} ${joinEn(hosts)}.`,
  unknownHostMore: (hosts: readonly string[]) =>
    `Ask about ${hosts.length === 1 ? hosts[0] : 'one of them'}, or upload the other server's bundle (${code('infralens collect-script')} prints the collector).`,
  noData: 'There is no server data in this conversation yet.',
  noDataMore: `Upload the file ${code('infralens collect-script')} produces on the server (or ${code('nvidia-smi -q -x')}, ${code('nvidia-smi topo -m')} and the Proxmox VM configs).`,
  unreadable: (why: string) => `None of the uploaded files could be read: ${why}`,
  more: {
    overview: 'Ask ‘why is it slow?’, ‘which GPUs are idle?’, ‘how do I fix it?’ or for the PDF report.',
    fix: 'Ask ‘how do I fix it?’ for the plan and its commands.',
    commands: 'Ask for ‘all commands’ to see every step of the plan.',
    allCommands: (n: number) => `Ask for ‘all commands’ to see all ${n} steps.`,
    allFindings: 'Ask for ‘every finding’ to see the rest.',
    gains: 'Ask ‘how much faster will it be?’ for the expected gains, or for the PDF report.',
    fleet: (host: string) => `Name a host for its details, e.g. ‘why is ${host} slow?’.`,
  },
  overview: {
    head: (
      host: string,
      v: number,
      g: string,
      meaning: string | undefined,
      n: number,
      sev: { critical: number; warning: number; info: number } | undefined,
    ) =>
      `${host} scores ${fmt1(v)}/100, grade ${g} (${meaning ?? g})` +
      (n === 0
        ? ', and no rule found a problem.'
        : `, with ${n} finding${n === 1 ? '' : 's'}${sev ? ` (${sev.critical} critical, ${sev.warning} warning, ${sev.info} info)` : ''}.`),
    noScore: (host: string, reason: string) => `${host} has no efficiency score: ${reason}.`,
    worst: (title: string, impact: string | null) =>
      `The most serious: ${title}${impact ? ` — ${impact}` : ''}.`,
    clean: () => 'No rule found a problem (NVLink, NUMA, MIG, idle GPUs, memory, PCIe, clocks, ECC, NICs).',
    plan: (moves: number, after: number, g: string) =>
      `The placement plan (${moves} move${moves === 1 ? '' : 's'}) would bring it to ${fmt1(after)} (${g}).`,
  },
  slow: {
    main: (host: string, title: string, gpus: readonly number[], w: string | null) =>
      `Main cause on ${host} — ${title}${gpus.length || w ? ` (${[gpuList(gpus), w].filter(Boolean).join(', ')})` : ''}.`,
    mainOf: (w: string, title: string, gpus: readonly number[]) =>
      `${w} is slowed mainly by: ${title}${gpus.length ? ` (${gpuList(gpus)})` : ''}.`,
    notSlow: (st: WorkloadState) =>
      `${st.vmid !== null ? `VM ${st.vmid} (${st.name})` : st.name} is not slowed by its placement: ${
        st.pairs.length ? `${pairsText(st.pairs)}${st.allNvlink ? ' (NVLink)' : ''}` : gpuList(st.gpus)
      }${st.numa.every((n) => n !== null) ? `, NUMA node ${[...new Set(st.numa)].join('+')}` : ''}, at ${utilList(st)} utilisation.`,
    none: (host: string, gpus: readonly number[]) =>
      `Nothing slows the jobs on ${host}${gpus.length ? ` (${gpuList(gpus)})` : ''}: no job is split across NVLink groups or sockets, runs on far CPUs, waits on input, or has a degraded link, clocks or memory.`,
    fix: (w: string, to: readonly number[], numa: number | null, gain: string | null) =>
      `Proposed placement: ${w} → ${gpuList(to)}${numa !== null ? ` (NUMA ${numa})` : ''}.${gain ? ` Expected gains: ${gain}.` : ''}`,
    fine: (name: string, gpus: readonly number[], kind: string | null) =>
      `${name} (${gpuList(gpus)}${kind ? `, ${kind}` : ''}) is not slowed by placement.`,
  },
  score: {
    label: { gpu: 'GPU utilisation', numa: 'NUMA alignment', io: 'interconnect / I/O' } as Record<
      string,
      string
    >,
    head: (
      host: string,
      v: number,
      g: string,
      meaning: string | undefined,
      weakest: string,
      wv: number,
      _c: { gpu: number; numa: number | null; io: number | null },
    ) =>
      `${host} scores ${fmt1(v)}/100, grade ${g} (${meaning ?? g}), pulled down most by ${en.score.label[weakest]} (${fmt1(wv)}/100).`,
    gpuLine: (
      v: number,
      w: number,
      n: number,
      lows: { gpu: number; util: number | null; workload: string | null }[],
    ) =>
      `GPU utilisation ${fmt1(v)} (weight ${w}, ${n} allocated GPUs); lowest: ${lows
        .map((l) => `GPU${l.gpu} ${pct(l.util)}${l.workload ? ` (${l.workload})` : ''}`)
        .join(', ')}`,
    numaLine: (v: number, w: number, n: number, off: readonly number[]) =>
      `NUMA alignment ${fmt1(v)} (weight ${w}, ${n} GPUs): ${off.length ? `${gpuList(off)} fed from CPUs of the other NUMA node` : 'every GPU is fed from its own NUMA node'}`,
    ioLine: (v: number, w: number, n: number, off: readonly number[], why: string | null) =>
      `Interconnect / I/O ${fmt1(v)} (weight ${w}, ${n} GPUs): ${off.length ? `${gpuList(off)} below full speed${why ? ` (${why})` : ''}` : 'every link at full speed'}`,
    scale: (s: Record<string, number>) => `Grades: A ≥ ${s.A}, B ≥ ${s.B}, C ≥ ${s.C}, D ≥ ${s.D}, F below.`,
    after: (moves: number, v: number, g: string) =>
      `The placement plan (${moves} move${moves === 1 ? '' : 's'}) would raise it to ${fmt1(v)} (${g}).`,
    none: (host: string, reason: string) =>
      `${host} has no efficiency score: ${reason}${/[.]$/.test(reason) ? '' : '.'}`,
  },
  idle: {
    idle: (host: string, list: { title: string; util: (number | null)[] }[]) =>
      `On ${host}, ${list.map((x) => `${x.title}${x.util.every((u) => u !== null) ? ` (${x.util.map(pct).join('/')} utilisation)` : ''}`).join('; ')}.`,
    small: (
      list: {
        gpu: number | null;
        workload: string | null;
        util: number | null;
        fits: string;
        shareGB: number | null;
        mig: boolean;
      }[],
    ) =>
      `Nearly idle: ${list
        .map(
          (x) =>
            `GPU${x.gpu ?? '?'} (${x.workload ?? '?'}, ${pct(x.util)}) fits ${x.mig ? `a ${x.fits} MIG slice` : `a ${x.shareGB ?? '?'} GB vGPU share`}`,
        )
        .join('; ')}.`,
    noData: (host: string) =>
      `The inputs carry no utilisation for ${host}'s GPUs: send ${code('nvidia-smi -q -x')} (or the collector bundle).`,
    none: (host: string, lowest: { gpu: number; util: number } | null) =>
      `Every GPU on ${host} is allocated and busy${lowest ? ` (the least busy: GPU${lowest.gpu} at ${lowest.util}%)` : ''}.`,
    busiest: (host: string, xs: { gpu: number; util: number; workload: string | null }[]) =>
      `The busiest GPUs on ${host}: ${xs.map((x) => `GPU${x.gpu} ${x.util}%${x.workload ? ` (${x.workload})` : ''}`).join(', ')}.`,
    planUses: (w: string, gpus: readonly number[]) => `The plan gives ${gpuList(gpus)} to ${w}.`,
    planFrees: (summary: string) => `With the plan: ${summary}.`,
  },
  mig: {
    candidates: (
      list: {
        workload: string | null;
        gpu: number | null;
        util: number | null;
        fits: string | null;
        shareGB: number | null;
      }[],
    ) =>
      `${list.length === 1 ? 'This job holds' : 'These jobs hold'} a whole GPU but fit${list.length === 1 ? 's' : ''} a slice: ${list
        .map(
          (x) =>
            `${x.workload ?? '?'} (GPU${x.gpu ?? '?'}, ${pct(x.util)}) → ${x.fits ? `MIG ${x.fits}` : `a ${x.shareGB ?? '?'} GB vGPU share (no MIG on this GPU)`}`,
        )
        .join('; ')}.`,
    profiles: (
      gpu: number,
      ps: { name: string; free: number | null; total: number | null; gib: number | null }[],
    ) =>
      `GPU${gpu} offers these MIG profiles: ${ps
        .map(
          (p) =>
            `${p.name}${p.free !== null && p.total !== null ? ` (${p.free} of ${p.total} free${p.gib !== null ? `, ${p.gib} GiB` : ''})` : ''}`,
        )
        .join(', ')}.`,
    needUtil: `Which jobs could use them needs their utilisation and memory: send ${code('nvidia-smi -q -x')} and the VM configs.`,
    notCandidate: (host: string, ws: readonly string[], gpus: readonly number[]) =>
      `${joinEn([...ws, ...(ws.length ? [] : gpus.map((g) => `GPU${g}`))])} on ${host} ${ws.length + gpus.length > 1 ? 'are' : 'is'} no MIG or sharing candidate: no small inference job there holds a whole GPU.`,
    none: (host: string, enabled: readonly number[]) =>
      `No inference job on ${host} holds a whole GPU it could share${enabled.length ? `; MIG is enabled on ${gpuList(enabled)}` : ''}.`,
    noMig: (host: string, models: readonly string[]) =>
      `The ${models.join(', ')} GPUs on ${host} do not support MIG; a vGPU share, time-slicing or MPS is the way to split them.`,
    allDisabled: (n: number) => `MIG is disabled on all ${n} GPUs today.`,
    instances: (gpu: number, profiles: readonly string[]) =>
      `GPU${gpu} runs MIG instances: ${profiles.join(', ')}.`,
    planMove: (ws: readonly string[], gpus: readonly number[], form: string) =>
      `The plan puts ${joinEn(ws)} on ${gpuList(gpus)} as ${form}${ws.length > 1 ? ' instances' : ''}.`,
  },
  nvlink: {
    noLinks: (host: string) =>
      `The inputs carry no GPU↔GPU links for ${host}: send ${code('nvidia-smi topo -m')}.`,
    pairs: (ps: { a: number; b: number; kind: string | null }[]) =>
      `${ps.map((p) => `GPU${p.a} ↔ GPU${p.b} is ${p.kind ? pathOf('en', p.kind) : 'unknown'}`).join('; ')}.`,
    gpuGroup: (host: string, g: number, group: readonly number[] | null, inGroup: readonly string[]) =>
      group
        ? `GPU${g} is in the NVLink group ${gpuRange(group)}${inGroup.length ? ` (${inGroup.join('/')})` : ''} on ${host}.`
        : `GPU${g} has no NVLink peer on ${host}.`,
    workload: (name: string, ps: { a: number; b: number; kind: string | null }[], allNv: boolean) =>
      `${name} runs on ${pairsText(ps)}: ${allNv ? 'every pair is NVLink' : 'not every pair is NVLink'}.`,
    single: (w: string) => `${w} uses one GPU, so NVLink does not matter for it.`,
    noNvlink: (host: string, across: readonly string[]) =>
      `${host} has no NVLink: its GPUs talk over PCIe${across.length ? ` (${across.map((k) => pathOf('en', k)).join(', ')})` : ''}.`,
    split: (w: string, gpus: readonly number[], kind: string | null, impact: string | null) =>
      `${w} runs on ${gpuList(gpus)}, which are in different NVLink groups${kind ? ` (${kind})` : ''}${impact ? `: ${impact}` : ''}.`,
    allGood: (list: { name: string; gpus: readonly number[]; kind: string | null }[]) =>
      `Every multi-GPU job runs inside one NVLink group: ${list.map((w) => `${w.name} (${gpuList(w.gpus)}${w.kind ? `, ${w.kind}` : ''})`).join(', ')}.`,
    fine: (list: { name: string; pairs: { a: number; b: number; kind: string | null }[] }[]) =>
      `${joinEn(list.map((w) => `${w.name} (${pairsText(w.pairs)})`))} ${list.length === 1 ? 'is' : 'are'} fine: NVLink end to end.`,
    unused: (host: string) => `No job on ${host} uses several GPUs, so NVLink carries no job traffic today.`,
    groups: (
      host: string,
      groups: readonly number[][],
      inGroup: readonly string[],
      across: readonly string[],
    ) =>
      `On ${host}, NVLink connects ${groupsText(groups)}${inGroup.length ? ` (${inGroup.join('/')})` : ''}${
        across.length ? `; other pairs go ${across.map((k) => pathOf('en', k)).join(' or ')}` : ''
      }.`,
    workloadShort: (
      name: string,
      ps: { a: number; b: number; kind: string | null }[],
      numa: readonly (number | null)[],
    ) => `${name}: ${pairsText(ps)}${numa.length ? `, NUMA ${numa.join('+')}` : ''}`,
    fix: (w: string, to: readonly number[], gain: string | null) =>
      `Fix: the plan moves ${w} to ${gpuList(to)}, inside one NVLink group${gain ? ` — ${gain}` : ''}.`,
  },
  numa: {
    mismatch: (host: string, list: { workload: string; gpus: readonly number[] }[]) =>
      `On ${host}, ${joinEn(list.map((x) => `${x.workload} (${gpuList(x.gpus)})`))} run${list.length === 1 ? 's' : ''} on CPUs of another NUMA node than ${list.length === 1 ? 'its GPU' : 'their GPUs'}.`,
    unknown: (host: string, ws: readonly string[]) =>
      `The inputs carry no CPU pinning${ws.length ? ` for ${joinEn(ws)}` : ''} on ${host}: send the Proxmox VM configs (${code('/etc/pve/qemu-server/<vmid>.conf')}) or a workloads file with ${code('cpus')}.`,
    aligned: (host: string, checked: readonly string[]) =>
      `Every pinned workload on ${host} runs on CPUs local to its GPUs: ${checked.join(', ')}.`,
    gpuNodes: (host: string, groups: { node: number; gpus: readonly number[]; cpus: string | null }[]) =>
      `On ${host}, ${groups
        .map(
          (g) =>
            `${gpuRange(g.gpus)} ${g.gpus.length === 1 ? 'is' : 'are'} on NUMA node ${g.node}${g.cpus ? ` (CPUs ${code(g.cpus)})` : ''}`,
        )
        .join('; ')}.`,
    noNodes: (host: string, groups: { gpus: readonly number[]; cpus: string | null }[]) =>
      `The inputs for ${host} do not give the GPUs' NUMA nodes (this topo -m has no NUMA column); their CPU affinity: ${groups
        .map((g) => `${gpuRange(g.gpus)}${g.cpus ? ` CPUs ${code(g.cpus)}` : ''}`)
        .join('; ')}.`,
    nodes: (
      host: string,
      n: number,
      nodes: { id: number; cpus: string | null; memoryMiB: number | null }[],
    ) =>
      `${host} has ${n} NUMA node${n === 1 ? '' : 's'}: ${nodes
        .map(
          (x) =>
            `node ${x.id}:${x.cpus ? ` CPUs ${code(x.cpus)}` : ''}${x.memoryMiB !== null ? ` (${x.memoryMiB} MiB)` : ''}`,
        )
        .join('; ')}.`,
    layout: (nodes: { id: number; cpus: string | null; gpus: readonly number[] }[]) =>
      `NUMA layout: ${nodes.map((n) => `node ${n.id}: ${n.cpus ? `CPUs ${code(n.cpus)}, ` : ''}${n.gpus.length ? gpuRange(n.gpus) : 'no GPU'}`).join('; ')}`,
    fix: (w: string, to: readonly number[], numa: number | null, cpus: string | null) =>
      `Fix: the plan moves ${w} to ${gpuList(to)}${numa !== null ? ` on NUMA node ${numa}` : ''}${cpus ? ` with CPUs ${code(cpus)}` : ''}.`,
  },
  memory: {
    pressure: (host: string, title: string, w: string | null) =>
      `${title}${w ? ` (${w})` : ''} on ${host}: an out-of-memory risk.`,
    noData: (host: string) =>
      `The inputs carry no GPU memory figures for ${host}: send ${code('nvidia-smi -q -x')}.`,
    none: (
      host: string,
      gpus: readonly number[] | null,
      f: { gpu: number; used: number; total: number; workload: string | null },
    ) =>
      `No GPU${gpus ? ` of ${gpuList(gpus)}` : ''} on ${host} is near its memory limit; the fullest is GPU${f.gpu}${f.workload ? ` (${f.workload})` : ''} with ${f.used} of ${f.total} MiB.`,
    list: (xs: { gpu: number; used: number; total: number }[]) =>
      `Memory in use: ${xs.map((x) => `GPU${x.gpu} ${x.used} of ${x.total} MiB`).join(', ')}`,
  },
  ecc: {
    found: (host: string, titles: readonly string[]) =>
      `${host} has GPU memory errors: ${titles.join('; ')}.`,
    noData: (host: string) =>
      `The inputs carry no ECC counters for ${host}: send ${code('nvidia-smi -q')} (or the collector bundle).`,
    none: (host: string, all: number | null, gpus: readonly (number | null)[], _pending: boolean) =>
      `${all !== null ? `All ${all} GPUs on ${host} report` : `${gpuList(gpus.filter((g): g is number => g !== null))} on ${host} report${gpus.length === 1 ? 's' : ''}`} 0 uncorrected ECC errors and no pending row remaps.`,
    modes: (modes: readonly (string | null)[]) => `ECC mode: ${modes.map((m) => m ?? 'unknown').join(', ')}`,
    noCorrected: 'Corrected errors (fixed by ECC): 0 on every GPU.',
    corrected: (xs: { gpu: number | null; n: number | null }[]) =>
      `Corrected errors (fixed by ECC; watch the trend): ${xs.map((x) => `GPU${x.gpu ?? '?'} ${x.n ?? '?'}`).join(', ')}`,
  },
  pcie: {
    found: (host: string, title: string) => `${title} on ${host}.`,
    noData: (host: string) =>
      `The inputs carry no PCIe link state for ${host}: send ${code('nvidia-smi -q -x')}.`,
    none: (
      host: string,
      count: number | null,
      gpus: readonly number[],
      u: { width: number | null; widthMax: number | null; genMax: number | null } | null,
    ) =>
      `${count !== null ? `All ${count} GPUs on ${host} run` : `${gpuList(gpus)} on ${host} run${gpus.length === 1 ? 's' : ''}`} ${count !== null || gpus.length > 1 ? 'their' : 'its'} PCIe link at full width${
        u ? `: x${u.width} of x${u.widthMax}${u.genMax !== null ? `, Gen${u.genMax} links` : ''}` : ''
      }.`,
    idleGen: (gpus: readonly number[]) =>
      `${gpuList(gpus)} run below their top PCIe generation: normal while idle (the link slows down to save power).`,
  },
  clocks: {
    found: (host: string, titles: readonly string[]) => `${titles.join('; ')} on ${host}.`,
    noData: (host: string) =>
      `The inputs carry no clock, temperature or power data for ${host}: send ${code('nvidia-smi -q -x')}.`,
    none: (host: string, hottest: { gpu: number; c: number } | null) =>
      `No GPU on ${host} is slowed by heat or a power brake${hottest ? `; the hottest is GPU${hottest.gpu} at ${hottest.c} °C` : ''}.`,
    power: (host: string, xs: { gpu: number; draw: number; limit: number | null }[]) =>
      `Power draw on ${host}: ${xs.map((x) => `GPU${x.gpu} ${x.draw} W${x.limit !== null ? ` of ${x.limit} W` : ''}`).join(', ')}.`,
    hottest: (host: string, gpu: number, c: number, w: string | null) =>
      `GPU${gpu}${w ? ` (${w})` : ''} is the hottest on ${host} at ${c} °C.`,
    powerCap: (xs: { gpu: number; draw: number | null; limit: number | null }[]) =>
      `${gpuList(xs.map((x) => x.gpu))} run at their power cap (sw_power_cap; ${xs
        .slice(0, 2)
        .map((x) => `GPU${x.gpu} ${x.draw ?? '?'} W of ${x.limit ?? '?'} W`)
        .join(', ')}): normal under full load.`,
    temps: (xs: { gpu: number; c: number; w: number | null }[]) =>
      `Temperatures: ${xs.map((x) => `GPU${x.gpu} ${x.c} °C${x.w !== null ? ` (${x.w} W)` : ''}`).join(', ')}`,
  },
  nic: {
    none: (host: string) =>
      `The inputs show no network card on ${host}: send ${code('nvidia-smi topo -m')} from the host (it lists the NICs).`,
    rdma: (host: string, near: { device: string; gpus: readonly string[]; path: string | null }[]) =>
      near.length
        ? `GPUDirect RDMA has a short path on ${host} for ${near.map((n) => `${n.gpus.join(', ')} via ${n.device} (${n.path})`).join('; ')}.`
        : `No GPU on ${host} shares a PCIe switch with a NIC, so GPUDirect RDMA traffic would cross the CPU.`,
    list: (host: string, nics: { device: string; gpus: readonly string[]; path: string | null }[]) =>
      `${host} has ${nics.map((n) => `${n.device}${n.gpus.length ? ` next to ${n.gpus.join(', ')}` : ''}${n.path ? ` (${n.path})` : ''}`).join('; ')}.`,
    far: (title: string, impact: string | null) => `${title}${impact ? `: ${impact}` : ''}.`,
    line: (device: string, id: string, gpus: readonly string[], path: string | null, numa: number | null) =>
      `${device} (${id}): nearest ${gpus.length ? gpus.join(', ') : 'GPU unknown'}${path ? ` via ${pathOf('en', path)}` : ''}${numa !== null ? `, NUMA node ${numa}` : ''}`,
  },
  fix: {
    noPlan: (host: string, err: string) =>
      `There is no placement plan for ${host}: ${err}${/[.]$/.test(err) ? '' : '.'}`,
    recommend: (title: string, rec: string) => `${title}: ${rec}`,
    noMoves: (host: string, score: number | null) =>
      `No move is needed on ${host}: every workload is already well placed${score !== null ? ` (score ${fmt1(score)})` : ''}.`,
    commandsHead: (host: string, _n: number, total: number, ws: readonly string[]) =>
      ws.length
        ? `The commands for ${joinEn(ws)} on ${host}, in order (InfraLens never runs them):`
        : `The plan for ${host} has ${total} commands, in order (InfraLens never runs them; review them first):`,
    subjectHead: (
      moves: {
        workload: string;
        from: readonly number[];
        to: readonly number[];
        form: string;
        numa: number | null;
      }[],
    ) =>
      `To fix it, the plan moves ${moves
        .map(
          (m) =>
            `${m.workload} from ${gpuList(m.from)} to ${gpuList(m.to)}${m.form !== 'whole' ? ` (${m.form})` : ''}${m.numa !== null ? ` on NUMA node ${m.numa}` : ''}`,
        )
        .join('; ')}.`,
    planHead: (
      host: string,
      moves: number,
      before: { value: number; grade: string } | null,
      after: { value: number; grade: string } | null,
    ) =>
      `Apply the placement plan for ${host}: ${moves} move${moves === 1 ? '' : 's'}${
        before && after
          ? ` take the score from ${fmt1(before.value)} (${before.grade}) to ${fmt1(after.value)} (${after.grade})`
          : ''
      }.`,
    downtime: (host: string, cmds: readonly string[]) =>
      cmds.length
        ? `the plan for ${host} stops what it moves: ${cmds.map(code).join(', ')}; each VM starts again at the end (${code('qm start')}).`
        : `the plan for ${host} needs no step that stops a VM or a GPU.`,
    canImprove: (
      host: string,
      moves: number,
      before: { value: number; grade: string } | null,
      after: { value: number; grade: string } | null,
    ) =>
      `The placement plan for ${host} has ${moves} move${moves === 1 ? '' : 's'}${
        before && after
          ? ` that take the score from ${fmt1(before.value)} (${before.grade}) to ${fmt1(after.value)} (${after.grade})`
          : ''
      }.`,
    commandsLead: (shown: number, total: number) =>
      shown < total ? `First commands (of ${total}):` : 'Commands, in order:',
    gain: (summary: string) => `Expected: ${summary}.`,
    whoRuns: (host: string) =>
      `InfraLens never runs these: an operator with root on ${host} (the Proxmox admin, for ${code('qm')}) reviews and runs them.`,
  },
  gains: {
    nothing: (host: string) =>
      `The plan changes nothing on ${host}: every workload is already well placed, so there is no gain to expect.`,
    score: (host: string, summary: string) => `On ${host}: ${summary}.`,
    notMoved: (ws: readonly string[], gpus: readonly number[]) =>
      `The plan does not move ${joinEn([...ws, ...gpus.map((g) => `GPU${g}`)])}: the gains come from the other moves.`,
    cost: (moves: number, _downtime: number) =>
      `Cost: ${moves} move${moves === 1 ? '' : 's'}, each a VM restart (planned downtime).`,
  },
  report: {
    failed: (err: string) => `The report could not be made: ${err}`,
    sections: (list: readonly string[]) => `Sections: ${list.join(', ')}`,
    score: (host: string, v: number, g: string, meaning: string | undefined) =>
      `${host}: ${fmt1(v)}/100, grade ${g} (${meaning ?? g}).`,
    attached: (hosts: readonly string[], file: string) =>
      `The PDF report for ${joinEn([...hosts])} is attached: ${file}.`,
  },
  finding: {
    none: (host: string) => `No finding on ${host} matches that.`,
    head: (title: string, sev: string | undefined, rule: string) => `${title} — ${sev ?? ''} (${rule}).`,
    todo: (rec: string) => `What to do: ${rec}`,
  },
  entity: {
    workload: (st: WorkloadState, n: number) =>
      `${st.vmid !== null ? `VM ${st.vmid} runs ${st.name}` : st.name} (${st.kind}) on ${gpuList(st.gpus) || 'no GPU'}${
        st.util.some((u) => u !== null) ? ` at ${utilList(st)} utilisation` : ''
      }${n > 0 ? `, with ${n} problem${n === 1 ? '' : 's'}.` : `: no finding concerns it${st.pairs.length ? ` (${pairsText(st.pairs)}${st.numa.every((x) => x !== null) ? `, NUMA node ${[...new Set(st.numa)].join('+')}` : ''})` : ''}.`}`,
    mainIssue: (title: string, impact: string | null) =>
      `The main one: ${title}${impact ? ` — ${impact}` : ''}.`,
    pairs: (ps: { a: number; b: number; kind: string | null }[]) =>
      `Links: ${ps.map((p) => `GPU${p.a}–GPU${p.b} ${p.kind ? pathOf('en', p.kind) : '?'}`).join(', ')}`,
    passthrough: (st: WorkloadState) =>
      `${st.vmid !== null ? `VM ${st.vmid} (${st.name})` : st.name} gets these PCI devices passed through: ${st.hostpci
        .map((h) => `${h.device} (${h.slot})`)
        .join(', ')}.`,
    passthroughModel: `The VM config alone does not say which GPU model sits at that address: send ${code('nvidia-smi -q -x')} (or the collector bundle) from the host.`,
    cpus: (cpus: string, source: string | null, numa: readonly (number | null)[]) =>
      `CPUs ${code(cpus)}${source ? ` (${source})` : ''}${numa.every((n) => n !== null) ? `, GPUs on NUMA node ${[...new Set(numa)].join('+')}` : ''}`,
    gpu: (g: {
      gpu: number;
      name: string | null;
      workloads: { name: string; vmid: number | null; kind: string }[];
      util: number | null;
      used: number | null;
      total: number | null;
      numa: number | null;
    }) =>
      `${
        g.workloads.length
          ? `GPU${g.gpu}${g.name ? ` (${g.name})` : ''} runs ${joinEn(g.workloads.map((w) => `${w.name} (${w.vmid !== null ? `VM ${w.vmid}, ` : ''}${w.kind})`))}`
          : `GPU${g.gpu}${g.name ? ` (${g.name})` : ''} is not allocated to any workload${g.util === 0 ? ' and idle' : ''}`
      }: ${g.util !== null ? `${g.util}% utilisation` : 'no utilisation data'}${g.used !== null && g.total !== null ? `, ${g.used} of ${g.total} MiB` : ''}${g.numa !== null ? `, NUMA node ${g.numa}` : ''}.`,
    gpuClean: (gpus: readonly number[]) => `No finding concerns ${gpuList(gpus)}.`,
    noGpu: (host: string, known: readonly number[]) =>
      `That GPU is not on ${host}: ${known.length ? `its GPUs are ${gpuRange(known)}` : 'the inputs list no GPU index'}.`,
    noVm: (host: string, vms: { vmid: number; name: string }[]) =>
      `No VM with that id on ${host}${vms.length ? `: its VMs are ${vms.map((v) => `${v.vmid} (${v.name})`).join(', ')}` : ''}.`,
    noWorkload: (host: string, names: readonly string[]) =>
      `${joinEn(names)}: not found among ${host}'s workloads.`,
    nothing: (host: string) => `Ask about a GPU, a VM or a workload on ${host}.`,
  },
  change: {
    never: (host: string) => `InfraLens only proposes: it never changes ${host} itself.`,
    who: (host: string, n: number) =>
      `InfraLens only proposes and never changes ${host}: an operator with root on it (the Proxmox admin, for ${code('qm')}) would review and run ${n === 1 ? 'this command' : 'these commands'} of the plan:`,
    noneApplies: (host: string, kind: string, vms: readonly number[], gpus: readonly number[]) => {
      const what = vms.length ? vms.map((v) => `VM ${v}`).join(', ') : gpus.length ? gpuList(gpus) : 'that';
      if (kind === 'delete')
        return `No command of the plan deletes ${what}; that is for the Proxmox admin of ${host} to decide and do${
          vms.length === 1 ? ` (after a backup, with ${code(`qm destroy ${vms[0]}`)})` : ''
        }.`;
      if (kind === 'reboot')
        return `The plan reboots nothing on ${host}; a reboot is for an operator with root on it to decide.`;
      if (kind === 'stop')
        return `No command of the plan turns ${what} off; an operator with root on ${host} decides that.`;
      return `No command of the plan does that on ${host}; an operator with root on it (the Proxmox admin for VMs) decides.`;
    },
  },
  fleet: {
    head: (
      count: number,
      fleet: { score: number; grade: string } | null,
      worst: { host: string; score: { value: number; grade: string } | null },
    ) =>
      `${count} hosts are loaded${fleet ? ` (fleet ${fmt1(fleet.score)}, ${fleet.grade})` : ''}; the worst is ${worst.host}${worst.score ? ` at ${fmt1(worst.score.value)} (${worst.score.grade})` : ''}.`,
    line: (h: {
      host: string;
      gpus: number;
      models: readonly string[];
      score: { value: number; grade: string } | null;
      findings: { critical: number; warning: number };
      top: string | null;
    }) =>
      `${h.host}: ${h.score ? `${fmt1(h.score.value)} (${h.score.grade})` : 'no score'}, ${h.gpus} GPUs${h.models.length ? ` ${h.models.join('/')}` : ''}; ${h.findings.critical} critical, ${h.findings.warning} warning${h.top ? `; top: ${h.top}` : ''}`,
    compare: (worst: { host: string; v: number; g: string }, best: { host: string; v: number; g: string }) =>
      `${worst.host} is worse: ${fmt1(worst.v)} (${worst.g}) against ${best.host} at ${fmt1(best.v)} (${best.g}).`,
    onlyOne: (host: string, score: { value: number; grade: string } | null) =>
      `Only ${host} is loaded${score ? ` (${fmt1(score.value)}, ${score.grade})` : ''}: upload another server's bundle to compare.`,
  },
  inventory: {
    /** (no CUDA version: the grounding checker reads "12.8" as a number, not as the version string it is.) */
    head: (host: string, n: number, models: readonly string[], driver: string | null) =>
      `${host} has ${n} GPU${n === 1 ? '' : 's'}${models.length === 1 ? ` (${models[0]})` : ''}${
        driver ? `, driver ${driver}` : ''
      }.`,
    models: (ms: { name: string; gpus: readonly number[] }[]) =>
      `Models: ${ms.map((m) => `${m.name} on ${gpuList(m.gpus)}`).join('; ')}.`,
    workload: (name: string, vmid: number | null, kind: string, gpus: readonly number[]) =>
      `${name}${vmid !== null ? ` (VM ${vmid}, ${kind})` : ` (${kind})`}: ${gpus.length ? gpuList(gpus) : 'no GPU'}`,
  },
  limited: {
    what: {
      overview: 'how busy or efficient it is',
      slow: 'what slows the jobs',
      score: 'the efficiency score',
      idle: 'which GPUs are idle',
      mig: 'which jobs could share a GPU',
      fix: 'a placement plan',
      gains: 'the expected gains',
    } as Record<string, string>,
    noUtil: (host: string, what: string, send: string) =>
      `${host}'s inputs have no utilisation data, so they cannot tell ${what}: send ${send}.`,
    noScore: (host: string, reason: string, what: string) =>
      `${host} has no efficiency score (${reason}), so these inputs cannot tell ${what}.`,
    shows: (what: string) => `What they show: ${what}`,
    inputs: (list: readonly string[]) => `Inputs: ${list.join(', ')}`,
    gpus: (n: number, models: readonly string[]) =>
      `${n} GPU${n === 1 ? '' : 's'}${models.length ? ` (${models.join(', ')})` : ''}`,
    utilSend: `${code('nvidia-smi -q -x')} (or the collector bundle)`,
  },
};

export type Phrases = typeof en;

// ---------------------------------------------------------------------------------------------------------
// Korean

const ko: Phrases = {
  yes: '네, ',
  no: '아니요, ',
  grade: { A: '최적', B: '양호', C: '비효율', D: '심각한 낭비', F: '위험' },
  severity: { critical: '심각', warning: '경고', info: '참고' },
  sentence: (s: string) => {
    const t = s.trim();
    return `${t}${/[.!?:]$/.test(t) ? '' : '.'}`;
  },
  failed: (err: string) => `도구가 답하지 못했습니다: ${err}`,
  missing: (m: string) => {
    const [what, send] = missingParts(m);
    const w = MISSING_KO.find(([re]) => re.test(what))?.[1] ?? what;
    const how = send
      .replace(' (or the collector bundle)', '(또는 수집 번들)')
      .replace(' with its NUMA column, or ', '(NUMA 열 포함) 또는 ');
    return send
      ? `이 입력에는 ${josa(w, '이')} 없습니다: ${josa(how, '을')} 보내 주세요.`
      : `이 입력에는 ${josa(w, '이')} 없습니다.`;
  },
  source: (src: string) => `출처: ${src}`,
  offTopic:
    '저는 GPU 서버에 관한 질문에 답합니다: 느리거나 노는 GPU, 효율 점수, 토폴로지와 NVLink, NUMA 피닝, MIG와 GPU 공유, 배치 계획과 명령어, PDF 보고서.',
  unknownHost: (asked: string | null, hosts: readonly string[]) =>
    `${asked ? `${code(asked)}에 대한 데이터는 없습니다` : '그 호스트의 데이터는 없습니다'}: 불러온 호스트는 ${joinKo(hosts)}입니다.`,
  unknownHostMore: (hosts: readonly string[]) =>
    `${hosts.length === 1 ? `${josa(hosts[0]!, '을')} 물어보시거나` : '그중 하나를 물어보시거나'}, 다른 서버의 번들을 올려 주세요 (${code('infralens collect-script')}가 수집 스크립트를 출력합니다).`,
  noData: '이 대화에는 아직 서버 데이터가 없습니다.',
  noDataMore: `서버에서 ${code('infralens collect-script')}로 만든 파일(또는 ${code('nvidia-smi -q -x')}, ${code('nvidia-smi topo -m')}, Proxmox VM 설정)을 올려 주세요.`,
  unreadable: (why: string) => `올린 파일을 하나도 읽지 못했습니다: ${why}`,
  more: {
    overview: '‘왜 느려?’, ‘노는 GPU 있어?’, ‘어떻게 고쳐?’ 또는 ‘보고서’라고 물어보세요.',
    fix: '‘어떻게 고쳐?’라고 물으면 배치 계획과 명령어를 알려 드립니다.',
    commands: '전체 명령을 보려면 ‘명령어 전부’라고 물어보세요.',
    allCommands: (n: number) => `전체 ${n}단계 명령을 보려면 ‘명령어 전부’라고 물어보세요.`,
    allFindings: '나머지를 보려면 ‘발견 사항 전부’라고 물어보세요.',
    gains: '기대 효과는 ‘얼마나 빨라져?’, 문서는 ‘보고서’라고 물어보세요.',
    fleet: (host: string) => `호스트를 지정하면 자세히 알려 드립니다. 예: ‘${host} 왜 느려?’`,
  },
  overview: {
    head: (host, v, g, meaning, n, sev) =>
      `${host}의 효율 점수는 ${fmt1(v)}/100, 등급 ${g}(${meaning ?? g})` +
      (n === 0
        ? '이며 규칙이 찾은 문제는 없습니다.'
        : `이며 발견 사항은 ${n}건${sev ? `(심각 ${sev.critical}, 경고 ${sev.warning}, 참고 ${sev.info})` : ''}입니다.`),
    noScore: (host, reason) => `${host}에는 효율 점수가 없습니다: ${reason}.`,
    worst: (title, impact) => `가장 심각한 문제: ${title}${impact ? ` — ${impact}` : ''}.`,
    clean: () =>
      '어떤 규칙도 문제를 찾지 못했습니다 (NVLink, NUMA, MIG, 유휴 GPU, 메모리, PCIe, 클럭, ECC, NIC).',
    plan: (moves, after, g) => `배치 계획(이동 ${moves}건)을 적용하면 ${fmt1(after)}점(${g})이 됩니다.`,
  },
  slow: {
    main: (host, title, gpus, w) =>
      `${host}에서 느린 이유 — 가장 큰 원인: ${title}${gpus.length || w ? ` (${[gpuList(gpus), w].filter(Boolean).join(', ')})` : ''}.`,
    mainOf: (w, title, gpus) => `${w}의 주요 원인: ${title}${gpus.length ? ` (${gpuList(gpus)})` : ''}.`,
    notSlow: (st) =>
      `${st.vmid !== null ? `VM ${st.vmid}(${st.name})` : st.name}의 배치에는 느려질 원인이 없습니다: ${
        st.pairs.length ? `${pairsText(st.pairs)}${st.allNvlink ? ' (NVLink)' : ''}` : gpuList(st.gpus)
      }${st.numa.every((n) => n !== null) ? `, NUMA 노드 ${[...new Set(st.numa)].join('+')}` : ''}, 사용률 ${utilList(st)}.`,
    none: (host, gpus) =>
      `${host}${gpus.length ? `(${gpuList(gpus)})` : ''}에서 작업을 느리게 하는 원인을 찾지 못했습니다: NVLink 그룹이나 소켓을 가로지르는 작업, 먼 CPU, 입력 대기, 링크·클럭·메모리 문제가 없습니다.`,
    fix: (w, to, numa, gain) =>
      `제안 배치: ${w} → ${gpuList(to)}${numa !== null ? ` (NUMA ${numa})` : ''}.${gain ? ` 기대 효과: ${gain}.` : ''}`,
    fine: (name, gpus, kind) =>
      `${name}(${gpuList(gpus)}${kind ? `, ${kind}` : ''})의 배치에는 문제가 없습니다.`,
  },
  score: {
    label: { gpu: 'GPU 활용도', numa: 'NUMA 정렬', io: '인터커넥트/I/O' },
    head: (host, v, g, meaning, weakest, wv) =>
      `${host}의 점수는 ${fmt1(v)}/100, 등급 ${g}(${meaning ?? g})이며, 가장 크게 끌어내린 요소는 ${ko.score.label[weakest]}(${fmt1(wv)}/100)입니다.`,
    gpuLine: (v, w, n, lows) =>
      `GPU 활용도 ${fmt1(v)} (가중치 ${w}, 할당된 GPU ${n}개 기준); 가장 낮은 GPU: ${lows
        .map((l) => `GPU${l.gpu} ${pct(l.util)}${l.workload ? `(${l.workload})` : ''}`)
        .join(', ')}`,
    numaLine: (v, w, n, off) =>
      `NUMA 정렬 ${fmt1(v)} (가중치 ${w}, GPU ${n}개 기준): ${off.length ? `${josa(gpuList(off), '이')} 다른 NUMA 노드의 CPU에서 데이터를 받음` : '모든 GPU가 같은 NUMA 노드의 CPU를 씀'}`,
    ioLine: (v, w, n, off, why) =>
      `인터커넥트/I/O ${fmt1(v)} (가중치 ${w}, GPU ${n}개 기준): ${off.length ? `${josa(gpuList(off), '이')} 최고 속도보다 느림${why ? ` (${why})` : ''}` : '모든 링크가 최고 속도'}`,
    scale: (s) => `등급 기준: A ≥ ${s.A}, B ≥ ${s.B}, C ≥ ${s.C}, D ≥ ${s.D}, 그 아래 F.`,
    after: (moves, v, g) => `배치 계획(이동 ${moves}건)을 적용하면 ${fmt1(v)}점(${g})으로 오릅니다.`,
    none: (host, reason) => `${host}에는 효율 점수가 없습니다: ${reason}${/[.]$/.test(reason) ? '' : '.'}`,
  },
  idle: {
    idle: (host, list) =>
      `${host}에서 ${list.map((x) => `${x.title}${x.util.every((u) => u !== null) ? ` (사용률 ${x.util.map(pct).join('/')})` : ''}`).join('; ')}.`,
    small: (list) =>
      `거의 놀고 있는 GPU: ${list
        .map(
          (x) =>
            `${josa(`GPU${x.gpu ?? '?'}(${x.workload ?? '?'}, ${pct(x.util)})`, '은')} ${x.mig ? `MIG ${x.fits} 슬라이스` : `${x.shareGB ?? '?'} GB vGPU 공유`}로 충분함`,
        )
        .join('; ')}.`,
    noData: (host) =>
      `${host}의 입력에는 GPU 사용률이 없습니다: ${code('nvidia-smi -q -x')}(또는 수집 번들)를 보내 주세요.`,
    none: (host, lowest) =>
      `${host}의 모든 GPU가 할당되어 일하고 있습니다${lowest ? ` (가장 한가한 GPU: GPU${lowest.gpu}, ${lowest.util}%)` : ''}.`,
    busiest: (host, xs) =>
      `${host}에서 가장 바쁜 GPU: ${xs.map((x) => `GPU${x.gpu} ${x.util}%${x.workload ? `(${x.workload})` : ''}`).join(', ')}.`,
    planUses: (w, gpus) => `배치 계획은 ${josa(gpuList(gpus), '을')} ${w}에 할당합니다.`,
    planFrees: (summary) => `계획 적용 시: ${summary}.`,
  },
  mig: {
    candidates: (list) =>
      `GPU 한 장을 통째로 쓰지만 슬라이스로 충분한 작업: ${list
        .map(
          (x) =>
            `${x.workload ?? '?'}(GPU${x.gpu ?? '?'}, ${pct(x.util)}) → ${x.fits ? `MIG ${x.fits}` : `${x.shareGB ?? '?'} GB vGPU 공유 (이 GPU는 MIG 미지원)`}`,
        )
        .join('; ')}.`,
    profiles: (gpu, ps) =>
      `GPU${gpu}에서 쓸 수 있는 MIG 프로파일: ${ps
        .map(
          (p) =>
            `${p.name}${p.free !== null && p.total !== null ? ` (${p.total}개 중 ${p.free}개 남음${p.gib !== null ? `, ${p.gib} GiB` : ''})` : ''}`,
        )
        .join(', ')}.`,
    needUtil: `어떤 작업이 쓸 수 있는지는 사용률과 메모리가 있어야 압니다: ${code('nvidia-smi -q -x')}와 VM 설정을 보내 주세요.`,
    notCandidate: (host, ws, gpus) =>
      `${host}의 ${josa(joinKo([...ws, ...(ws.length ? [] : gpus.map((g) => `GPU${g}`))]), '은')} MIG/공유 대상이 아닙니다: GPU를 통째로 잡고 있는 작은 추론 작업이 없습니다.`,
    none: (host, enabled) =>
      `${host}에는 GPU를 통째로 잡고 있는 작은 추론 작업이 없습니다${enabled.length ? `; ${gpuList(enabled)}에는 MIG가 켜져 있습니다` : ''}.`,
    noMig: (host, models) =>
      `${host}의 ${josa(models.join(', '), '은')} MIG를 지원하지 않습니다. 나눠 쓰려면 vGPU 공유, time-slicing 또는 MPS를 쓰세요.`,
    allDisabled: (n) => `현재 GPU ${n}개 모두 MIG가 꺼져 있습니다.`,
    instances: (gpu, profiles) => `GPU${gpu}의 MIG 인스턴스: ${profiles.join(', ')}.`,
    planMove: (ws, gpus, form) =>
      `배치 계획: ${josa(joinKo(ws), '을')} ${gpuList(gpus)}의 ${josa(form, '로')} 옮깁니다.`,
  },
  nvlink: {
    noLinks: (host) =>
      `${host}의 입력에는 GPU 간 연결 정보가 없습니다: ${josa(code('nvidia-smi topo -m'), '을')} 보내 주세요.`,
    pairs: (ps) =>
      `${ps.map((p) => `GPU${p.a} ↔ GPU${p.b}: ${p.kind ? pathOf('ko', p.kind) : '알 수 없음'}`).join('; ')}.`,
    gpuGroup: (host, g, group, inGroup) =>
      group
        ? `${host}에서 ${josa(`GPU${g}`, '은')} NVLink 그룹 ${gpuRange(group)}${inGroup.length ? `(${inGroup.join('/')})` : ''}에 속합니다.`
        : `${host}에서 ${josa(`GPU${g}`, '은')} NVLink로 연결된 GPU가 없습니다.`,
    workload: (name, ps, allNv) =>
      `${name}의 GPU 연결: ${pairsText(ps)} — ${allNv ? '모든 쌍이 NVLink입니다' : '모든 쌍이 NVLink는 아닙니다'}.`,
    single: (w) => `${josa(w, '은')} GPU 하나만 쓰므로 NVLink와 상관이 없습니다.`,
    noNvlink: (host, across) =>
      `${host}에는 NVLink가 없습니다: GPU끼리 PCIe로 통신합니다${across.length ? ` (${across.map((k) => pathOf('ko', k)).join(', ')})` : ''}.`,
    split: (w, gpus, kind, impact) =>
      `${josa(w, '은')} 서로 다른 NVLink 그룹의 ${gpuList(gpus)}에서 실행됩니다${kind ? ` (${kind})` : ''}${impact ? `: ${impact}` : ''}.`,
    allGood: (list) =>
      `여러 GPU를 쓰는 작업은 모두 한 NVLink 그룹 안에 있습니다: ${list.map((w) => `${w.name}(${gpuList(w.gpus)}${w.kind ? `, ${w.kind}` : ''})`).join(', ')}.`,
    fine: (list) =>
      `${josa(joinKo(list.map((w) => `${w.name}(${pairsText(w.pairs)})`)), '은')} 문제없습니다: 모두 NVLink로 연결되어 있습니다.`,
    unused: (host) =>
      `${host}에는 GPU 여러 개를 쓰는 작업이 없어, 지금은 NVLink로 오가는 작업 트래픽이 없습니다.`,
    groups: (host, groups, inGroup, across) =>
      `${host}에서 NVLink로 연결된 GPU: ${groupsText(groups)}${inGroup.length ? ` (${inGroup.join('/')})` : ''}${
        across.length ? `; 그 밖의 쌍은 ${across.map((k) => pathOf('ko', k)).join(' 또는 ')}` : ''
      }.`,
    workloadShort: (name, ps, numa) =>
      `${name}: ${pairsText(ps)}${numa.length ? `, NUMA ${numa.join('+')}` : ''}`,
    fix: (w, to, gain) =>
      `해결: 배치 계획은 ${josa(w, '을')} 한 NVLink 그룹 안의 ${josa(gpuList(to), '로')} 옮깁니다${gain ? ` — ${gain}` : ''}.`,
  },
  numa: {
    mismatch: (host, list) =>
      `${host}에서 ${josa(joinKo(list.map((x) => `${x.workload}(${gpuList(x.gpus)})`)), '이')} GPU와 다른 NUMA 노드의 CPU에서 실행됩니다.`,
    unknown: (host, ws) =>
      `${host}의 입력에는 ${ws.length ? `${joinKo(ws)}의 ` : ''}CPU 피닝 정보가 없습니다: Proxmox VM 설정(${code('/etc/pve/qemu-server/<vmid>.conf')}) 또는 ${code('cpus')}가 있는 워크로드 파일을 보내 주세요.`,
    aligned: (host, checked) =>
      `${host}에서 CPU가 고정된 워크로드는 모두 GPU와 같은 NUMA 노드의 CPU를 씁니다: ${checked.join(', ')}.`,
    gpuNodes: (host, groups) =>
      `${host}에서 ${groups
        .map(
          (g) =>
            `${josa(gpuRange(g.gpus), '은')} NUMA 노드 ${g.node}${g.cpus ? `(CPU ${code(g.cpus)})` : ''}`,
        )
        .join(', ')}에 있습니다.`,
    noNodes: (host, groups) =>
      `${host}의 입력에는 GPU의 NUMA 노드가 없습니다(이 topo -m에는 NUMA 열이 없음). CPU 친화성: ${groups
        .map((g) => `${gpuRange(g.gpus)}${g.cpus ? ` CPU ${code(g.cpus)}` : ''}`)
        .join('; ')}.`,
    nodes: (host, n, nodes) =>
      `${host}에는 NUMA 노드가 ${n}개 있습니다: ${nodes
        .map(
          (x) =>
            `노드 ${x.id}:${x.cpus ? ` CPU ${code(x.cpus)}` : ''}${x.memoryMiB !== null ? ` (${x.memoryMiB} MiB)` : ''}`,
        )
        .join('; ')}.`,
    layout: (nodes) =>
      `NUMA 구성: ${nodes.map((n) => `노드 ${n.id}: ${n.cpus ? `CPU ${code(n.cpus)}, ` : ''}${n.gpus.length ? gpuRange(n.gpus) : 'GPU 없음'}`).join('; ')}`,
    fix: (w, to, numa, cpus) =>
      `해결: 배치 계획은 ${josa(w, '을')} ${josa(`${gpuList(to)}${numa !== null ? `(NUMA 노드 ${numa})` : ''}`, '로')} 옮기고${cpus ? ` CPU ${josa(code(cpus), '을')} 씁니다` : ' 그 노드의 CPU를 씁니다'}.`,
  },
  memory: {
    pressure: (host, title, w) => `${host}의 ${title}${w ? `(${w})` : ''}: 메모리 부족(OOM) 위험이 있습니다.`,
    noData: (host) =>
      `${host}의 입력에는 GPU 메모리 정보가 없습니다: ${code('nvidia-smi -q -x')}를 보내 주세요.`,
    none: (host, gpus, f) =>
      `${host}에서 메모리 한도에 가까운 ${josa(`GPU${gpus ? `(${gpuList(gpus)})` : ''}`, '은')} 없습니다. 가장 많이 쓰는 GPU는 ${josa(`GPU${f.gpu}${f.workload ? `(${f.workload})` : ''}`, '로')} ${f.total} MiB 중 ${f.used} MiB입니다.`,
    list: (xs) => `메모리 사용량: ${xs.map((x) => `GPU${x.gpu} ${x.used}/${x.total} MiB`).join(', ')}`,
  },
  ecc: {
    found: (host, titles) => `${host}에 GPU 메모리 오류가 있습니다: ${titles.join('; ')}.`,
    noData: (host) =>
      `${host}의 입력에는 ECC 카운터가 없습니다: ${code('nvidia-smi -q')}(또는 수집 번들)를 보내 주세요.`,
    none: (host, all, gpus) =>
      `${all !== null ? `${host}의 GPU ${all}개 모두` : `${host}의 ${gpuList(gpus.filter((g): g is number => g !== null))}에서`} 수정 불가 ECC 오류가 0건이고 대기 중인 row remap도 없습니다.`,
    modes: (modes) =>
      `ECC 모드: ${modes.map((m) => (m === 'enabled' ? '켜짐' : m === 'disabled' ? '꺼짐' : '알 수 없음')).join(', ')}`,
    noCorrected: '수정된 오류(ECC가 바로잡은 것): 모든 GPU 0건.',
    corrected: (xs) =>
      `수정된 오류(ECC가 바로잡음, 추이를 지켜보세요): ${xs.map((x) => `GPU${x.gpu ?? '?'} ${x.n ?? '?'}건`).join(', ')}`,
  },
  pcie: {
    found: (host, title) => `${host}: ${title}.`,
    noData: (host) =>
      `${host}의 입력에는 PCIe 링크 상태가 없습니다: ${code('nvidia-smi -q -x')}를 보내 주세요.`,
    none: (host, count, gpus, u) =>
      `${count !== null ? `${host}의 GPU ${count}개 모두` : `${host}의 ${gpuList(gpus)}는`} PCIe 링크를 최대 폭으로 쓰고 있습니다${
        u ? `: x${u.widthMax} 중 x${u.width}${u.genMax !== null ? `, Gen${u.genMax} 링크` : ''}` : ''
      }.`,
    idleGen: (gpus) =>
      `${josa(gpuList(gpus), '은')} 최고 PCIe 세대보다 낮게 동작합니다: 유휴 상태에서는 정상입니다(절전).`,
  },
  clocks: {
    found: (host, titles) => `${host}: ${titles.join('; ')}.`,
    noData: (host) =>
      `${host}의 입력에는 클럭·온도·전력 정보가 없습니다: ${code('nvidia-smi -q -x')}를 보내 주세요.`,
    none: (host, hottest) =>
      `${host}에서 열이나 전원 브레이크로 느려진 GPU는 없습니다${hottest ? `. 가장 뜨거운 GPU는 ${josa(`GPU${hottest.gpu}`, '로')} ${hottest.c} °C입니다` : ''}.`,
    power: (host, xs) =>
      `${host}의 전력 사용: ${xs.map((x) => `GPU${x.gpu} ${x.draw} W${x.limit !== null ? `(상한 ${x.limit} W)` : ''}`).join(', ')}.`,
    hottest: (host, gpu, c, w) =>
      `${host}에서 가장 뜨거운 GPU는 ${josa(`GPU${gpu}${w ? `(${w})` : ''}`, '로')} ${c} °C입니다.`,
    powerCap: (xs) =>
      `${josa(gpuList(xs.map((x) => x.gpu)), '은')} 전력 상한에서 동작합니다 (sw_power_cap; ${xs
        .slice(0, 2)
        .map((x) => `GPU${x.gpu} ${x.limit ?? '?'} W 중 ${x.draw ?? '?'} W`)
        .join(', ')}): 최대 부하에서는 정상입니다.`,
    temps: (xs) =>
      `온도: ${xs.map((x) => `GPU${x.gpu} ${x.c} °C${x.w !== null ? ` (${x.w} W)` : ''}`).join(', ')}`,
  },
  nic: {
    none: (host) =>
      `${host}의 입력에는 네트워크 카드가 없습니다: 호스트에서 ${josa(code('nvidia-smi topo -m'), '을')} 보내 주세요 (NIC가 나옵니다).`,
    rdma: (host, near) =>
      near.length
        ? `${host}에서 GPUDirect RDMA 경로가 짧은 GPU: ${near.map((n) => `${n.gpus.join(', ')} — ${n.device} (${n.path})`).join('; ')}.`
        : `${host}에는 NIC와 PCIe 스위치를 공유하는 GPU가 없어, GPUDirect RDMA 트래픽이 CPU를 거칩니다.`,
    list: (host, nics) =>
      `${host}의 NIC: ${nics.map((n) => `${n.device}${n.gpus.length ? `(${n.gpus.join(', ')} 옆` : '('}${n.path ? `, ${n.path})` : ')'}`).join('; ')}.`,
    far: (title, impact) => `${title}${impact ? `: ${impact}` : ''}.`,
    line: (device, id, gpus, path, numa) =>
      `${device} (${id}): 가장 가까운 GPU ${gpus.length ? gpus.join(', ') : '알 수 없음'}${path ? `, ${pathOf('ko', path)}` : ''}${numa !== null ? `, NUMA 노드 ${numa}` : ''}`,
  },
  fix: {
    noPlan: (host, err) => `${host}의 배치 계획은 없습니다: ${err}${/[.]$/.test(err) ? '' : '.'}`,
    recommend: (title, rec) => `${title}: ${rec}`,
    noMoves: (host, score) =>
      `${host}에서는 옮길 것이 없습니다: 모든 워크로드가 이미 잘 배치되어 있습니다${score !== null ? ` (점수 ${fmt1(score)})` : ''}.`,
    commandsHead: (host, _n, total, ws) =>
      ws.length
        ? `${host}에서 ${joinKo(ws)}에 해당하는 명령입니다 (순서대로, InfraLens는 실행하지 않습니다):`
        : `${host}의 배치 계획 명령 ${total}개입니다 (순서대로, InfraLens는 실행하지 않으니 먼저 검토하세요):`,
    subjectHead: (moves) =>
      `해결하려면 배치 계획대로 ${moves
        .map(
          (m) =>
            `${josa(m.workload, '을')} ${gpuList(m.from)}에서 ${gpuList(m.to)}${m.form !== 'whole' ? `(${m.form})` : ''}${m.numa !== null ? `(NUMA 노드 ${m.numa})` : ''}로`,
        )
        .join(', ')} 옮기세요.`,
    planHead: (host, moves, before, after) =>
      `${host}의 배치 계획을 적용하세요: 이동 ${moves}건${before && after ? `으로 점수가 ${fmt1(before.value)}(${before.grade})에서 ${fmt1(after.value)}(${after.grade})로 오릅니다` : '입니다'}.`,
    downtime: (host, cmds) =>
      cmds.length
        ? `${host}의 배치 계획은 옮기는 대상을 멈춥니다: ${cmds.map(code).join(', ')}; 마지막에 각 VM을 다시 시작합니다(${code('qm start')}).`
        : `${host}의 배치 계획에는 VM이나 GPU를 멈추는 단계가 없습니다.`,
    canImprove: (host, moves, before, after) =>
      `${host}의 배치 계획에는 이동 ${moves}건이 있으며${before && after ? `, 적용하면 점수가 ${fmt1(before.value)}(${before.grade})에서 ${fmt1(after.value)}(${after.grade})로 오릅니다` : ''}.`,
    commandsLead: (shown, total) => (shown < total ? `처음 명령 (전체 ${total}개 중):` : '명령 (순서대로):'),
    gain: (summary) => `기대 효과: ${summary}.`,
    whoRuns: (host) =>
      `InfraLens는 이 명령을 실행하지 않습니다: ${host}의 root 권한이 있는 운영자(${code('qm')}은 Proxmox 관리자)가 검토 후 실행합니다.`,
  },
  gains: {
    nothing: (host) =>
      `배치 계획은 ${host}에서 바꾸는 것이 없습니다: 이미 잘 배치되어 있어 기대할 효과가 없습니다.`,
    score: (host, summary) => `${host}: ${summary}.`,
    notMoved: (ws, gpus) =>
      `배치 계획은 ${josa(joinKo([...ws, ...gpus.map((g) => `GPU${g}`)]), '을')} 옮기지 않습니다: 효과는 다른 이동에서 나옵니다.`,
    cost: (moves) => `비용: 이동 ${moves}건, 각각 VM 재시작(계획된 중단)이 필요합니다.`,
  },
  report: {
    failed: (err) => `보고서를 만들지 못했습니다: ${err}`,
    sections: (list) => `구성: ${list.join(', ')}`,
    score: (host, v, g, meaning) => `${host}: ${fmt1(v)}/100, 등급 ${g}(${meaning ?? g}).`,
    attached: (hosts, file) => `${joinKo(hosts)}의 PDF 보고서를 첨부했습니다: ${file}.`,
  },
  finding: {
    none: (host) => `${host}에서 그에 해당하는 발견 사항은 없습니다.`,
    head: (title, sev, rule) => `${title} — ${sev ?? ''} (${rule}).`,
    todo: (rec) => `조치: ${rec}`,
  },
  entity: {
    workload: (st, n) =>
      `${st.vmid !== null ? `VM ${st.vmid}에서 ` : ''}${josa(`${st.name}(${KIND_KO[st.kind] ?? st.kind})`, '이')} ${st.gpus.length ? `${gpuList(st.gpus)}에서` : 'GPU 없이'} 실행 중입니다${st.util.some((u) => u !== null) ? ` (사용률 ${utilList(st)})` : ''}${
        n > 0
          ? `. 문제가 ${n}건 있습니다.`
          : `. 해당하는 문제는 없습니다${st.pairs.length ? ` (${pairsText(st.pairs)}${st.numa.every((x) => x !== null) ? `, NUMA 노드 ${[...new Set(st.numa)].join('+')}` : ''})` : ''}.`
      }`,
    mainIssue: (title, impact) => `가장 큰 문제: ${title}${impact ? ` — ${impact}` : ''}.`,
    pairs: (ps) =>
      `연결: ${ps.map((p) => `GPU${p.a}–GPU${p.b} ${p.kind ? pathOf('ko', p.kind) : '?'}`).join(', ')}`,
    passthrough: (st) =>
      `${st.vmid !== null ? `VM ${st.vmid}(${st.name})` : st.name}에는 다음 PCI 장치가 패스스루됩니다: ${st.hostpci
        .map((h) => `${h.device} (${h.slot})`)
        .join(', ')}.`,
    passthroughModel: `VM 설정만으로는 그 주소에 어떤 GPU 모델이 있는지 알 수 없습니다: 호스트에서 ${code('nvidia-smi -q -x')}(또는 수집 번들)를 보내 주세요.`,
    cpus: (cpus, source, numa) =>
      `CPU ${code(cpus)}${source ? ` (${source})` : ''}${numa.every((n) => n !== null) ? `, GPU는 NUMA 노드 ${[...new Set(numa)].join('+')}` : ''}`,
    gpu: (g) =>
      `${
        g.workloads.length
          ? `GPU${g.gpu}${g.name ? `(${g.name})` : ''}에서 ${josa(joinKo(g.workloads.map((w) => `${w.name}(${w.vmid !== null ? `VM ${w.vmid}, ` : ''}${KIND_KO[w.kind] ?? w.kind})`)), '이')} 실행 중입니다`
          : `${josa(`GPU${g.gpu}${g.name ? `(${g.name})` : ''}`, '은')} 어떤 워크로드에도 할당되지 않았습니다${g.util === 0 ? ' (유휴 상태)' : ''}`
      }: ${g.util !== null ? `사용률 ${g.util}%` : '사용률 정보 없음'}${g.used !== null && g.total !== null ? `, 메모리 ${g.total} MiB 중 ${g.used} MiB` : ''}${g.numa !== null ? `, NUMA 노드 ${g.numa}` : ''}.`,
    gpuClean: (gpus) => `${gpuList(gpus)}에 해당하는 발견 사항은 없습니다.`,
    noGpu: (host, known) =>
      `그 GPU는 ${host}에 없습니다: ${known.length ? `GPU는 ${gpuRange(known)}입니다` : '입력에 GPU 번호가 없습니다'}.`,
    noVm: (host, vms) =>
      `${host}에는 그 번호의 VM이 없습니다${vms.length ? `: VM은 ${vms.map((v) => `${v.vmid}(${v.name})`).join(', ')}입니다` : ''}.`,
    noWorkload: (host, names) => `${joinKo(names)}: ${host}의 워크로드에서 찾지 못했습니다.`,
    nothing: (host) => `${host}의 GPU, VM 또는 워크로드를 지정해 물어보세요.`,
  },
  change: {
    never: (host) => `InfraLens는 제안만 하며 ${josa(host, '을')} 직접 바꾸지 않습니다.`,
    who: (host) =>
      `InfraLens는 제안만 하며 ${josa(host, '을')} 직접 바꾸지 않습니다. ${host}의 root 권한이 있는 운영자(${code('qm')}은 Proxmox 관리자)가 검토 후 실행할 배치 계획 명령입니다:`,
    noneApplies: (host, kind, vms, gpus) => {
      const what = vms.length ? vms.map((v) => `VM ${v}`).join(', ') : gpus.length ? gpuList(gpus) : '그것';
      if (kind === 'delete')
        return `배치 계획에는 ${josa(what, '을')} 삭제하는 명령이 없습니다. 삭제는 ${host}의 Proxmox 관리자가 판단하고 실행할 일입니다${
          vms.length === 1 ? ` (백업 후 ${code(`qm destroy ${vms[0]}`)})` : ''
        }.`;
      if (kind === 'reboot')
        return `배치 계획은 ${host}에서 아무것도 재부팅하지 않습니다. 재부팅은 root 권한이 있는 운영자가 판단합니다.`;
      if (kind === 'stop')
        return `배치 계획에는 ${josa(what, '을')} 끄는 명령이 없습니다. ${host}의 root 권한이 있는 운영자가 판단합니다.`;
      return `배치 계획에는 그런 명령이 없습니다. ${host}의 root 권한이 있는 운영자(VM은 Proxmox 관리자)가 판단합니다.`;
    },
  },
  fleet: {
    head: (count, fleet, worst) =>
      `호스트 ${count}대를 불러왔습니다${fleet ? ` (전체 ${fmt1(fleet.score)}, ${fleet.grade})` : ''}. 가장 나쁜 곳은 ${worst.host}${worst.score ? `(${fmt1(worst.score.value)}, ${worst.score.grade})` : ''}입니다.`,
    line: (h) =>
      `${h.host}: ${h.score ? `${fmt1(h.score.value)}(${h.score.grade})` : '점수 없음'}, GPU ${h.gpus}개${h.models.length ? ` ${h.models.join('/')}` : ''}; 심각 ${h.findings.critical}, 경고 ${h.findings.warning}${h.top ? `; 가장 큰 문제: ${h.top}` : ''}`,
    compare: (worst, best) =>
      `${josa(worst.host, '이')} 더 나쁩니다: ${fmt1(worst.v)}(${worst.g}), ${josa(best.host, '은')} ${fmt1(best.v)}(${best.g})입니다.`,
    onlyOne: (host, score) =>
      `불러온 호스트는 ${host}${score ? `(${fmt1(score.value)}, ${score.grade})` : ''} 하나뿐입니다: 비교하려면 다른 서버의 번들을 올려 주세요.`,
  },
  inventory: {
    head: (host, n, models, driver) =>
      `${host}에는 GPU ${n}개${models.length === 1 ? `(${models[0]})` : ''}가 있습니다${driver ? `. 드라이버 ${driver}` : ''}.`,
    models: (ms) => `모델: ${ms.map((m) => `${m.name} — ${gpuList(m.gpus)}`).join('; ')}.`,
    workload: (name, vmid, kind, gpus) =>
      `${name}${vmid !== null ? `(VM ${vmid}, ${KIND_KO[kind] ?? kind})` : `(${KIND_KO[kind] ?? kind})`}: ${gpus.length ? gpuList(gpus) : 'GPU 없음'}`,
  },
  limited: {
    what: {
      overview: '얼마나 바쁘고 효율적인지',
      slow: '무엇이 작업을 느리게 하는지',
      score: '효율 점수',
      idle: '어떤 GPU가 노는지',
      mig: '어떤 작업이 GPU를 나눠 쓸 수 있는지',
      fix: '배치 계획',
      gains: '기대 효과',
    },
    noUtil: (host, what, send) =>
      `${host}의 입력에는 사용률 데이터가 없어 ${josa(what, '을')} 알 수 없습니다: ${josa(send, '을')} 보내 주세요.`,
    noScore: (host, reason, what) =>
      `${host}에는 효율 점수가 없어(${reason}) 이 입력만으로는 ${josa(what, '을')} 알 수 없습니다.`,
    shows: (what) => `입력에서 알 수 있는 것: ${what}`,
    inputs: (list) => `입력: ${list.join(', ')}`,
    gpus: (n, models) => `GPU ${n}개${models.length ? ` (${models.join(', ')})` : ''}`,
    utilSend: `${code('nvidia-smi -q -x')}(또는 수집 번들)`,
  },
};

export const TEXT: Record<Lang, Phrases> = { en, ko };
