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
beforeAll(async () => {
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
    ['how do I fix train-diffusion?', { contains: ['qm set 301', 'infer-ocr'] }],
  ];
  for (const [q, want] of cases) it(q, async () => expectAnswer(await ask(q, L40S), want));
});

describe('two hosts loaded (h200 + l40s scenario files)', () => {
  const both = [...H200, ...L40S];
  it('a vague question gets the fleet summary, worst first', async () => {
    const a = await ask('how are my servers?', both);
    expectAnswer(a, {
      head: ['2 hosts', 'gpu-node-01'],
      contains: ['gpu-node-02', '64.8', '70.9'],
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
      head: ['gpu-node-01', '64.8'],
      not: ['gpu-node-02'],
    });
  });
  it('a yes/no question about every host answers per host', async () => {
    expectAnswer(await ask('ECC 에러 있는 GPU 있어?', both), {
      head: ['gpu-node-01', 'gpu-node-02', '아니요'],
    });
  });
  it('compares the hosts', async () => {
    expectAnswer(await ask('which host is worse?', both), { head: ['gpu-node-01 is worse', '64.8', '70.9'] });
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
    expectAnswer(other!, { head: ['gpu-node-02', '70.9'], not: ['gpu-node-01'] });
  });
  it('an invalid focus is ignored', async () => {
    expectAnswer(await ask('and GPU 5?', H200, { topic: 'ecc', whatever: true }), {
      head: ['GPU5', 'train-vision-b'],
    });
  });
});
