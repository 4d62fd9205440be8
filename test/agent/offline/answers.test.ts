/**
 * The offline analyst end to end through the real tools: every topic in both languages on the demo hosts,
 * two hosts at once, topology-only and other real uploads, an unknown host, and follow-ups that feed the
 * returned focus back. Each answer must answer in its first lines, hold the facts `infralens analyze`
 * states, stay within the length limit and pass the grounding checker.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { scenarioFiles } from '../../../bin/cli.ts';
import { checkGrounding, GroundingIndex } from '../../../bot/agent/grounding.ts';
import { questionIdentities } from '../../../bot/agent/identities.ts';
import { languageOf } from '../../../bot/agent/lang.ts';
import { offlineAnswer, parseFocus } from '../../../bot/agent/offline/index.ts';
import { renderPdf } from '../../../jobs/report/pdf.ts';
import { LocalRunner } from '../../../tools/agent/runner.ts';
import { Session } from '../../../tools/agent/session.ts';
import type { Services } from '../../../tools/agent/types.ts';
import type { InputFile } from '../../../tools/ingest/index.ts';

const NOW = new Date('2026-11-26T09:00:00Z');
const services: Services = { renderReport: renderPdf, now: () => NOW };
const REAL = new URL('../../../samples/real/', import.meta.url);
const real = (path: string): InputFile[] => [
  { name: path.split('/').pop()!, content: readFileSync(new URL(path, REAL)) },
];
const H200 = scenarioFiles('h200');
const L40S = scenarioFiles('l40s');

interface Asked {
  text: string;
  lines: string[];
  head: string;
  focus: unknown;
  tools: string[];
  pdf: boolean;
  ungrounded: string[];
}

async function ask(question: string, files: InputFile[] = H200, focus: unknown = null): Promise<Asked> {
  const session = new Session(files);
  let hosts: string[] = [];
  try {
    hosts = session.hosts();
  } catch {
    // no host data: the analyst says so
  }
  const a = await offlineAnswer({
    question,
    lang: languageOf(question),
    runner: new LocalRunner(),
    ctx: { session, services, signal: new AbortController().signal },
    focus,
    hosts,
  });
  const ok = a.calls.filter((c) => c.outcome.status === 'success');
  // as the conversation grounds answers: the tool results (an error's text too: an answer may quote the
  // cause), and the names the user typed (a host asked about)
  const data = a.calls.map((c) =>
    c.outcome.status === 'success' ? c.outcome.data : { error: c.outcome.error },
  );
  const index = new GroundingIndex([{ identities: questionIdentities(question) }, ...data]);
  const lines = a.text.split('\n').filter((l) => l.trim() !== '');
  return {
    text: a.text,
    lines,
    head: lines.slice(0, 2).join('\n'),
    focus: a.focus,
    tools: a.calls.map((c) => c.name),
    pdf: ok.some(
      (c) => c.outcome.status === 'success' && c.outcome.attachments.some((x) => x.kind === 'pdf'),
    ),
    ungrounded: checkGrounding(a.text, index).map((u) => `${u.claims.join(', ')} in "${u.sentence}"`),
  };
}

/**
 * Values of the analysis (score, plan, counts) as the tools compute them for the H200 demo: other work
 * changes the rules and the placement, so the tests read these rather than hard-coding them.
 */
interface Facts {
  score: string;
  after: string;
  findings: number;
  moves: number;
  commands: number;
  used: string;
}
let F: Facts;
/** Each host's score with both demo hosts loaded, as compute_score states it. */
const BOTH: Record<'n1' | 'n2', string> = { n1: '', n2: '' };
beforeAll(async () => {
  const fleet = new Session([...H200, ...L40S]);
  const fleetCtx = { session: fleet, services, signal: new AbortController().signal };
  for (const [key, host] of [
    ['n1', 'gpu-node-01'],
    ['n2', 'gpu-node-02'],
  ] as const) {
    const o = await new LocalRunner().run('compute_score', { host }, fleetCtx);
    if (o.status !== 'success') throw new Error(`compute_score ${host}: ${o.error}`);
    BOTH[key] = (o.data as { score: { value: number } }).score.value.toFixed(1);
  }

  const session = new Session(H200);
  const ctx = { session, services, signal: new AbortController().signal };
  const run = async (name: string) => {
    const o = await new LocalRunner().run(name, { host: 'gpu-node-01' }, ctx);
    if (o.status !== 'success') throw new Error(`${name}: ${o.error}`);
    return o.data as Record<string, unknown>;
  };
  const score = (await run('compute_score')).score as { value: number };
  const fb = (await run('find_bottlenecks')) as { count: number };
  const plan = (await run('generate_placement')) as {
    scoreAfter: { value: number };
    objective: { moves: number };
    commands: unknown[];
    expected: { model: string; before: number; after: number }[];
  };
  const freed = plan.expected.find((g) => g.model === 'gpus-freed');
  F = {
    score: score.value.toFixed(1),
    after: plan.scoreAfter.value.toFixed(1),
    findings: fb.count,
    moves: plan.objective.moves,
    commands: plan.commands.length,
    used: freed ? `GPUs in use ${freed.before} → ${freed.after}` : '',
  };
});

/** An expected string, or one made from the analysis' values. */
type S = string | ((f: Facts) => string);
const val = (x: S) => (typeof x === 'function' ? x(F) : x);

interface Want {
  /** every one of these in the first two lines. */
  head?: S[];
  /** at least one of these in the first two lines. */
  headAny?: string[];
  contains?: S[];
  not?: string[];
  maxLines?: number;
  tools?: string[];
  noTools?: string[];
}

function expectAnswer(a: Asked, want: Want) {
  const show = `\n${a.text}`;
  for (const x of want.head ?? []) expect(a.head, `head "${val(x)}"${show}`).toContain(val(x));
  if (want.headAny)
    expect(
      want.headAny.some((s) => a.head.includes(s)),
      `headAny ${want.headAny}${show}`,
    ).toBe(true);
  for (const x of want.contains ?? []) expect(a.text, `contains "${val(x)}"${show}`).toContain(val(x));
  for (const s of want.not ?? []) expect(a.text, `not "${s}"${show}`).not.toContain(s);
  for (const t of want.tools ?? []) expect(a.tools, `tool ${t}`).toContain(t);
  for (const t of want.noTools ?? []) expect(a.tools, `no tool ${t}`).not.toContain(t);
  expect(a.lines.length, `at most ${want.maxLines ?? 15} lines${show}`).toBeLessThanOrEqual(
    want.maxLines ?? 15,
  );
  expect(a.ungrounded, `grounding${show}`).toEqual([]);
}

