/**
 * The offline analyst's understanding of a question: topic, host, GPUs, VMs → workloads, yes/no, follow-ups
 * through the previous answer's focus, off-topic and change requests — on everyday phrasings, half Korean.
 */
import { describe, expect, it } from 'vitest';
import { type Focus, parseFocus } from '../../../bot/agent/offline/focus.ts';
import { type Known, type Understanding, understand } from '../../../bot/agent/offline/understand.ts';

/** The demo H200 host as list_hosts names it. */
const H200: Known = {
  hosts: ['gpu-node-01'],
  workloads: [
    { name: 'train-llm-a', host: 'gpu-node-01', vmid: 101, gpus: [0, 1] },
    { name: 'train-vision-b', host: 'gpu-node-01', vmid: 102, gpus: [3, 5] },
    { name: 'train-rec-c', host: 'gpu-node-01', vmid: 103, gpus: [2] },
    { name: 'infer-chat', host: 'gpu-node-01', vmid: 201, gpus: [6] },
    { name: 'infer-embed', host: 'gpu-node-01', vmid: 202, gpus: [7] },
  ],
};

/** Both demo hosts. */
const FLEET: Known = {
  hosts: ['gpu-node-01', 'gpu-node-02'],
  workloads: [
    ...H200.workloads,
    { name: 'train-diffusion', host: 'gpu-node-02', vmid: 301, gpus: [1, 2] },
    { name: 'infer-ocr', host: 'gpu-node-02', vmid: 302, gpus: [0] },
    { name: 'infer-llm-8b', host: 'gpu-node-02', vmid: 303, gpus: [3] },
  ],
};

const focus = (f: Partial<Focus>): Focus => ({
  v: 1,
  topic: 'overview',
  host: 'gpu-node-01',
  gpus: [],
  workloads: [],
  rules: [],
  items: [],
  ...f,
});

type Want = Partial<
  Pick<
    Understanding,
    | 'topic'
    | 'host'
    | 'gpus'
    | 'vms'
    | 'workloads'
    | 'unknownHosts'
    | 'yesNo'
    | 'asksOk'
    | 'change'
    | 'offTopic'
    | 'wantsAll'
    | 'commands'
    | 'followUp'
    | 'changeKind'
    | 'unknownVms'
  >
>;

function check(q: string, want: Want, known: Known = H200, prev: Focus | null = null) {
  const u = understand(q, known, prev);
  const got = Object.fromEntries(Object.keys(want).map((k) => [k, u[k as keyof Understanding]]));
  expect(got, q).toEqual(want);
}