/** [question, expectation] on the H200 demo (gpu-node-01): every topic, English and Korean. */
const H200_CASES: [string, Want][] = [
  // why slow
  [
    'why is training slow?',
    {
      head: ['train-vision-b', 'NVLink', '51.5', '6.7'],
      contains: ['GPU3', 'GPU5', 'train-rec-c', 'GPU2', 'train-llm-a'],
      not: ['infer-chat'],
    },
  ],
  [
    '학습이 왜 느려?',
    { head: ['train-vision-b', 'NVLink', '51.5'], contains: ['GPU3', 'GPU5', 'train-rec-c'] },
  ],
  ['is train-llm-a slow?', { head: ['No:', 'train-llm-a', 'NV6'], not: ['train-vision-b: distributed'] }],
  // the score
  [
    'why is the score C?',
    { head: ['62.0', 'C', 'GPU utilisation', '53.0'], contains: ['85.7', '65.2', '0.6', (f) => f.after] },
  ],
  [
    '점수가 왜 C야?',
    { head: ['62.0', 'C', 'GPU 활용도', '53.0'], contains: ['85.7', '65.2', (f) => f.after] },
  ],
  // idle
  ['Which GPUs are idle?', { head: ['GPU4', '0%', 'GPU6', 'GPU7'], contains: ['1g.18gb', 'train-rec-c'] }],
  ['놀고 있는 GPU 있어?', { head: ['네', 'GPU4'], contains: ['GPU6', 'GPU7'] }],
  // MIG and sharing
  [
    'Should we use MIG?',
    {
      head: ['Yes:', 'infer-chat', 'infer-embed', '1g.18gb'],
      contains: ['GPU5', 'nvidia-smi mig -i 5 -cgi 19,19 -C'],
    },
  ],
  ['MIG 써야 해?', { head: ['네', 'infer-chat', '1g.18gb'], contains: ['GPU5'] }],
  // NVLink and topology
  [
    'Which GPUs are connected by NVLink?',
    { head: ['GPU0–GPU3', 'GPU4–GPU7', 'NV6'], contains: ['train-vision-b', 'SYS'] },
  ],
  [
    'Is NVLink being used properly?',
    { head: ['No:', 'train-vision-b', 'GPU3', 'GPU5', 'train-llm-a'], contains: ['GPU2, GPU3'] },
  ],
  ['NVLink 제대로 쓰고 있어?', { head: ['아니요', 'train-vision-b', 'train-llm-a'] }],
  ['Are GPU 3 and GPU 5 connected by NVLink?', { head: ['No:', 'SYS'] }],
  // NUMA and CPU pinning
  [
    'Is the CPU pinning right?',
    {
      head: ['No:', 'train-rec-c', 'train-vision-b', '25.8', '63'],
      contains: ['56-71,168-183', '103.conf', 'GPU4'],
    },
  ],
  [
    'CPU 피닝 제대로 돼 있어?',
    { head: ['아니요', 'train-rec-c', 'train-vision-b'], contains: ['0-55,112-167'] },
  ],
  ['Which NUMA node is each GPU on?', { head: ['GPU0–GPU3', 'NUMA node 0', 'GPU4–GPU7', 'NUMA node 1'] }],
  // memory and OOM
  ['Is any GPU running out of memory?', { head: ['No:', 'GPU0', '134712', '143771'] }],
  ['OOM 날 위험 있어?', { head: ['아니요', 'GPU0'] }],
  // ECC and health
  [
    'Any ECC errors?',
    { head: ['No:', 'all 8 GPUs', 'gpu-node-01', '0 uncorrected', 'no pending row remaps'] },
  ],
  ['ECC 에러 있는 GPU 있어?', { head: ['아니요', 'GPU 8개', '0건'] }],
  // PCIe
  ['Are the PCIe links OK?', { head: ['Yes:', 'x16'] }],
  ['PCIe 링크 문제 없어?', { head: ['네', 'x16'] }],
  // clocks, heat, power
  ['is any GPU throttling?', { head: ['No:', 'GPU0', '71'], contains: ['sw_power_cap'] }],
  ['GPU 온도 괜찮아?', { head: ['네', 'GPU0', '71'] }],
  // NICs and GPUDirect RDMA
  ['Can we use GPUDirect RDMA?', { head: ['Yes:', 'mlx5_0', 'mlx5_1', 'GPU3'], contains: ['PIX'] }],
  ['NIC는 어디에 붙어 있어?', { head: ['mlx5_0', 'GPU0', 'GPU1'] }],
  // how to fix and the commands
  [
    'how do I fix it?',
    {
      head: [(f) => `${f.moves} moves`, (f) => f.score, (f) => f.after],
      contains: ['train-vision-b', 'GPU2, GPU3', 'qm shutdown 102', 'all commands'],
    },
  ],
  [
    '어떻게 고쳐?',
    { head: [(f) => `이동 ${f.moves}건`, (f) => f.score, (f) => f.after], contains: ['명령어 전부'] },
  ],
  [
    'give me the commands',
    {
      head: [(f) => `${f.commands} commands`],
      contains: ['qm shutdown 102', 'nvidia-smi mig -i 5 -cgi 19,19 -C', 'qm start 202', 'root'],
      maxLines: 17,
    },
  ],
  ['명령어 전부 보여줘', { contains: ['qm set 103', 'qm start 202'], maxLines: 17 }],
  [
    'how do I fix train-rec-c?',
    { head: ['train-rec-c', 'GPU4'], contains: ['qm set 103'], not: ['qm set 201'] },
  ],
  ['Do I need downtime?', { head: ['Yes:', 'qm shutdown 102', 'qm start'] }],
  ['배치가 최적이야?', { head: ['아니요', (f) => `이동 ${f.moves}건`, (f) => f.after] }],
  [
    'qm set 103 명령 뭐야?',
    { head: ['train-rec-c'], contains: ['qm set 103', 'qm start 103'], not: ['qm set 102'] },
  ],
  // expected gains
  [
    'how much faster will it be?',
    { head: ['51.5', '6.7', '7.7', (f) => f.after], contains: [(f) => f.used] },
  ],
  ['얼마나 빨라져?', { head: ['51.5 ms → 6.7 ms', (f) => f.after] }],
  ['infer-chat을 MIG로 옮기면 얼마나 아껴?', { head: ['infer-chat', '0.86'], not: ['51.5'] }],
  // the PDF report
  [
    'Can you make me a PDF report?',
    { head: ['infralens-report-gpu-node-01-2026-11-26.pdf'], tools: ['create_report'] },
  ],
  ['보고서 만들어 줘', { head: ['PDF 보고서', 'gpu-node-01'], tools: ['create_report'] }],
  // comparing hosts (one loaded)
  ['compare the servers', { head: ['Only gpu-node-01'], noTools: ['find_bottlenecks'] }],
  // one GPU, VM or workload
  [
    'is VM 103 configured right?',
    { head: ['No:', 'VM 103', 'train-rec-c', 'GPU2', 'NUMA'], contains: ['qm set 103', '25.8'] },
  ],
  ['103번 VM 설정 맞아?', { head: ['아니요', 'VM 103', 'train-rec-c'] }],
  ["what's on GPU 6?", { head: ['GPU6', 'infer-chat', 'VM 201', '7%'], contains: ['1g.18gb'] }],
  ['GPU 4번 뭐 돌아?', { head: ['GPU4', '할당되지'] }],
  ['train-llm-a 괜찮아?', { head: ['네', 'train-llm-a', 'NV6'] }],
  ['GPU 9?', { head: ['GPU0–GPU7'], not: ['GPU9'] }],
  ['what about VM 999?', { head: ['101 (train-llm-a)'], not: ['999'] }],
  // what the server is
  ['H200 몇 장이야?', { head: ['GPU 8개', 'NVIDIA H200 NVL', '570.172.08'] }],
  ['which GPU is the busiest?', { head: ['GPU0', '97%', 'train-llm-a'] }],
  ['전력 얼마나 써?', { head: ['GPU0', '571.4 W', '600 W'] }],
  // a short overview
  ['how is it?', { head: [(f) => f.score, 'C', (f) => `${f.findings} findings`, 'train-vision-b'] }],
  ['상태 어때?', { head: [(f) => f.score, (f) => `${f.findings}건`, 'train-vision-b'] }],
  ['is this server OK?', { head: ['No:', 'gpu-node-01'] }],
  // off-topic
  ["what's the weather?", { head: ['GPU servers'], maxLines: 1, noTools: ['list_hosts'] }],
  ['점심 뭐 먹지?', { head: ['GPU 서버'], maxLines: 1 }],
  // change requests
  ['delete VM 103', { head: ['never', 'qm destroy 103'], not: ['deleted'] }],
  ['GPU 4 꺼줘', { head: ['InfraLens는 제안만', 'GPU4'], contains: ['train-rec-c'] }],
  ['재부팅해', { head: ['재부팅하지 않습니다'] }],
  [
    'apply the plan',
    { head: ['never changes gpu-node-01', 'root'], contains: ['qm shutdown 102', 'qm start 202'] },
  ],
  ['실행해 줘', { head: ['InfraLens는 제안만'], contains: ['qm set 102'] }],
];

describe('answers on the H200 demo, every topic', () => {
  for (const [q, want] of H200_CASES)
    it(q, async () => {
      const a = await ask(q);
      expectAnswer(a, want);
      if (!a.tools.length) expect(a.focus).toBeNull();
      else expect(parseFocus(a.focus), 'the focus is valid').not.toBeNull();
    });

  it('the report comes as a PDF attachment', async () => {
    expect((await ask('보고서 만들어 줘')).pdf).toBe(true);
    expect((await ask('how is it?')).pdf).toBe(false);
  });

  it('Korean answers are Korean from the first line, English ones hold no Korean', async () => {
    for (const q of ['학습이 왜 느려?', '점수가 왜 C야?', 'ECC 에러 있는 GPU 있어?', '어떻게 고쳐?'])
      expect((await ask(q)).lines[0]).toMatch(/[가-힣]/);
    for (const q of ['why is training slow?', 'how do I fix it?', 'Any ECC errors?'])
      expect((await ask(q)).text).not.toMatch(/[가-힣]/);
  });
});

describe('answers on the L40S demo (gpu-node-02)', () => {
  const cases: [string, Want][] = [
    ['Are the PCIe links OK?', { head: ['No:', 'GPU3', 'x8', 'x16'], contains: ['15.8', '31.5'] }],
    ['PCIe 문제 있어?', { head: ['네', 'GPU3'] }],
    ['which GPU is the hottest?', { head: ['GPU2', '91'], contains: ['hw_thermal_slowdown'] }],
    ['OOM 위험 있어?', { head: ['네', 'GPU3', '97.6'] }],
    ['L40S에서 MIG 쓸 수 있어?', { head: ['아니요', 'MIG'], contains: ['infer-ocr'] }],
    ['Does this server have NVLink?', { head: ['No:', 'PCIe'] }],
    ['why is training slow?', { headAny: ['GPU3', 'train-diffusion'], contains: ['train-diffusion'] }],
    ['how do I fix train-diffusion?', { contains: ['qm set 301'] }],
  ];
  for (const [q, want] of cases) it(q, async () => expectAnswer(await ask(q, L40S), want));
});

describe('two hosts loaded (h200 + l40s scenario files)', () => {
  const both = [...H200, ...L40S];
  it('a vague question gets the fleet summary, worst first', async () => {
    const a = await ask('how are my servers?', both);
    expectAnswer(a, {
      head: ['2 hosts', 'gpu-node-01'],
      contains: ['gpu-node-02', () => BOTH.n1, () => BOTH.n2],
      noTools: ['find_bottlenecks'],
    });
    expect(a.text.indexOf('- gpu-node-01')).toBeLessThan(a.text.indexOf('- gpu-node-02'));
  });
  it('a question that names a host answers about that host', async () => {
    expectAnswer(await ask('why is gpu-node-02 slow?', both), {
      head: ['gpu-node-02', 'GPU3', 'x8'],
      not: ['gpu-node-01'],
    });
    expectAnswer(await ask('gpu-node-01 점수 알려줘', both), {
      head: ['gpu-node-01', () => BOTH.n1],
      not: ['gpu-node-02'],
    });
  });
  it('a yes/no question about every host answers per host', async () => {
    expectAnswer(await ask('ECC 에러 있는 GPU 있어?', both), {
      head: ['gpu-node-01', 'gpu-node-02', '아니요'],
    });
  });
  it('compares the hosts', async () => {
    expectAnswer(await ask('which host is worse?', both), {
      head: ['gpu-node-01 is worse', () => BOTH.n1, () => BOTH.n2],
    });
  });
  it('an unknown host is said to be unknown, naming the loaded ones', async () => {
    const a = await ask('gpu-node-07 점수 알려줘', both);
    expectAnswer(a, { head: ['gpu-node-07', 'gpu-node-01', 'gpu-node-02'], noTools: ['compute_score'] });
  });
  it('the report covers every host unless one is named', async () => {
    const a = await ask('make me the report', both);
    expectAnswer(a, { head: ['gpu-node-01', 'gpu-node-02'], tools: ['create_report'] });
    expect(a.pdf).toBe(true);
  });
});

describe('an unknown host', () => {
  for (const q of ['How is gpu-node-99 doing?', 'node7 상태 어때?', 'dgx-03은 어때?'])
    it(q, async () => {
      const a = await ask(q);
      expectAnswer(a, { head: ['gpu-node-01'], noTools: ['compute_score', 'find_bottlenecks'] });
      expect(a.head).not.toContain('62.0');
    });
});

describe('topology-only uploads (samples/real/topo)', () => {
  const files = readdirSync(new URL('topo/', REAL)).filter((f) => !f.startsWith('topo-p2p'));
  for (const f of files)
    it(f, async () => {
      const input = real(`topo/${f}`);
      const nv = await ask('Which GPUs are connected by NVLink?', input);
      expectAnswer(nv, { headAny: ['NVLink', 'GPU↔GPU'], not: ['No bottleneck found'] });
      const slow = await ask('why is it slow?', input);
      expectAnswer(slow, { head: ['nvidia-smi -q -x'], not: ['No bottleneck found'] });
      const ko = await ask('NUMA 노드 어떻게 돼?', input);
      expectAnswer(ko, { not: ['데이터에서 병목을 찾지 못했습니다'] });
    });
  it('says which GPUs NVLink connects on an A100 NV12-pairs box, and what is missing', async () => {
    const a = await ask(
      'Which GPUs are connected by NVLink?',
      real('topo/a100-8x-nvlink-bridge-nv12-pairs-2socket-numa-col-no-legend.txt'),
    );
    expectAnswer(a, {
      head: ['GPU0–GPU1', 'GPU2–GPU3', 'GPU4–GPU5', 'GPU6–GPU7', 'NV12'],
      contains: ['nvidia-smi -q -x'],
    });
  });
  it('"is NVLink used properly?" on a topology alone: the jobs are unknown, not absent', async () => {
    const input = real('topo/a100-8x-nvlink-bridge-nv12-pairs-2socket-numa-col-no-legend.txt');
    expectAnswer(await ask('is NVLink being used properly?', input), {
      head: ['cannot be told', 'nvidia-smi -q -x'],
      not: ['No job on'],
    });
    expectAnswer(await ask('NVLink 제대로 쓰고 있어?', input), { head: ['알 수 없습니다'] });
  });
  it('gives the CPU affinity when the topo -m has no NUMA column', async () => {
    const a = await ask(
      'GPU마다 NUMA 노드가 어떻게 돼?',
      real('topo/v100-sxm2-32gb-8x-hybrid-cube-mesh-drv418-1mlx5-no-numa-col-paddle.txt'),
    );
    expectAnswer(a, { head: ['0-23', 'NUMA'] });
  });
});