describe('understand: topics', () => {
  const cases: [string, Want][] = [
    ['why is training slow?', { topic: 'slow' }],
    ['학습이 왜 느려?', { topic: 'slow' }],
    ['병목이 어디야?', { topic: 'slow' }],
    ['what is the bottleneck?', { topic: 'slow' }],
    ['점수가 왜 C야?', { topic: 'score' }],
    ['why a C?', { topic: 'score' }],
    ['효율 점수 몇 점이야?', { topic: 'score' }],
    ['what grade does it get?', { topic: 'score' }],
    ['Which GPUs are idle?', { topic: 'idle' }],
    ['놀고 있는 GPU 있어?', { topic: 'idle', yesNo: true }],
    ['낭비되는 GPU 있어?', { topic: 'idle' }],
    ['can I free up a GPU?', { topic: 'idle' }],
    ['Should we use MIG?', { topic: 'mig', yesNo: true }],
    ['1g.18gb로 쪼갤 수 있어?', { topic: 'mig' }],
    ['GPU를 나눠 쓸 수 있어?', { topic: 'mig' }],
    ['could the inference VMs share a GPU?', { topic: 'mig' }],
    ['Which GPUs are connected by NVLink?', { topic: 'nvlink', yesNo: false }],
    ['Is NVLink being used properly?', { topic: 'nvlink', yesNo: true, asksOk: true }],
    ['NVLink 제대로 쓰고 있어?', { topic: 'nvlink', yesNo: true, asksOk: true }],
    ['토폴로지 보여줘', { topic: 'nvlink' }],
    ['CPU 피닝 제대로 돼 있어?', { topic: 'numa', yesNo: true, asksOk: true }],
    ['Is the CPU pinning right?', { topic: 'numa', yesNo: true, asksOk: true }],
    ['NUMA 노드가 몇 개야?', { topic: 'numa', yesNo: false }],
    ['Which NUMA node is each GPU on?', { topic: 'numa' }],
    ['Is any GPU running out of memory?', { topic: 'memory', yesNo: true }],
    ['OOM 날 위험 있어?', { topic: 'memory', yesNo: true }],
    ['ECC 에러 있는 GPU 있어?', { topic: 'ecc', yesNo: true, asksOk: false }],
    ['Any ECC errors?', { topic: 'ecc', yesNo: true }],
    ['GPU 메모리 오류 있어?', { topic: 'ecc' }],
    ['is the H200 healthy?', { topic: 'ecc', host: 'gpu-node-01', unknownHosts: [] }],
    ['PCIe 링크 문제 없어?', { topic: 'pcie', yesNo: true, asksOk: true }],
    ['Are the PCIe links OK?', { topic: 'pcie', yesNo: true, asksOk: true }],
    ['GPU 온도 괜찮아?', { topic: 'clocks', asksOk: true }],
    ['which GPU is the hottest?', { topic: 'clocks' }],
    ['is any GPU throttling?', { topic: 'clocks', yesNo: true }],
    ['Can we use GPUDirect RDMA?', { topic: 'nic', yesNo: true }],
    ['mlx5_0 어디에 붙어 있어?', { topic: 'nic', unknownHosts: [] }],
    ['네트워크 카드 위치 알려줘', { topic: 'nic' }],
    ['how do I fix it?', { topic: 'fix' }],
    ['어떻게 고쳐?', { topic: 'fix' }],
    ['재배치 방법 알려줘', { topic: 'fix', change: false }],
    ['how should I rearrange?', { topic: 'fix', change: false }],
    ['give me the commands', { topic: 'fix', commands: true }],
    ['명령어 전부 보여줘', { topic: 'fix', commands: true, wantsAll: true }],
    ['all commands', { topic: 'fix', wantsAll: true }],
    ['how much faster will it be?', { topic: 'gains' }],
    ['얼마나 빨라져?', { topic: 'gains' }],
    ['적용하면 효과가 얼마나 돼?', { topic: 'gains', change: false }],
    ['Can you make me a PDF report?', { topic: 'report', change: false }],
    ['보고서 만들어 줘', { topic: 'report', change: false }],
    ['how is it?', { topic: 'overview' }],
    ['상태 어때?', { topic: 'overview' }],
    ['이 서버 괜찮아?', { topic: 'overview', host: 'gpu-node-01', asksOk: true }],
    ['what is running on GPU 6?', { topic: 'entity', gpus: [6] }],
    ['Do I need downtime?', { topic: 'fix', yesNo: true }],
    ['다운타임 필요해?', { topic: 'fix' }],
    ['qm set 103 명령 뭐야?', { topic: 'fix', vms: [103], workloads: ['train-rec-c'] }],
    ['infer-chat을 MIG로 옮기면 얼마나 아껴?', { topic: 'gains', workloads: ['infer-chat'] }],
    ['뭐부터 해야 돼?', { topic: 'first' }],
    ['배치가 최적이야?', { topic: 'fix', asksOk: true }],
    ['GPU 사용률이 왜 낮아?', { topic: 'idle' }],
    ['H200 몇 장이야?', { topic: 'inventory' }],
    ['what driver version is installed?', { topic: 'inventory' }],
    ['2번 GPU는 뭐가 문제야?', { topic: 'entity', gpus: [2] }],
    ['어떤 GPU가 제일 바빠?', { topic: 'idle' }],
    ['어떤 작업이 소켓을 넘나들어?', { topic: 'nvlink' }],
    ['which GPUs share a PCIe switch with a NIC?', { topic: 'nic' }],
    ['상태?', { topic: 'overview', yesNo: false }],
    [
      'compare train-llm-a and train-vision-b',
      { topic: 'entity', workloads: ['train-llm-a', 'train-vision-b'] },
    ],
  ];
  for (const [q, want] of cases) it(q, () => check(q, want));
});