describe('other real uploads', () => {
  it('a lone nvidia-smi -q with a pending row remap', async () => {
    const f = real('smi-xml/q-text-h100class-8gpu-d-ECC-ROW_REMAPPER-pending-remap-unknown-error-EDITED.txt');
    expectAnswer(await ask('ECC 에러 있어?', f), { head: ['네', 'row remap'], contains: ['nvidia-smi -r'] });
    expectAnswer(await ask('why is it slow?', f), { head: ['cannot tell', 'nvidia-smi -q -x', 'row remap'] });
  });
  it('a mig -lgip: the profiles it offers', async () => {
    const f = real('mig/h100-80gb-hbm3-lgip.txt');
    expectAnswer(await ask('which MIG profiles can I use?', f), { head: ['1g.10gb', '7g.80gb'] });
  });
  it('a numactl -H: the NUMA nodes', async () => {
    const f = real('numa/numactl-H-princeton-della-i16g1-2node-4xa100sxm.txt');
    expectAnswer(await ask('NUMA 노드가 몇 개야?', f), { head: ['2개', '0-23', '24-47'] });
  });
  it('a Proxmox VM config: what it passes through, and what it cannot tell', async () => {
    const f = real('proxmox/qemu-server-101.conf-gtx1070-win10-hostpci0-3-q35-10.0.txt');
    expectAnswer(await ask('Which GPU does this VM get?', f), {
      head: ['VM 101', '0000:03:00.0', 'nvidia-smi -q -x'],
    });
  });
  it('a full nvidia-smi -q of one idle L40S', async () => {
    const f = real('smi-xml/q-text-l40s-1x-drv550.127.05-full.txt');
    expectAnswer(await ask('이 GPU 상태 어때?', f), { head: ['GPU0', 'L40S', '0%'] });
  });
  it('no data at all', async () => {
    const a = await ask('how is it?', []);
    expectAnswer(a, { head: ['no server data'], contains: ['infralens collect-script'] });
  });
});

describe('follow-ups across two calls (the focus fed back)', () => {
  async function conversation(files: InputFile[], ...questions: string[]): Promise<Asked[]> {
    const out: Asked[] = [];
    let focus: unknown = null;
    for (const q of questions) {
      const a = await ask(q, files, focus);
      out.push(a);
      focus = a.focus;
    }
    return out;
  }

  it('"is VM 103 configured right?" → "how do I fix it?" → "run it for me"', async () => {
    const [, fix, run] = await conversation(
      H200,
      'is VM 103 configured right?',
      'how do I fix it?',
      'run it for me',
    );
    expectAnswer(fix!, { head: ['train-rec-c', 'GPU4'], contains: ['qm set 103'], not: ['infer-chat'] });
    expectAnswer(run!, { head: ['never'], contains: ['qm set 103'], not: ['qm set 102', 'I ran'] });
  });
  it('"ECC 에러 있어?" → "그럼 GPU 5는?" keeps the topic for the new GPU', async () => {
    const [, gpu5] = await conversation(H200, 'ECC 에러 있는 GPU 있어?', '그럼 GPU 5는?');
    expectAnswer(gpu5!, { head: ['GPU5', 'ECC'] });
  });
  it('"what\'s on GPU 6?" → "and GPU 5?"', async () => {
    const [, gpu5] = await conversation(H200, "what's on GPU 6?", 'and GPU 5?');
    expectAnswer(gpu5!, { head: ['GPU5', 'train-vision-b'], not: ['infer-chat'] });
  });
  it('an overview → "the second one" → "how do I fix it?"', async () => {
    const [, second, fix] = await conversation(H200, 'how is it?', 'the second one', 'how do I fix it?');
    expectAnswer(second!, { head: ['train-rec-c', 'NUMA'], contains: ['103.conf'] });
    expectAnswer(fix!, { head: ['train-rec-c', 'GPU4'] });
  });
  it('"상태 어때?" → "두 번째 자세히"', async () => {
    const [, second] = await conversation(H200, '상태 어때?', '두 번째 자세히');
    expectAnswer(second!, { head: ['train-rec-c'] });
  });
  it('a PCIe question → "그거 어떻게 고쳐?" gives that fix, not the plan\'s score', async () => {
    const [, fix] = await conversation(L40S, 'PCIe 링크 괜찮아?', '그거 어떻게 고쳐?');
    expectAnswer(fix!, { head: ['GPU3'], not: ['68.9'] });
  });
  it('a fleet summary → "the worst one: what\'s wrong with it?" → "gpu-node-02는?"', async () => {
    const both = [...H200, ...L40S];
    const [, worst] = await conversation(both, 'how are my servers?', "the worst one: what's wrong with it?");
    expectAnswer(worst!, { head: ['gpu-node-01'], not: ['gpu-node-02'] });
    const [, other] = await conversation(both, '서버 요약해 줘', 'gpu-node-02는?');
    expectAnswer(other!, { head: ['gpu-node-02', () => BOTH.n2], not: ['gpu-node-01'] });
  });
  it('an invalid focus is ignored', async () => {
    expectAnswer(await ask('and GPU 5?', H200, { topic: 'ecc', whatever: true }), {
      head: ['GPU5', 'train-vision-b'],
    });
  });
});

// ---------------------------------------------------------------------------------------------------------
// The new-user trial (85 everyday questions): every answer that scored below 3, and other phrasings of the
// same need. Inputs as the trial used them.

const SAMPLES = new URL('../../../samples/', import.meta.url);
const sample = (...paths: string[]): InputFile[] =>
  paths.map((p) => ({ name: p.split('/').pop()!, content: readFileSync(new URL(p, SAMPLES)) }));
const IN = {
  h2: () => sample('scenarios/h200/bundle.txt', 'scenarios/l40s/bundle.txt'),
  aws: () => sample('bundles/aws-p5en-8x-h200-real.txt'),
  hb: () => sample('scenarios/h200/bundle.txt'),
  hbAws: () => sample('scenarios/h200/bundle.txt', 'bundles/aws-p5en-8x-h200-real.txt'),
  topo: () => real('topo/l40s-4x-2socket-384thr-2nic-mlx5-full-legend.txt'),
  ecc: () => real('smi-xml/q-text-h100class-8gpu-d-ECC-ROW_REMAPPER-pending-remap-unknown-error-EDITED.txt'),
  l40s1: () => real('smi-xml/q-text-l40s-1x-drv550.127.05-full.txt'),
  lgip: () => real('mig/h100-80gb-hbm3-lgip.txt'),
  fragment: () => real('mig/h200-141gb-lgip-FRAGMENT-a-gpu6-rows.txt'),
  smiBusy: () => real('smi-default/h200-8x-aws-p5en-drv580.95.05-8procs-busy.txt'),
};

/** English prose in a Korean answer: words that only a sentence uses (identifiers, commands and sources aside). */
function englishIn(text: string): string[] {
  const STOP = new Set(
    'the is are was were be been of and for with needs need to from by not its has have will this that which what while but or processes reset slices pairs true false failure memory compute send every only into onto than there their they'.split(
      ' ',
    ),
  );
  const plain = text
    .replace(/`[^`]*`/g, ' ')
    .replace(/\([^()]*\.(?:txt|xml|conf|json)[^()]*\)/g, ' ')
    .replace(/[A-Za-z0-9]*[0-9_.:#/\\-][A-Za-z0-9_.:#/\\-]*/g, ' ');
  return (plain.match(/[A-Za-z]+/g) ?? []).filter((w) => STOP.has(w.toLowerCase()));
}

async function chat(files: InputFile[], ...questions: string[]): Promise<Asked[]> {
  const out: Asked[] = [];
  let focus: unknown = null;
  for (const q of questions) {
    const a = await ask(q, files, focus);
    out.push(a);
    focus = a.focus;
  }
  return out;
}

/** Korean answers are Korean (identifiers and commands aside), with particles that fit the word. */
function expectKorean(a: Asked) {
  expect(englishIn(a.text), `English in a Korean answer:\n${a.text}`).toEqual([]);
  expect(a.text, `a particle fallback:\n${a.text}`).not.toMatch(
    /이\(가\)|은\(는\)|을\(를\)|와\(과\)|\(으\)로/,
  );
  expect(a.lines[0]).toMatch(/[가-힣]/);
}

describe('trial: definitions (a plain definition first, then what it means here)', () => {
  const cases: [string, InputFile[], Want][] = [
    ['what does NUMA mean?', H200, { head: ['NUMA', 'socket', 'GPU0–GPU3', 'NUMA node 1', 'train-rec-c'] }],
    ['NUMA란?', H200, { head: ['NUMA', '소켓', 'GPU4–GPU7'] }],
    ['vGPU가 뭐야?', H200, { head: ['vGPU', 'VM', 'infer-chat', '1g.18gb'] }],
    ['what is a vGPU?', L40S, { head: ['vGPU', 'infer-ocr', 'MIG'] }],
    ['what does SYS mean in topo', H200, { head: ['SYS', 'socket', 'GPU0–GPU3', 'GPU4–GPU7'] }],
    ['topo에서 NODE는 무슨 뜻이야?', L40S, { head: ['NODE', 'NUMA'] }],
    ['what do PIX and PHB mean?', H200, { head: ['PIX', 'PCIe switch', 'PHB'] }],
    ['what does NV6 mean?', H200, { head: ['NVLink', 'GPU0–GPU3', 'NV6'] }],
    ['MIG가 뭐야?', H200, { head: ['MIG', 'H200 NVL', '꺼져'] }],
    ['what is MIG?', L40S, { head: ['MIG', 'L40S', 'not support'] }],
    ['what is NVLink?', L40S, { head: ['NVLink', 'PCIe'] }],
    ['패스스루가 뭐야?', H200, { head: ['패스스루', 'VM 101', '0000:18:00.0'] }],
    ['what is passthrough?', H200, { head: ['passthrough', 'VM 101 (train-llm-a)'] }],
    ['P-state가 뭐야?', H200, { head: ['P-state', 'P0', 'P8'] }],
  ];
  for (const [q, files, want] of cases)
    it(q, async () => {
      const a = await ask(q, files);
      expectAnswer(a, { maxLines: 8, ...want });
      if (/[가-힣]/.test(q)) expectKorean(a);
      expect(a.tools).not.toContain('generate_placement');
    });
});

describe('trial: data InfraLens does not collect (said first, then the nearest fact)', () => {
  const cases: [string, InputFile[], Want][] = [
    ['디스크 용량 얼마 남았어?', H200, { head: ['디스크', '수집하지 않'], not: ['메모리 한도'] }],
    ['how much free disk space is left?', H200, { head: ['Disks', 'not in the data'] }],
    ['디스크 IO 병목 있어?', H200, { head: ['디스크', 'I/O', '수집하지 않'] }],
    [
      "what's the CPU temperature?",
      H200,
      { head: ['CPU temperatures are not in the data', 'GPU0', '71 °C'] },
    ],
    ['CPU 온도 몇 도야?', H200, { head: ['CPU 온도', '데이터에 없', 'GPU0'] }],
    ['whats the network bandwidth between our nodes?', H200, { head: ['does not measure', 'mlx5_0', 'PIX'] }],
    ['노드 간 네트워크 대역폭 얼마야?', H200, { head: ['대역폭', 'mlx5_1'] }],
    ['how much money am I wasting?', H200, { head: ['money', 'prices', 'GPU4', 'GPU6', 'GPU7'] }],
    ['유휴 GPU 때문에 돈 얼마나 날려?', H200, { head: ['금액', 'GPU4'] }],
    ['what is the CPU load?', H200, { head: ['CPU load is not in the data', 'train-llm-a'] }],
  ];
  for (const [q, files, want] of cases)
    it(q, async () => {
      const a = await ask(q, files);
      expectAnswer(a, want);
      if (/[가-힣]/.test(q)) expectKorean(a);
      expect(a.head).not.toMatch(/^(Yes|No)[:,]|^(네|아니요),/);
    });
});

describe('trial: room for a new job', () => {
  it('"can I put another training job on this box?": the free GPU now, and what the plan frees', async () => {
    const a = await ask('can I put another training job on this box?');
    expectAnswer(a, { head: ['Yes', 'GPU4', 'NUMA node 1', '56-111,168-223', 'GPU6', 'GPU7'] });
  });
  it('"where should a new 2-GPU job go?": not now, the NVLinked pair the plan frees', async () => {
    const a = await ask('where should a new 2-GPU job go?');
    expectAnswer(a, { head: ['GPU4', 'GPU6+GPU7', 'NV6'] });
    expect(a.head).not.toMatch(/^Yes/);
  });
  it('"새 추론 작업 올릴 자리 있어?" (Korean)', async () => {
    const a = await ask('새 추론 작업 올릴 자리 있어?');
    expectAnswer(a, { head: ['네', 'GPU4'] });
    expectKorean(a);
  });
  it('"어느 서버에 새 학습 잡 올리는게 나아?" with two hosts: the one with a free GPU first', async () => {
    const a = await ask('어느 서버에 새 학습 잡 올리는게 나아?', IN.h2());
    expectAnswer(a, { head: ['gpu-node-01', 'GPU4', 'gpu-node-02'] });
    expect(a.lines[0]).toContain('gpu-node-01');
    expect(a.text).toContain('hw_thermal_slowdown');
    expectKorean(a);
  });
  it('a topo -m alone: the best-connected pair, from the topology only', async () => {
    const a = await ask('which gpus should I use for a 2 gpu training job?', IN.topo());
    expectAnswer(a, { head: ['GPU2+GPU3', 'NUMA node 1', 'mlx5_0', 'GPU0+GPU1', 'SYS', 'nvidia-smi -q -x'] });
    expect(a.tools).not.toContain('generate_placement');
  });
});

describe('trial: rebooting', () => {
  for (const q of [
    'is it safe to reboot?',
    'can I restart the server now?',
    '리부팅해도 돼?',
    '서버 재부팅해도 괜찮아?',
  ])
    it(q, async () => {
      const a = await ask(q);
      expectAnswer(a, {
        headAny: ['Not without downtime', '중단 없이는'],
        head: ['VM 102'],
        not: ['62.0'],
      });
      expect(a.head).not.toMatch(/^(Yes|네)/);
      if (/[가-힣]/.test(q)) expectKorean(a);
    });
  it('"do I need to reboot?" is about the plan: no host reboot, the VMs it restarts', async () => {
    for (const q of ['do I need to reboot?', '재부팅해야 돼?']) {
      const a = await ask(q);
      expectAnswer(a, { headAny: ['No:', '아니요'], head: ['VM 102', 'VM 103'], not: ['grade C', '등급 C'] });
    }
  });
  it('an upload with a pending row remap: a reboot applies it', async () => {
    expectAnswer(await ask('is it safe to reboot?', IN.ecc()), { head: ['0000:52:00.0', 'remap'] });
  });
});

describe('trial: what comes first', () => {
  it('"what should I change first?": the move of the one critical finding, with the move it depends on', async () => {
    const a = await ask('what should I change first?');
    expectAnswer(a, {
      head: ['VM 102', 'train-vision-b', 'GPU2, GPU3', 'critical', 'VM 103', 'GPU2'],
      contains: ['qm shutdown 103', 'qm set 102', 'qm start 102'],
      not: ['qm set 201'],
    });
  });
  for (const q of ['제일 급한거 뭐야?', "what's the most urgent?", '뭐부터 고쳐야 돼?'])
    it(`${q} (L40S): the hardware before any move`, async () => {
      const a = await ask(q, L40S);
      expectAnswer(a, { head: ['GPU3', 'x8', 'GPU2', '91 °C'], not: ['68.9'] });
      if (/[가-힣]/.test(q)) expectKorean(a);
    });
});

describe('trial: follow-ups', () => {
  it('"which gpu is wasting the most?" → "why?" → "and the other one?"', async () => {
    const [most, why, other] = await chat(
      H200,
      'which gpu is wasting the most?',
      'why?',
      'and the other one?',
    );
    expectAnswer(most!, { head: ['GPU4', '24 GPU·hours'] });
    expectAnswer(why!, { head: ['no VM passes GPU4 through', '0000:9a:00.0'] });
    expect(why!.head).not.toBe(most!.head);
    expectAnswer(other!, {
      head: ['GPU6', 'infer-chat', 'GPU7', 'infer-embed', '1g.18gb'],
      not: ['GPU4 is'],
    });
  });
  it('"…wasting the most?" → "and the other one?" without workload information: the next least busy GPUs', async () => {
    const [, other] = await chat(IN.hb(), 'which gpu is wasting the most?', 'and the other one?');
    expectAnswer(other!, { head: ['GPU7', 'GPU6'], not: ['GPU4'] });
  });
  it('"…wasting the most?" → "why?" → "show me the command for that": VM 103\'s steps, which need no other move', async () => {
    const [, , cmds] = await chat(
      H200,
      'which gpu is wasting the most?',
      'why?',
      'show me the command for that',
    );
    expectAnswer(cmds!, {
      head: ['GPU4', 'free'],
      contains: ['qm shutdown 103', 'qm set 103', 'qm start 103'],
      not: ['qm set 102', 'qm set 201'],
    });
  });
  it('a subset of the plan always comes with the moves it depends on', async () => {
    const [, , cmds] = await chat(
      H200,
      'which gpu is wasting the most?',
      'and the other one?',
      'show me the command for that',
    );
    // infer-chat and infer-embed go onto GPU5, which VM 102 frees, which needs GPU2 that VM 103 frees
    expectAnswer(cmds!, {
      head: ['VM 102', 'GPU5', 'VM 103', 'GPU2'],
      contains: ['qm shutdown 102', 'qm shutdown 103', 'qm set 103', 'nvidia-smi -i 5 -mig 1'],
    });
    expect(cmds!.text.indexOf('qm shutdown 103')).toBeLessThan(cmds!.text.indexOf('qm set 102'));
  });
  it('"학습 왜 느려?" → "왜?": the cause (NVLink groups, SYS), not the score', async () => {
    const [, why] = await chat(H200, '학습 왜 느려?', '왜?');
    expectAnswer(why!, { head: ['GPU3', 'GPU0–GPU3', 'GPU5', 'GPU4–GPU7', 'SYS'], not: ['62.0'] });
    expectKorean(why!);
  });
  it('"how come?" after a slow answer is the cause too', async () => {
    const [, why] = await chat(H200, 'why is training slow?', 'how come?');
    expectAnswer(why!, { head: ['GPU3', 'NVLink group', 'SYS'] });
  });
  it('L40S: "제일 급한거 뭐야?" → "2번 gpu 왜 이렇게 뜨거움?" → "그럼 어떻게 해?": cooling, not the plan', async () => {
    const [, hot, fix] = await chat(
      L40S,
      '제일 급한거 뭐야?',
      '2번 gpu 왜 이렇게 뜨거움?',
      '그럼 어떻게 해?',
    );
    expectAnswer(hot!, { head: ['부하 때문이 아니라', '262 W', '350 W', '91 °C', '냉각'] });
    expectAnswer(fix!, { head: ['GPU2', '냉각'], not: ['이동 2건'] });
    expect(fix!.lines[0]).not.toMatch(/배치 계획을 적용하세요/);
    // a move of the plan onto the hot GPU is pointed out
    const plan = await planOf(L40S, 'gpu-node-02');
    for (const m of plan.moves.filter((x) => x.to.gpus.includes(2) && !x.from.gpus.includes(2)))
      expect(fix!.text).toContain(m.workload);
    for (const a of [hot!, fix!]) expectKorean(a);
  });
  it('"which vm has the numa thing wrong" → "and the other one?" → "what about vm 101?" → "ok how do i fix 103 only"', async () => {
    const [numa, other, vm101, only] = await chat(
      H200,
      'which vm has the numa thing wrong',
      'and the other one?',
      'what about vm 101?',
      'ok how do i fix 103 only',
    );
    expectAnswer(numa!, {
      head: ['VM 103 (train-rec-c)', 'NUMA node 1', 'GPU2', 'VM 102 (train-vision-b)', 'GPU5'],
    });
    expectAnswer(other!, { head: ['VM 102 (train-vision-b)', 'GPU5'], not: ['VM 103 (train-rec-c) runs'] });
    expectAnswer(vm101!, {
      head: ['VM 101 (train-llm-a)', 'fine', 'NV6', 'NUMA node 0'],
      not: ['Every pinned'],
    });
    expectAnswer(only!, {
      head: ['VM 103', 'GPU4', 'does not depend'],
      contains: ['qm shutdown 103', 'qm set 103', 'qm start 103'],
      not: ['qm set 102', 'qm shutdown 102'],
    });
  });
});

/** The placement plan as the tool returns it (the tests compare against it, not against literals). */
async function planOf(files: InputFile[], host: string) {
  const session = new Session(files);
  const o = await new LocalRunner().run(
    'generate_placement',
    { host },
    { session, services, signal: new AbortController().signal },
  );
  if (o.status !== 'success') throw new Error(o.error);
  return o.data as {
    moves: { workload: string; vmid: number | null; from: { gpus: number[] }; to: { gpus: number[] } }[];
  };
}

describe('a subset of the plan names or includes every move it depends on', () => {
  for (const [files, host] of [
    [H200, 'gpu-node-01'],
    [L40S, 'gpu-node-02'],
  ] as const)
    it(host, async () => {
      const plan = await planOf([...files], host);
      for (const m of plan.moves) {
        // the moves that must happen first: those vacating a GPU it (or they) move into
        const need = [m];
        for (let i = 0; i < need.length; i++)
          for (const d of plan.moves)
            if (
              !need.includes(d) &&
              d.from.gpus.some((g) => need[i]!.to.gpus.includes(g) && !d.to.gpus.includes(g))
            )
              need.push(d);
        for (const q of [`how do I fix ${m.workload}?`, `${m.workload} 명령어 보여줘`]) {
          const a = await ask(q, [...files]);
          expectAnswer(a, { maxLines: 17 });
          for (const d of need.filter((x) => x !== m))
            expect(a.text, `${q} names ${d.workload}'s move\n${a.text}`).toMatch(
              new RegExp(`VM ${d.vmid}|${d.workload}`),
            );
        }
      }
    });
});