describe('understand: hosts', () => {
  it('names a loaded host by name, case and domain aside', () => {
    check('why is gpu-node-02 slow?', { host: 'gpu-node-02', topic: 'slow', unknownHosts: [] }, FLEET);
    check('GPU-NODE-02 점수 알려줘', { host: 'gpu-node-02', topic: 'score' }, FLEET);
    check('gpu-node-01.example.com 상태?', { host: 'gpu-node-01', unknownHosts: [] }, FLEET);
    check('node-02는 어때?', { host: 'gpu-node-02', unknownHosts: [] }, FLEET);
  });
  it('takes "this server" as the only host', () => {
    check('is this server OK?', { host: 'gpu-node-01', yesNo: true, asksOk: true });
    check('이 서버 NVLink 있어?', { host: 'gpu-node-01', topic: 'nvlink' });
  });
  it('says which host-like names are not loaded, and never takes another host for them', () => {
    check('How is gpu-node-99 doing?', { unknownHosts: ['gpu-node-99'] });
    check('node7 상태 어때?', { unknownHosts: ['node7'] });
    check('dgx-03은 어때?', { unknownHosts: ['dgx-03'] });
    check('gpu-node-07 점수 알려줘', { unknownHosts: ['gpu-node-07'] }, FLEET);
    check('srv01.example.com 느려?', { unknownHosts: ['srv01.example.com'] });
  });
  it('does not take workloads, models, MIG profiles, NICs, VMs, files or CPU lists for hosts', () => {
    for (const q of [
      'train-llm-a 괜찮아?',
      'is the H200 NVL fast enough?',
      'L40S에서 MIG 쓸 수 있어?',
      '1g.18gb 프로파일 써도 돼?',
      'mlx5_0 is next to which GPU?',
      'vm103 ok?',
      'VM-103 설정 맞아?',
      '103.conf 보여줘',
      'pin it to 0-55,112-167',
      'infer-llm-8b uses how much memory?',
      'NUMA node0 CPUs?',
      'x86_64 host?',
      'h100-sxm5 or A100-SXM4-80GB?',
      'cuda-12.4 driver 550 ok?',
    ])
      expect(understand(q, H200, null).unknownHosts, q).toEqual([]);
  });
  it('with several hosts and none named, leaves the host open (a fleet answer)', () => {
    check('ECC 에러 있는 GPU 있어?', { host: null }, FLEET);
    check('how are my servers?', { host: null }, FLEET);
  });
  it('a workload or VM names its host', () => {
    check('is VM 302 placed well?', { host: 'gpu-node-02', workloads: ['infer-ocr'] }, FLEET);
    check('train-diffusion 왜 느려?', { host: 'gpu-node-02', workloads: ['train-diffusion'] }, FLEET);
  });
});

describe('understand: GPUs, VMs, workloads', () => {
  const cases: [string, Want][] = [
    ['GPU 2 상태?', { gpus: [2] }],
    ['GPU2 상태?', { gpus: [2] }],
    ['what about gpu #2', { gpus: [2] }],
    ['GPUs 2 and 5', { gpus: [2, 5] }],
    ['GPU 2,3 어때?', { gpus: [2, 3] }],
    ['GPU 3과 5는 NVLink로 연결돼 있어?', { gpus: [3, 5], topic: 'nvlink' }],
    ['2번 GPU 어때?', { gpus: [2] }],
    ['GPU 2번 뭐 돌아?', { gpus: [2], topic: 'entity' }],
    ['2번째 GPU 상태', { gpus: [2] }],
    ['2번은?', { gpus: [2] }],
    ['GPUs 0-3', { gpus: [0, 1, 2, 3] }],
    ['GPU 12개 다 써?', { gpus: [] }],
    ['8 GPUs are idle?', { gpus: [] }],
    [
      'is VM 103 configured right?',
      { vms: [103], workloads: ['train-rec-c'], topic: 'entity', yesNo: true, asksOk: true },
    ],
    ['vm103 ok?', { vms: [103], workloads: ['train-rec-c'] }],
    ['VM103 설정 맞아?', { vms: [103], workloads: ['train-rec-c'] }],
    ['103번 VM 설정 맞아?', { vms: [103], workloads: ['train-rec-c'] }],
    ['what about VM 999?', { vms: [999], unknownVms: [999], workloads: [] }],
    ['llm-a 괜찮아?', { workloads: ['train-llm-a'] }],
    ["how's the vision job?", { workloads: ['train-vision-b'] }],
    ['the chat model is slow', { workloads: ['infer-chat'], topic: 'slow' }],
    ['임베딩 서버 embedding 잘 돼?', { workloads: ['infer-embed'] }],
    ['why is training slow?', { workloads: [] }],
  ];
  for (const [q, want] of cases) it(q, () => check(q, want));
});