describe('trial: uploads where the file answers the question', () => {
  it('a topo -m of a 4-GPU PCIe box: "is this topo ok?" is no "No" for lacking NVLink', async () => {
    const a = await ask('is this topo ok?', IN.topo());
    expectAnswer(a, { head: ['Yes', 'PCIe', 'GPU0–GPU1', 'NUMA node 0', 'GPU2–GPU3', 'mlx5_0', 'SYS'] });
    expect(a.tools).not.toContain('generate_placement');
  });
  it('"GPU3에 제일 가까운 NIC 뭐야?" on a topo -m', async () => {
    const a = await ask('GPU3에 제일 가까운 NIC 뭐야?', IN.topo());
    expectAnswer(a, { head: ['GPU3', 'mlx5_0', 'mlx5_1', 'NODE', 'GPUDirect RDMA'] });
    expectKorean(a);
  });
  it('an nvidia-smi -q with a pending row remap: health questions answered from it, in both languages', async () => {
    const broken = await ask('이 gpu 고장난거야?', IN.ecc());
    expectAnswer(broken, { head: ['고장은 아니지만', '0000:52:00.0', '리셋', 'remap 실패는 없습니다'] });
    expectKorean(broken);
    const safe = await ask('is it safe to keep running jobs on it?', IN.ecc());
    expectAnswer(safe, { head: ['Not until it is reset', '0000:52:00.0'], not: ['no utilisation data'] });
    const mode = await ask('ecc mode on?', IN.ecc());
    expectAnswer(mode, { head: ['Unknown', 'Unknown Error', '0000:52:00.0', 'remap'] });
    const todo = await ask('what do I do about the remap thing', IN.ecc());
    expectAnswer(todo, { head: ['nvidia-smi -r -i 0000:52:00.0', 'Pending: No'] });
    const dying = await ask('is this GPU dying?', IN.ecc());
    expectAnswer(dying, { head: ['Not broken', 'remap'] });
    for (const a of [broken, safe, mode, todo]) expect(a.tools).not.toContain('generate_placement');
  });
  it('one L40S nvidia-smi -q: no MIG on it, and a Gen1 link at idle is normal', async () => {
    const mig = await ask('이 카드 MIG 돼?', IN.l40s1());
    expectAnswer(mig, { head: ['아니요', 'L40S', 'MIG를 지원하지 않습니다'] });
    expectKorean(mig);
    const pcie = await ask('pcie 속도 정상이야?', IN.l40s1());
    expectAnswer(pcie, { head: ['네', 'x16', 'Gen1', 'P8', 'Gen4'], not: ['GPU 1개 모두'] });
    expectKorean(pcie);
  });
  it('a mig -lgip: how many slices, which profile for a model, whether MIG is on', async () => {
    const many = await ask('how many 1g slices can I make on this gpu?', IN.lgip());
    expectAnswer(many, { head: ['7 instances of 1g.10gb', '9.75 GiB', '4 instances of 1g.20gb'] });
    expect(many.lines[0]).not.toMatch(/utilisation/);
    const fit = await ask('12기가짜리 모델 돌리려면 어떤 MIG 프로필 써야돼?', IN.lgip());
    expectAnswer(fit, { head: ['1g.20gb', '19.62 GiB', '1g.10gb'], not: ['2g.20gb'] });
    expectKorean(fit);
    const on = await ask('mig 켜져있어?', IN.lgip());
    expectAnswer(on, { head: ['네', 'GPU0', 'MIG 모드는 켜져', '인스턴스는 아직 없습니다'] });
    expectKorean(on);
    const twoG = await ask('how many 2g instances fit?', IN.lgip());
    expectAnswer(twoG, { head: ['3 instances of 2g.20gb'] });
  });
  it('a file that cannot be read: why, in Korean', async () => {
    const a = await ask('이 파일 왜 안읽힘?', IN.fragment());
    expectAnswer(a, {
      head: ['h200-141gb-lgip-FRAGMENT-a-gpu6-rows.txt', 'mig -lgip', '일부분', 'nvidia-smi mig -lgip'],
    });
    expectKorean(a);
  });
});