describe('understand: follow-ups', () => {
  const afterVm = focus({ topic: 'entity', gpus: [2], workloads: ['train-rec-c'] });
  const afterEcc = focus({ topic: 'ecc', rules: ['ecc-errors'] });
  const afterOverview = focus({
    topic: 'overview',
    items: [
      {
        kind: 'finding',
        host: 'gpu-node-01',
        rule: 'nvlink-split',
        gpus: [3, 5],
        workloads: ['train-vision-b'],
      },
      { kind: 'finding', host: 'gpu-node-01', rule: 'numa-mismatch', gpus: [2], workloads: ['train-rec-c'] },
    ],
  });
  const afterFleet = focus({
    topic: 'compare',
    host: null,
    items: [
      { kind: 'host', host: 'gpu-node-01', rule: null, gpus: [], workloads: [] },
      { kind: 'host', host: 'gpu-node-02', rule: null, gpus: [], workloads: [] },
    ],
  });

  it('"how do I fix it?" fixes the previous subject', () => {
    check(
      'how do I fix it?',
      { topic: 'fix', workloads: ['train-rec-c'], gpus: [2], followUp: 'reference' },
      H200,
      afterVm,
    );
    check(
      '그거 어떻게 고쳐?',
      { topic: 'fix', workloads: ['train-rec-c'], followUp: 'reference' },
      H200,
      afterVm,
    );
    check('어떻게 고쳐?', { topic: 'fix', workloads: [], followUp: 'none' }, H200, null);
  });
  it('"그럼 GPU 5는?" asks the previous question about another GPU', () => {
    check('그럼 GPU 5는?', { topic: 'ecc', gpus: [5], followUp: 'continue', yesNo: false }, H200, afterEcc);
    check('and GPU 5?', { topic: 'ecc', gpus: [5], followUp: 'continue' }, H200, afterEcc);
    check(
      'what about VM 102?',
      { topic: 'entity', workloads: ['train-vision-b'], followUp: 'continue' },
      H200,
      afterVm,
    );
    check('그럼 GPU 5는?', { topic: 'entity', gpus: [5] }, H200, null);
  });
  it('ordinals point into the previous answer', () => {
    check(
      'the second one',
      { topic: 'finding', workloads: ['train-rec-c'], gpus: [2], followUp: 'ordinal' },
      H200,
      afterOverview,
    );
    check(
      '두 번째 자세히',
      { topic: 'finding', workloads: ['train-rec-c'], followUp: 'ordinal' },
      H200,
      afterOverview,
    );
    check('the first finding', { topic: 'finding', workloads: ['train-vision-b'] }, H200, afterOverview);
    check('첫 번째 거 어떻게 고쳐?', { topic: 'fix', workloads: ['train-vision-b'] }, H200, afterOverview);
    check('the second one', { followUp: 'none', topic: 'overview' }, H200, null);
  });
  it('"more detail" and "자세히" go deeper into the previous topic', () => {
    check('more detail', { topic: 'ecc', followUp: 'reference' }, H200, afterEcc);
    check('자세히', { topic: 'entity', workloads: ['train-rec-c'] }, H200, afterVm);
  });
  it('after a fleet summary, "the worst one" is the worst host and "gpu-node-02는?" is that host', () => {
    check(
      "the worst one: what's wrong with it?",
      { host: 'gpu-node-01', topic: 'overview', followUp: 'ordinal' },
      FLEET,
      afterFleet,
    );
    check('gpu-node-02는?', { host: 'gpu-node-02', topic: 'overview', yesNo: false }, FLEET, afterFleet);
  });
  it('a fresh status question is not tied to the previous subject', () => {
    check('how is it?', { topic: 'overview', workloads: [], followUp: 'none' }, H200, afterVm);
  });
  it('"run it for me" carries the subject into a change request', () => {
    check('run it for me', { topic: 'change', change: true, workloads: ['train-rec-c'] }, H200, afterVm);
  });
  it('a focus that is not ours, or about a host no longer loaded, is ignored', () => {
    expect(parseFocus({ topic: 'ecc' })).toBeNull();
    expect(parseFocus('ecc')).toBeNull();
    expect(parseFocus(afterEcc)).toEqual(afterEcc);
    check(
      'and GPU 5?',
      { topic: 'entity', followUp: 'none' },
      H200,
      focus({ topic: 'ecc', host: 'gpu-node-77' }),
    );
  });
});