describe('trial: processes without VM information (a real AWS bundle, a busy nvidia-smi table)', () => {
  it('"7번 gpu 왜 놀아?" names the process that holds it', async () => {
    const a = await ask('7번 gpu 왜 놀아?', IN.aws());
    expectAnswer(a, { head: ['PID 1758887', 'GPU7', '58060 MiB', '0%'] });
    expectKorean(a);
  });
  it('"what\'s using gpu7" does not call it unallocated', async () => {
    const a = await ask("what's using gpu7", IN.aws());
    expectAnswer(a, { head: ['PID 1758887', 'GPU7', '0%'], not: ['not allocated'] });
  });
  it('"이 서버 numa 설정 괜찮음?" without the GPUs\' NUMA nodes: cannot judge', async () => {
    const a = await ask('이 서버 numa 설정 괜찮음?', IN.aws());
    expectAnswer(a, { head: ['판단할 수 없습니다', 'NUMA'] });
    expect(a.head).not.toMatch(/^(네|아니요)/);
    expectKorean(a);
  });
  it('"모델명 뭐야 이거?": the model is not in the input; memory size and CPU model', async () => {
    const a = await ask('모델명 뭐야 이거?', IN.aws());
    expectAnswer(a, { head: ['모델명이 없습니다', '143771 MiB', 'Xeon'], not: ['82.5'] });
    expectKorean(a);
  });
  it('"gpu 다 바빠?" on a busy table: no, with the idle GPUs and their processes', async () => {
    const a = await ask('gpu 다 바빠?', IN.smiBusy());
    expectAnswer(a, { head: ['아니요', 'GPU0–GPU3', '51–68%', 'GPU4–GPU7', 'sglang', '0%'] });
    expectKorean(a);
  });
  it('no generate_placement call when no host has workloads', async () => {
    for (const [q, f] of [
      ['any idle gpus?', IN.hb],
      ['is it safe to keep running jobs on it?', IN.ecc],
      ['gpu 다 바빠?', IN.smiBusy],
    ] as const)
      expect((await ask(q, f())).tools).not.toContain('generate_placement');
  });
});