describe('understand: off-topic and change requests', () => {
  const off = [
    "what's the weather?",
    'tell me a joke',
    '점심 뭐 먹지?',
    '오늘 날씨 어때?',
    'write a python function that sorts a list',
    '파이썬 코드 짜 줘',
    'what can you do?',
    'what does InfraLens check?',
    '넌 누구야?',
  ];
  for (const q of off) it(`off-topic: ${q}`, () => check(q, { offTopic: true, topic: 'offtopic' }));

  const changes: [string, Want][] = [
    ['delete VM 103', { change: true, changeKind: 'delete', workloads: ['train-rec-c'] }],
    ['VM 103 지워줘', { change: true, changeKind: 'delete' }],
    ['run it for me', { change: true, changeKind: 'apply' }],
    ['apply the plan', { change: true, changeKind: 'apply' }],
    ['please go ahead and apply it', { change: true }],
    ['GPU 4 꺼줘', { change: true, changeKind: 'stop', gpus: [4] }],
    ['재부팅해', { change: true, changeKind: 'reboot' }],
    ['실행해 줘', { change: true, changeKind: 'apply' }],
    ['적용해 줘', { change: true, changeKind: 'apply' }],
    ['move train-vision-b to GPU 2 and 3', { change: true, changeKind: 'move' }],
    ['train-vision-b 옮겨 줘', { change: true, changeKind: 'move' }],
    ['can you restart VM 102?', { change: true, changeKind: 'reboot' }],
  ];
  for (const [q, want] of changes) it(`change: ${q}`, () => check(q, { topic: 'change', ...want }));

  const questions = [
    '재배치 방법 알려줘',
    'how should I rearrange?',
    'do I need to reboot?',
    '재부팅해야 돼?',
    'GPU 4 꺼도 돼?',
    'what happens if I apply the plan?',
    '적용하면 얼마나 빨라져?',
    '보고서 만들어 줘',
  ];
  for (const q of questions) it(`not a change: ${q}`, () => check(q, { change: false }));
});