describe('trial: a bundle without VM configs', () => {
  for (const q of ['any idle gpus?', '노는 gpu 있어?', 'is any GPU doing nothing?'])
    it(`${q}: GPU4 (no process, 0 MiB, 0 %) is idle, never "allocated and busy"`, async () => {
      const a = await ask(q, IN.hb());
      expectAnswer(a, {
        headAny: ['Yes', '네'],
        head: ['GPU4', '0%'],
        not: ['allocated and busy', '할당되어 일하고'],
      });
      expect(a.text).toContain('GPU7');
      if (/[가-힣]/.test(q)) expectKorean(a);
    });
});

describe('trial: several hosts', () => {
  it('"which server is worse?": by score, and which one has the urgent hardware problems', async () => {
    const a = await ask('which server is worse?', IN.h2());
    expectAnswer(a, { head: ['gpu-node-01 is worse', 'gpu-node-02', 'x8', 'hw_thermal_slowdown'] });
    expect(a.lines[1]).not.toContain('the worst is gpu-node-01');
  });
  it('"전체 서버 요약해줘": the summary, every host with its score', async () => {
    const a = await ask('전체 서버 요약해줘', IN.hbAws());
    expectAnswer(a, {
      head: ['서버 2대', 'gpu-node-01', 'aws-p5en-sample'],
      not: ['더 나쁩니다', 'sample는'],
    });
    expectKorean(a);
  });
});

describe('trial: everyday phrasings on the H200 demo', () => {
  it('a yes/no the overview does not answer gets no "Yes"/"No"', async () => {
    for (const q of ['can you see my cluster?', 'is this thing on?', 'do you know my servers?']) {
      const a = await ask(q);
      expect(a.lines[0], q).not.toMatch(/^(Yes|No)[:,]/);
    }
  });
  const cases: [string, Want][] = [
    ['first, is NVLink ok?', { head: ['No', 'train-vision-b'], not: ['First move'] }],
    ['GPU 몇 번 써야 돼?', { head: ['GPU4'] }],
    ['what is the NUMA node of GPU 2?', { head: ['GPU2', 'node 0'] }],
    ['whcih vm is teh problem', { head: ['VM 102 (train-vision-b)', 'NVLink', 'VM 103 (train-rec-c)'] }],
    ['which VM has the biggest problem?', { head: ['VM 102 (train-vision-b)'] }],
    ['추론 서버들 gpu 하나로 합칠수 있나', { head: ['네', 'infer-chat', 'infer-embed', '1g.18gb', 'GPU5'] }],
    ['can the inference vms be consolidated onto one gpu?', { head: ['Yes', 'infer-chat', 'GPU5'] }],
    ['nvlink 제대로 쓰고있음?', { head: ['아니요', 'train-vision-b', 'SYS', 'train-llm-a', 'NV6'] }],
    ['driver version?', { head: ['570.172.08', 'CUDA 12.8', 'gpu-node-01'] }],
    ['쿠다 버전 뭐야?', { head: ['570.172.08', 'CUDA 12.8'] }],
    ['what gpu model is this?', { head: ['NVIDIA H200 NVL'] }],
  ];
  for (const [q, want] of cases)
    it(q, async () => {
      const a = await ask(q);
      expectAnswer(a, want);
      if (/[가-힣]/.test(q)) expectKorean(a);
    });
});

describe('Korean answers are Korean throughout', () => {
  const questions: [string, () => InputFile[]][] = [
    ['상태 어때?', () => H200],
    ['학습이 왜 느려?', () => H200],
    ['노는 GPU 있어?', () => H200],
    ['MIG 써야 해?', () => H200],
    ['ECC 에러 있어?', () => IN.ecc()],
    ['이 GPU 상태 어때?', () => IN.ecc()],
    ['어떻게 고쳐?', () => H200],
    ['명령어 보여줘', () => H200],
    ['PCIe 문제 있어?', () => L40S],
    ['OOM 위험 있어?', () => L40S],
    ['제일 뜨거운 GPU는?', () => L40S],
    ['NIC 어디 붙어 있어?', () => L40S],
    ['GPUDirect RDMA 쓸 수 있어?', () => IN.topo()],
    ['토폴로지 괜찮아?', () => IN.topo()],
    ['MIG 프로파일 뭐 있어?', () => IN.lgip()],
    ['서버 요약해줘', () => IN.h2()],
    ['어느 서버가 더 나빠?', () => IN.h2()],
    ['7번 GPU 뭐 돌아?', () => IN.aws()],
  ];
  for (const [q, files] of questions)
    it(q, async () => {
      const a = await ask(q, files());
      // all the commands were asked for: the 14 steps and their head
      expectAnswer(a, { maxLines: /명령/.test(q) ? 17 : 15 });
      expectKorean(a);
    });
});

describe('everyday questions on every kind of input: grounded, short, Korean in Korean', () => {
  const questions = [
    'how is it?',
    '왜 느려?',
    'what should I fix first?',
    '새 작업 올릴 자리 있어?',
    'is it safe to reboot?',
    'NVLink가 뭐야?',
    'what does SYS mean?',
    'CPU 온도는?',
    'network bandwidth between nodes?',
    'which gpus are idle?',
    '고장났어?',
    'is the PCIe link ok?',
    'NUMA 설정 괜찮아?',
    'should I use MIG?',
    '어떻게 고쳐?',
    'which vm is the problem?',
    '모델명 뭐야?',
    'driver version?',
    '전체 서버 요약해줘',
    'where should a 2-gpu job go?',
    '2번 GPU 왜 뜨거워?',
    'GPU0에 가까운 NIC?',
    '다운타임 필요해?',
  ];
  const inputs: [string, () => InputFile[]][] = [
    ['h200 demo', () => H200],
    ['l40s demo', () => L40S],
    ['two bundles', IN.h2],
    ['topo -m', IN.topo],
    ['nvidia-smi -q with a pending remap', IN.ecc],
    ['mig -lgip', IN.lgip],
    ['aws bundle', IN.aws],
  ];
  for (const [name, files] of inputs)
    it(name, async () => {
      for (const q of questions) {
        const a = await ask(q, files());
        expectAnswer(a, {});
        if (/[가-힣]/.test(q)) expectKorean(a);
      }
    }, 60_000);
});