describe('understand: questions that are not about a finding', () => {
  const cases: [string, Want & { terms?: string[]; absent?: string | null }][] = [
    ['what does NUMA mean?', { topic: 'define', terms: ['numa'] }],
    ['vGPU가 뭐야?', { topic: 'define', terms: ['vgpu'] }],
    ['what does SYS mean in topo', { topic: 'define', terms: ['sys'] }],
    ['NUMA란?', { topic: 'define', terms: ['numa'] }],
    ['what do PIX and PHB mean?', { topic: 'define', terms: ['phb', 'pix'] }],
    ['패스스루가 뭐야?', { topic: 'define', terms: ['passthrough'] }],
    ['NUMA 노드가 뭐야?', { topic: 'define', terms: ['numa'] }],
    ['what is MIG mode?', { topic: 'define', terms: ['mig'] }],
    ['what is the NUMA node of GPU 2?', { topic: 'numa', terms: [] }],
    ['is MIG enabled?', { topic: 'mig', terms: [] }],
    ['디스크 용량 얼마 남았어?', { topic: 'absent', absent: 'disk' }],
    ["what's the CPU temperature?", { topic: 'absent', absent: 'cpuTemp' }],
    ['whats the network bandwidth between our nodes?', { topic: 'absent', absent: 'network' }],
    ['how much money am I wasting?', { topic: 'absent', absent: 'money' }],
    ['CPU pinning 맞아?', { topic: 'numa', absent: null }],
    ['can I put another training job on this box?', { topic: 'capacity' }],
    ['where should a new 2-GPU job go?', { topic: 'capacity' }],
    ['어느 서버에 새 학습 잡 올리는게 나아?', { topic: 'capacity' }],
    ['which gpus should I use for a 2 gpu training job?', { topic: 'capacity' }],
    ['is it safe to reboot?', { topic: 'reboot', change: false }],
    ['리부팅해도 돼?', { topic: 'reboot', change: false }],
    ['서버 재부팅해도 괜찮아?', { topic: 'reboot', change: false }],
    ['what should I change first?', { topic: 'first' }],
    ['제일 급한거 뭐야?', { topic: 'first' }],
    ['first, is NVLink ok?', { topic: 'nvlink' }],
    ['whcih vm is teh problem', { topic: 'overview' }],
    ['추론 서버들 gpu 하나로 합칠수 있나', { topic: 'mig', yesNo: true }],
    ['nvlink 제대로 쓰고있음?', { topic: 'nvlink', yesNo: true, asksOk: true }],
    ['gpu 다 바빠?', { topic: 'idle', yesNo: true }],
    ['ecc mode on?', { topic: 'ecc', yesNo: true }],
    ['is it safe to keep running jobs on it?', { topic: 'ecc' }],
    ['what do I do about the remap thing', { topic: 'fix' }],
    ['ok how do i fix 103 only', { topic: 'fix', vms: [103], workloads: ['train-rec-c'] }],
  ];
  for (const [q, want] of cases)
    it(q, () => {
      const u = understand(q, H200, null);
      const { terms, absent, ...rest } = want;
      check(q, rest);
      if (terms) expect([...u.terms].sort(), q).toEqual([...terms].sort());
      if (absent !== undefined) expect(u.absent, q).toBe(absent);
    });
  it('reads the size of a new job', () => {
    expect(understand('where should a new 2-GPU job go?', H200, null).gpuCount).toBe(2);
    expect(understand('GPU 4개짜리 학습 어디 올려?', H200, null).gpuCount).toBe(4);
    expect(understand('can I add another job?', H200, null).gpuCount).toBeNull();
  });
  it('fixes common typos word for word, never names', () => {
    expect(understand('whcih gpu is idel?', H200, null).topic).toBe('idle');
    expect(understand('teh train-llm-a job', H200, null).workloads).toEqual(['train-llm-a']);
  });
});

describe('understand: "why?" and "the other one?"', () => {
  const afterIdle = focus({
    topic: 'idle',
    gpus: [4, 6, 7],
    workloads: ['infer-chat', 'infer-embed'],
    rules: ['gpu-idle', 'mig-candidate'],
    items: [
      { kind: 'finding', host: 'gpu-node-01', rule: 'gpu-idle', gpus: [4], workloads: [] },
      { kind: 'finding', host: 'gpu-node-01', rule: 'mig-candidate', gpus: [6], workloads: ['infer-chat'] },
      { kind: 'finding', host: 'gpu-node-01', rule: 'mig-candidate', gpus: [7], workloads: ['infer-embed'] },
    ],
  });
  it('"why?" / "왜?" asks the cause of the main item', () => {
    for (const q of ['why?', '왜?', 'how come?', '이유는?']) {
      const u = understand(q, H200, afterIdle);
      expect(u.topic, q).toBe('why');
      expect(u.item?.gpus, q).toEqual([4]);
      expect(u.previous?.topic, q).toBe('idle');
    }
    expect(understand('why?', H200, null).topic).toBe('overview');
  });
  it('"and the other one?" is about the other items, in the same topic', () => {
    for (const q of ['and the other one?', '나머지는?', 'what about the others?']) {
      const u = understand(q, H200, afterIdle);
      expect(u.followUp, q).toBe('other');
      expect(u.topic, q).toBe('idle');
      expect(u.gpus, q).toEqual([6, 7]);
    }
  });
  it('"그럼 어떻게 해?" after a subject fixes that subject', () => {
    const afterHeat = focus({ topic: 'clocks', host: 'gpu-node-01', gpus: [2], rules: ['clock-throttle'] });
    check('그럼 어떻게 해?', { topic: 'fix', gpus: [2], followUp: 'reference' }, H200, afterHeat);
    check('so what do I do?', { topic: 'fix', gpus: [2], followUp: 'reference' }, H200, afterHeat);
  });
});
