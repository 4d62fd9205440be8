/**
 * Every phrase of the offline analyst, in English and Korean (polite -습니다/-요 style). The Korean table
 * has the English table's type, so a phrase cannot exist in one language only. Phrases take values that
 * the composers copied from tool results; they compute no number of their own.
 */
import type { Lang } from '../../../scoring/report.ts';
import type { EccState } from './answers/ecc.ts';
import type { WorkloadState } from './answers/workload-state.ts';
import type { Term } from './topics.ts';

/** One workload on CPUs of another NUMA node than its GPUs. */
export interface MismatchLine {
  workload: string;
  vmid: number | null;
  gpus: readonly number[];
  cpuNode: number | null;
  gpuNode: number | null;
}

/** A set of GPUs for a new job: the worst path between them, their NUMA node, the nearest NICs. */
export interface GpuSetLine {
  gpus: readonly number[];
  path: string | null;
  numa: number | null;
  nic: string | null;
  nics: readonly string[];
}

/** A move that keeps its GPUs and only changes its CPUs. */
export interface Stay {
  cpus: string | null;
}

/** A GPU as a capacity answer describes it. */
export interface GpuLine {
  gpu: number;
  name: string | null;
  numa: number | null;
  cpus: string | null;
  util: number | null;
  used: number | null;
  total: number | null;
}

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

/**
 * Does the word end in a consonant when read in Korean (GPU0 "영", gpu-node-01 "일", train-rec-c "씨",
 * aws-p5en-sample "샘플", mlx5_1 "일")? Digits by their reading (0 영 1 일 2 이 3 삼 4 사 5 오 6 육 7 칠 8 팔
 * 9 구); Latin letters by theirs (l, r → ㄹ; m, n → ㄴ/ㅁ; the rest none), a word's silent e read through
 * ("sample" 샘플, "name" 네임) and "-ng" as ㅇ.
 */
function batchim(word: string): 'none' | 'rieul' | 'other' {
  const w = word.trim().replace(/[)\]`'"’*_]+$/, '');
  const ch = w.slice(-1);
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
  const tail = w.slice(-4).toLowerCase();
  // a word (two letters or more before the end), not a single letter such as the c of train-rec-c
  const word2 = /[a-z]{3,}$/i.test(w);
  // loanword endings: map 맵, group 그룹, job 잡
  if (word2 && (/p$/.test(tail) || /job$/.test(tail))) return 'other';
  if (word2 && /[^aeiou]le$/.test(tail)) return 'rieul';
  if (word2 && /[aeiou][mn]e$/.test(tail)) return 'other';
  if (word2 && /ng$/.test(tail)) return 'other';
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

type ProcLine = { pid: number | null; name: string | null; mem: number | null };
const procsEn = (ps: readonly ProcLine[]) =>
  joinEn(
    ps
      .slice(0, 2)
      .map(
        (p) =>
          `${p.pid !== null ? `PID ${p.pid}` : 'a process'} (${p.name ?? 'no name reported'}${p.mem !== null ? `, ${p.mem} MiB` : ''})`,
      ),
  );
const procsKo = (ps: readonly ProcLine[]) =>
  joinKo(
    ps
      .slice(0, 2)
      .map(
        (p) =>
          `${p.pid !== null ? `PID ${p.pid}` : '프로세스'}(${p.name ?? '이름 없음'}${p.mem !== null ? `, ${p.mem} MiB` : ''})`,
      ),
  );
const range = (xs: readonly number[]) => {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return lo === hi ? `${lo}%` : `${lo}–${hi}%`;
};
const plus = (gs: readonly number[]) => gs.map((g) => `GPU${g}`).join('+');
const uniqNames = (xs: readonly (string | null)[]) =>
  [...new Set(xs.filter((x): x is string => x !== null))].slice(0, 2);

const spanPct = (u: { min: number; max: number }) => (u.min === u.max ? `${u.min}%` : `${u.min}–${u.max}%`);
const setEn = (x: GpuSetLine) => {
  const parts = [
    x.path ? `${x.path} between them` : null,
    x.numa !== null ? `${x.gpus.length > 1 ? 'both on ' : ''}NUMA node ${x.numa}` : null,
    x.nics.length ? `nearest to ${joinEn([...x.nics])}${x.nic ? ` (${x.nic})` : ''}` : null,
  ].filter((p) => p !== null);
  return parts.length ? ` (${parts.join(', ')})` : '';
};
const setKo = (x: GpuSetLine) => {
  const parts = [
    x.path ? `서로 ${x.path}` : null,
    x.numa !== null ? `NUMA 노드 ${x.numa}` : null,
    x.nics.length ? `${joinKo([...x.nics])}에 가장 가까움${x.nic ? `(${x.nic})` : ''}` : null,
  ].filter((p) => p !== null);
  return parts.length ? `(${parts.join(', ')})` : '';
};
const gpuLineEn = (g: GpuLine) => {
  const parts = [
    g.name,
    g.numa !== null ? `NUMA node ${g.numa}` : null,
    g.cpus ? `CPUs ${code(g.cpus)}` : null,
  ].filter((p) => p !== null);
  return parts.length ? ` (${parts.join(', ')})` : '';
};
const gpuLineKo = (g: GpuLine) => {
  const parts = [
    g.name,
    g.numa !== null ? `NUMA 노드 ${g.numa}` : null,
    g.cpus ? `CPU ${code(g.cpus)}` : null,
  ].filter((p) => p !== null);
  return parts.length ? `(${parts.join(', ')})` : '';
};

// ---------------------------------------------------------------------------------------------------------
// Korean polish: particles and the English that tool strings carry into Korean answers

const PARTICLE_FALLBACK =
  /([A-Za-z0-9가-힣_.)\]`'-]+?)(이\(가\)|가\(이\)|은\(는\)|는\(은\)|을\(를\)|를\(을\)|와\(과\)|과\(와\)|\(으\)로|으로\(로\))/g;
const PARTICLE_KIND: Record<string, '은' | '이' | '을' | '과' | '로'> = {
  '이(가)': '이',
  '가(이)': '이',
  '은(는)': '은',
  '는(은)': '은',
  '을(를)': '을',
  '를(을)': '을',
  '와(과)': '과',
  '과(와)': '과',
  '(으)로': '로',
  '으로(로)': '로',
};
/** A particle written right after a Latin or digit token ("x16가 아닌", "GPU4이 "), checked against the token. */
const PARTICLE_AFTER_LATIN =
  /([A-Za-z0-9][A-Za-z0-9_.-]*)(이|가|은|는|을|를|와|과|으로|로)(?=[\s,.;:!?)\]…]|$)/g;
const PARTICLE_OF: Record<string, '은' | '이' | '을' | '과' | '로'> = {
  이: '이',
  가: '이',
  은: '은',
  는: '은',
  을: '을',
  를: '을',
  와: '과',
  과: '과',
  으로: '로',
  로: '로',
};

/** English that tools write into their Korean strings (facts, evidence labels), in Korean. */
const KO_PHRASES: [RegExp, string][] = [
  [/a row remap is pending \(needs a GPU reset\)/g, 'row remap 대기 중(GPU 리셋 필요)'],
  [/row remapping failed/g, 'row remap 실패'],
  [/(\d+) uncorrectable ECC error\(s\) since the last reset/g, '마지막 리셋 이후 수정 불가 ECC 오류 $1건'],
  [/(\d+) uncorrectable ECC error\(s\) over the GPU's life/g, 'GPU 수명 동안 수정 불가 ECC 오류 $1건'],
  [/a page retirement is pending/g, '페이지 폐기(retirement) 대기 중'],
  [/(\d+) row\(s\) remapped after uncorrectable errors/g, '수정 불가 오류 뒤 재매핑된 행 $1개'],
  [/memory need ([\d.]+) GiB \(processes\)/g, '필요 메모리 $1 GiB(프로세스 기준)'],
  [/, compute (\d+)% \(utilization\.gpu\)/g, ', 연산 $1%(utilization.gpu)'],
  [/, memory (\d+) \/ (\d+) MiB/g, ', 메모리 $1 / $2 MiB'],
  [/: no NVLink \(model table\)/g, ': NVLink 없음(모델 표)'],
  [/\((\d+) of (\d+) GPU pairs?\)/g, '(GPU 쌍 $2개 중 $1개)'],
  [/ECC uncorrectable volatile/g, 'ECC 수정 불가 오류: 휘발성'],
  [/, aggregate /g, ', 누적 '],
  [/remapped rows correctable/g, '재매핑된 행: 수정 가능'],
  [/, uncorrectable (\d+)/g, ', 수정 불가 $1'],
  [/, pending true/g, ', 대기 중 예'],
  [/, pending false/g, ', 대기 중 아니요'],
  [/, failure false/g, ', 실패 아니요'],
  [/, failure true/g, ', 실패 예'],
  [/(\d+)\/(\d+) compute slices/g, '연산 슬라이스 $1/$2'],
  [/, profile id (\d+)/g, ', 프로필 id $1'],
  [/^(- )?affinity: /gm, '$1CPU 친화성: '],
  [/ \/ max (\d+)/g, ' / 최대 $1'],
  [/, utilization (\d+) %/g, ', 사용률 $1 %'],
  [/ \(a single sample: check a day of data\)/g, ' (측정값 하나: 하루치 데이터로 확인하세요)'],
  [/\bno GPU header\b/g, 'GPU 머리글 없음'],
];

/** Apply `fn` to the parts of `text` outside `code spans`. */
function outsideCode(text: string, fn: (s: string) => string): string {
  return text
    .split(/(`[^`\n]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : fn(part)))
    .join('');
}

/**
 * The last pass over an answer: in Korean, the English that tool strings carry becomes Korean and every
 * particle follows the word it attaches to ("GPU4이(가)" → "GPU4가", "x16가" → "x16이"). English is left as is.
 */
export function polish(text: string, lang: Lang): string {
  if (lang !== 'ko') return text;
  return outsideCode(text, (part) => {
    let s = part;
    for (const [re, to] of KO_PHRASES) s = s.replace(re, to);
    s = s.replace(PARTICLE_FALLBACK, (_m, word: string, p: string) => josa(word, PARTICLE_KIND[p]!));
    s = s.replace(PARTICLE_AFTER_LATIN, (_m, word: string, p: string) => josa(word, PARTICLE_OF[p]!));
    return s;
  });
}

/** Why an input could not be read, in Korean (the reason's commands kept as they are). */
export function koReason(note: string): string {
  const i = note.indexOf(': ');
  const [file, why] =
    i > 0 && /\.\w+$|#/.test(note.slice(0, i)) ? [note.slice(0, i), note.slice(i + 2)] : [null, note];
  const cmds = [...why.matchAll(/`([^`]+)`/g)].map((m) => code(m[1]!));
  const part = /^fragment of ([^:(]+?)\s*:/i.exec(why)?.[1];
  const what = /^(?:fragment of|.*\btruncated|.*\bwithout (?:any|the)\b|.*no readable|.*\bcut\b)/i.test(why)
    ? `${part ? `${code(part)} ` : '명령 '}출력의 일부분만 있습니다${/no GPU header/.test(why) ? '(GPU 머리글, 곧 표 제목과 열 이름이 빠짐)' : '(머리글이나 표가 잘림)'}`
    : /empty/i.test(why)
      ? '파일이 비어 있습니다'
      : /binary|not UTF-8|NUL/i.test(why)
        ? '텍스트가 아닌 이진 파일입니다'
        : /\blimit is\b|too large|more than/i.test(why)
          ? '파일이 너무 큽니다(로그나 압축 파일 말고 명령 출력을 보내 주세요)'
          : /unknown format/i.test(why)
            ? 'InfraLens가 읽는 형식이 아닙니다'
            : /names no host/i.test(why)
              ? '호스트 이름이 없는데 여러 호스트가 올라와 있어 어느 서버의 것인지 알 수 없습니다'
              : /^this is|InfraLens reads|instead|does not read|not `/i.test(why)
                ? 'InfraLens가 읽지 않는 종류의 출력입니다'
                : /^not |could not be read as|malformed|unknown column/i.test(why)
                  ? '기대한 명령 출력 형식이 아닙니다'
                  : '읽을 수 없는 입력입니다';
  const send = cmds.length > 0 ? ` 대신 ${josa(cmds.join(' 또는 '), '을')} 보내 주세요.` : '';
  return `${file ? `${file}: ` : ''}${what}.${send}`;
}

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
  collected: (host: string, minutes: number) =>
    `From ${host}'s last collection, ${minutes === 0 ? 'less than a minute' : minutes === 1 ? '1 min' : `${minutes} min`} ago (say "re-check ${host}" to collect it now).`,
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
    culprit: (vmid: number | null, workload: string, title: string, impact: string | null) =>
      `${vmid !== null ? `VM ${vmid} (${workload})` : workload}: ${title}${impact ? ` — ${impact}` : ''}.`,
    alsoCulprits: (xs: { vmid: number | null; workload: string; title: string }[]) =>
      `Also: ${xs.map((x) => `${x.vmid !== null ? `VM ${x.vmid} (${x.workload})` : x.workload} — ${x.title}`).join('; ')}.`,
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
    fix: (
      w: string,
      to: readonly number[],
      numa: number | null,
      gain: string | null,
      stays: Stay | null = null,
    ) =>
      `${stays ? `Proposed: ${w} keeps ${gpuList(to)}${stays.cpus ? ` and is pinned to CPUs ${code(stays.cpus)}` : ''}` : `Proposed placement: ${w} → ${gpuList(to)}${numa !== null ? ` (NUMA ${numa})` : ''}`}.${gain ? ` Expected gains: ${gain}.` : ''}`,
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
    notIdle: (gpu: number, util: number | null, who: string | null) =>
      `GPU${gpu} is not idle: ${util ?? '?'}% utilisation${who ? ` (${who})` : ''}.`,
    allBusy: (
      host: string,
      busy: { gpu: number; util: number; who: string | null }[],
      idle: { gpu: number; who: string | null; used: number | null }[],
    ) =>
      `${busy.length ? `${gpuRange(busy.map((b) => b.gpu))} on ${host} ${busy.length === 1 ? 'is' : 'are'} busy at ${range(busy.map((b) => b.util))}${uniqNames(busy.map((b) => b.who)).length ? ` (${uniqNames(busy.map((b) => b.who)).join(', ')})` : ''}` : `No GPU on ${host} computes`}${
        idle.length
          ? `, but ${gpuRange(idle.map((x) => x.gpu))} ${idle.some((x) => (x.used ?? 0) > 0) ? 'hold memory' : 'run nothing'}${uniqNames(idle.map((x) => x.who)).length ? ` (${uniqNames(idle.map((x) => x.who)).join(', ')})` : ''} at 0% utilisation`
          : ''
      }.`,
    most: (title: string, util: (number | null)[], impact: string | null) =>
      `The most wasted: ${title}${util.every((u) => u !== null) ? ` (${util.map(pct).join('/')} utilisation)` : ''}${impact ? ` — ${impact}` : ''}.`,
    runsNothing: (host: string, xs: { gpu: number; used: number | null; total: number | null }[]) =>
      `${gpuList(xs.map((x) => x.gpu))} on ${host} ${xs.length === 1 ? 'runs' : 'run'} nothing: no process, ${xs.map((x) => `${x.used ?? 0} of ${x.total ?? '?'} MiB`).join(', ')} in use, 0% utilisation.`,
    heldIdle: (xs: { gpu: number; who: string | null; used: number | null }[]) =>
      `${gpuRange(xs.map((x) => x.gpu))} ${xs.length === 1 ? 'holds' : 'hold'} memory${uniqNames(xs.map((x) => x.who)).length ? ` (${uniqNames(xs.map((x) => x.who)).join(', ')})` : ''} but compute${xs.length === 1 ? 's' : ''} nothing (0%).`,
    next: (xs: { gpu: number; util: number; who: string | null }[]) =>
      `The next least busy: ${xs.map((x) => `GPU${x.gpu} at ${x.util}%${x.who ? ` (${x.who})` : ''}`).join(', ')}.`,
    leastBusy: (xs: { gpu: number; util: number; who: string | null }[]) =>
      `The least busy that do compute: ${xs.map((x) => `GPU${x.gpu} ${x.util}%${x.who ? ` (${x.who})` : ''}`).join(', ')}.`,
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
      `Every GPU on ${host} is computing${lowest ? `; the least busy is GPU${lowest.gpu} at ${lowest.util}%` : ''}.`,
    busiest: (host: string, xs: { gpu: number; util: number; workload: string | null }[]) =>
      `The busiest GPUs on ${host}: ${xs.map((x) => `GPU${x.gpu} ${x.util}%${x.workload ? ` (${x.workload})` : ''}`).join(', ')}.`,
    planUses: (w: string, gpus: readonly number[]) => `The plan gives ${gpuList(gpus)} to ${w}.`,
    planFrees: (summary: string) => `With the plan: ${summary}.`,
  },
  mig: {
    fitFor: (
      gpu: number,
      fit: { name: string; gib: number },
      smaller: { name: string; gib: number } | null,
    ) =>
      `Use ${fit.name} (${fit.gib} GiB) on GPU${gpu}${smaller ? `: ${smaller.name} (${smaller.gib} GiB) is too small for it` : ''}; leave room beyond the weights for activations and the KV cache.`,
    noFit: (gpu: number) => `No MIG profile of GPU${gpu} has that much memory: use the whole GPU.`,
    howMany: (
      gpu: number,
      ps: { name: string; total: number | null; free: number | null; gib: number | null }[],
    ) =>
      `GPU${gpu} takes up to ${ps
        .map(
          (p) =>
            `${p.total ?? '?'} instances of ${p.name}${p.gib !== null ? ` (${p.gib} GiB each)` : ''}${p.free !== null && p.free === p.total ? ', all free' : p.free !== null ? `, ${p.free} free` : ''}`,
        )
        .join(' — or ')}.`,
    modeOn: (gpu: number, inferred: boolean, instances: readonly string[], allFree: boolean) =>
      `MIG mode is on for GPU${gpu}${inferred ? ' (its `mig -lgip` listing shows profiles, which it does only with MIG on)' : ''}${
        instances.length
          ? `, with instances ${instances.join(', ')}`
          : allFree
            ? ', but no GPU instance exists yet: every profile is fully free'
            : ''
      }.`,
    modeUnknown: (host: string) =>
      `The inputs do not show the MIG mode of ${host}'s GPUs: send ${code('nvidia-smi -q -x')}.`,
    consolidate: (
      moves: { workload: string; from: readonly number[] }[],
      profile: string,
      to: readonly number[],
    ) =>
      `${joinEn(moves.map((m) => `${m.workload} (${gpuList(m.from)})`))} each fit MIG ${profile}, so the plan puts them together on ${gpuList(to)} as MIG instances.`,
    noUsage: (host: string) =>
      `Which jobs could share a GPU needs their utilisation and memory, and the inputs for ${host} have none: send ${code('nvidia-smi -q -x')} and the VM configs.`,
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
    allDisabled: (n: number) => `MIG is disabled on ${n === 1 ? 'the GPU' : `all ${n} GPUs`} today.`,
    instances: (gpu: number, profiles: readonly string[]) =>
      `GPU${gpu} runs MIG instances: ${profiles.join(', ')}.`,
    planMove: (ws: readonly string[], gpus: readonly number[], form: string) =>
      `The plan puts ${joinEn(ws)} on ${gpuList(gpus)} as ${form}${ws.length > 1 ? ' instances' : ''}.`,
  },
  nvlink: {
    pcieBox: (
      n: number,
      nodes: { node: number; gpus: readonly number[] }[],
      within: readonly string[],
      across: readonly string[],
    ) =>
      `Normal for a ${n}-GPU PCIe box: no NVLink, ${nodes.map((x) => `${gpuRange(x.gpus)} on NUMA node ${x.node}`).join(', ')}${
        within.length || across.length
          ? ` (${[within.length ? `${within.join('/')} within a node` : null, across.length ? `${across.join('/')} across` : null].filter(Boolean).join(', ')})`
          : ''
      }; keep multi-GPU jobs inside one node.`,
    pcieNics: (
      nics: readonly string[],
      near: readonly string[],
      far: readonly string[],
      farPath: string | null,
    ) =>
      `${nics.length === 1 ? `The NIC ${nics[0]} sits` : `The NICs (${joinEn(nics)}) sit`} next to ${joinEn(near)}${
        far.length
          ? `, so ${joinEn(far)} reach ${nics.length === 1 ? 'it' : 'them'} only via ${farPath ?? 'a longer path'}`
          : ''
      }.`,
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
    jobsUnknown: (host: string) =>
      `${host}'s inputs hold no jobs or processes, so whether jobs use NVLink cannot be told: send ${code('nvidia-smi -q -x')} (its processes) or a workloads file.`,
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
    cannotJudge: (host: string) =>
      `Can't tell: the inputs for ${host} do not say which NUMA node each GPU is on (send ${code('nvidia-smi topo -m')} with its NUMA column).`,
    workloadOk: (st: WorkloadState, gpuNode: number | null, cpuNode: number | null) =>
      `${st.vmid !== null ? `VM ${st.vmid} (${st.name})` : st.name} is fine: ${st.pairs.length ? `${pairsText(st.pairs)}, ` : `${gpuList(st.gpus)}, `}${
        st.cpus ? `CPUs ${code(st.cpus)}` : 'its CPUs'
      }${cpuNode !== null && cpuNode === gpuNode ? ` on NUMA node ${cpuNode} with its GPUs` : gpuNode !== null ? `, GPUs on NUMA node ${gpuNode}` : ''}${
        st.util.some((u) => u !== null) ? `, at ${utilList(st)} utilisation` : ''
      }.`,
    mismatch: (host: string, list: MismatchLine[]) =>
      `On ${host}, ${list
        .map(
          (x) =>
            `${x.vmid !== null ? `VM ${x.vmid} (${x.workload})` : x.workload} runs on CPUs of ${x.cpuNode !== null ? `NUMA node ${x.cpuNode}` : 'another NUMA node'} while ${gpuList(x.gpus)} ${x.gpus.length === 1 ? 'is' : 'are'} on ${x.gpuNode !== null ? `node ${x.gpuNode}` : 'another node'}`,
        )
        .join('; ')}.`,
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
    fix: (w: string, to: readonly number[], numa: number | null, cpus: string | null, stays = false) =>
      stays
        ? `Fix: the plan keeps ${w} on ${gpuList(to)} and pins it to ${cpus ? `CPUs ${code(cpus)}` : 'CPUs local to them'}.`
        : `Fix: the plan moves ${w} to ${gpuList(to)}${numa !== null ? ` on NUMA node ${numa}` : ''}${cpus ? ` with CPUs ${code(cpus)}` : ''}.`,
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
    facts: (x: EccState) =>
      [
        x.failure ? 'row remapping failed' : null,
        x.pending
          ? `a row remap is pending after an uncorrectable memory error${x.remapped ? ` (${x.remapped} row${x.remapped === 1 ? '' : 's'} remapped so far)` : ''}; a GPU reset applies it`
          : null,
        (x.volatile ?? 0) > 0 ? `${x.volatile} uncorrectable ECC errors since the last reset` : null,
        x.retiring ? 'a page retirement is pending' : null,
        (x.aggregate ?? 0) > 0 && !((x.volatile ?? 0) > 0)
          ? `${x.aggregate} uncorrectable ECC errors over its life`
          : null,
      ]
        .filter((f) => f !== null)
        .join('; ') || 'no memory error',
    rma: (label: string) => `Drain ${label} and open an RMA with the vendor: row remapping has failed.`,
    reset: (label: string, busId: string | null) =>
      `Drain ${label} and reset it (${busId ? code(`nvidia-smi -r -i ${busId}`) : code('nvidia-smi -r')}, or reboot the host) so the pending remap is applied.`,
    drain: (label: string) =>
      `Move the jobs off ${label} and watch its ECC counters (and Xid events in the kernel log).`,
    modeOn: (host: string, n: number) =>
      `ECC is enabled on ${n === 1 ? 'the GPU' : `all ${n} GPUs`} of ${host}.`,
    modeOff: (host: string, n: number) =>
      `ECC is disabled on ${n === 1 ? 'the GPU' : `all ${n} GPUs`} of ${host}.`,
    modeUnknown: (labels: readonly string[], error: boolean) =>
      `Unknown: ${error ? `nvidia-smi reports an error value (Unknown Error) instead of the ECC mode of ${joinEn(labels)}` : `the inputs carry no ECC mode for ${joinEn(labels)}`}.`,
    also: (fact: string) => `Separately: ${fact}.`,
    brokenYes: (label: string, facts: string) => `${label} is failing: ${facts}; it needs an RMA.`,
    notBroken: (label: string, facts: string, pending: boolean) =>
      `Not broken, but ${label} needs attention: ${facts}${pending ? '; no remap has failed' : ''}.`,
    healthy: (host: string, n: number, labels: readonly string[]) =>
      `${labels.length ? joinEn([...labels]) : n === 1 ? 'The GPU' : `All ${n} GPUs`} on ${host} ${labels.length === 1 || (!labels.length && n === 1) ? 'reports' : 'report'} 0 uncorrected ECC errors and no pending or failed row remap.`,
    otherHardware: (titles: readonly string[]) => `But other hardware needs a look: ${titles.join('; ')}.`,
    unsafe: (label: string, facts: string, failure: boolean) =>
      failure
        ? `No: ${label} should be drained: ${facts}; it needs an RMA.`
        : `Not until it is reset: on ${label}, ${facts}. Drain it and reset it before new jobs.`,
    found: (host: string, titles: readonly string[]) =>
      `${host} has GPU memory errors: ${titles.join('; ')}.`,
    noData: (host: string) =>
      `The inputs carry no ECC counters for ${host}: send ${code('nvidia-smi -q')} (or the collector bundle).`,
    none: (host: string, all: number | null, gpus: readonly (number | null)[], _pending: boolean) =>
      `${all !== null ? (all === 1 ? `The GPU on ${host} reports` : `All ${all} GPUs on ${host} report`) : `${gpuList(gpus.filter((g): g is number => g !== null))} on ${host} report${gpus.length === 1 ? 's' : ''}`} 0 uncorrected ECC errors and no pending row remaps.`,
    modes: (modes: readonly (string | null)[]) => `ECC mode: ${modes.map((m) => m ?? 'unknown').join(', ')}`,
    noCorrected: 'Corrected errors (fixed by ECC): 0 on every GPU.',
    corrected: (xs: { gpu: number | null; n: number | null }[]) =>
      `Corrected errors (fixed by ECC; watch the trend): ${xs.map((x) => `GPU${x.gpu ?? '?'} ${x.n ?? '?'}`).join(', ')}`,
  },
  pcie: {
    idleNow: (gpus: readonly number[], gen: number, genMax: number | null, pstate: string | null) =>
      `${gpuList(gpus)} ${gpus.length === 1 ? 'runs' : 'run'} at Gen${gen} right now because ${gpus.length === 1 ? 'it is' : 'they are'} idle${pstate ? ` (${pstate})` : ''}: the link slows down to save power${genMax !== null ? ` and goes back to Gen${genMax} under load` : ''}.`,
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
    whyWarm: (gpu: number, c: number, draw: number | null, limit: number | null, util: number | null) =>
      `GPU${gpu} is at ${c} °C because it works${draw !== null ? `: ${draw} W${limit !== null ? ` of ${limit} W` : ''}` : ''}${util !== null ? ` at ${util}% utilisation` : ''}; no clock is cut by heat.`,
    found: (host: string, titles: readonly string[]) => `${titles.join('; ')} on ${host}.`,
    noData: (host: string) =>
      `The inputs carry no clock, temperature or power data for ${host}: send ${code('nvidia-smi -q -x')}.`,
    none: (host: string, hottest: { gpu: number; c: number } | null) =>
      `No GPU on ${host} is slowed by heat or a power brake${hottest ? `; the hottest is GPU${hottest.gpu} at ${hottest.c} °C` : ''}.`,
    power: (host: string, xs: { gpu: number; draw: number; limit: number | null }[]) =>
      `Power draw on ${host}: ${xs.map((x) => `GPU${x.gpu} ${x.draw} W${x.limit !== null ? ` of ${x.limit} W` : ''}`).join(', ')}.`,
    hottest: (host: string, gpu: number, c: number, w: string | null, only: boolean) =>
      only
        ? `GPU${gpu}${w ? ` (${w})` : ''} is at ${c} °C on ${host}.`
        : `GPU${gpu}${w ? ` (${w})` : ''} is the hottest on ${host} at ${c} °C.`,
    powerCap: (xs: { gpu: number; draw: number | null; limit: number | null }[]) =>
      `${gpuList(xs.map((x) => x.gpu))} ${xs.length === 1 ? 'runs at its' : 'run at their'} power cap (sw_power_cap; ${xs
        .slice(0, 2)
        .map((x) => `GPU${x.gpu} ${x.draw ?? '?'} W of ${x.limit ?? '?'} W`)
        .join(', ')}): normal under full load.`,
    temps: (xs: { gpu: number; c: number; w: number | null }[]) =>
      `Temperatures: ${xs.map((x) => `GPU${x.gpu} ${x.c} °C${x.w !== null ? ` (${x.w} W)` : ''}`).join(', ')}`,
  },
  nic: {
    forGpu: (gpu: number, nics: readonly string[], path: string, good: boolean) =>
      `GPU${gpu}'s nearest ${nics.length === 1 ? `NIC is ${nics[0]}` : `NICs are ${joinEn(nics)}, equally near`}, via ${pathOf('en', path)}${
        good
          ? ': a short path for GPUDirect RDMA.'
          : ': no PCIe switch in common, so GPUDirect RDMA traffic goes through the CPU.'
      }`,
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
    dependsOn: (
      ms: { workload: string; vmid: number | null; frees: readonly number[] }[],
      included: boolean,
    ) =>
      `These steps depend on ${joinEn(ms.map((m) => `${m.vmid !== null ? `VM ${m.vmid}` : m.workload}'s move (it frees ${gpuList(m.frees)})`))}: ${included ? 'those steps are included' : 'do those first (ask for all commands)'}.`,
    keeps: `It keeps its GPUs, so no other move is involved.`,
    independent: (
      into: readonly number[],
      later: { workload: string; vmid: number | null; gpus: readonly number[] }[],
    ) =>
      `${gpuList(into)} ${into.length === 1 ? 'is' : 'are'} free, so this does not depend on the other moves${
        later.length
          ? `; ${joinEn(later.map((m) => `${m.vmid !== null ? `VM ${m.vmid}` : m.workload}'s move (into ${gpuList(m.gpus)})`))} ${later.length === 1 ? 'needs' : 'need'} it done first`
          : ''
      }.`,
    noWorkloads: (host: string) =>
      `No placement plan for ${host}: the inputs carry no workloads to place (send the Proxmox VM configs or a workloads file).`,
    eccCheck: `Then ${code('nvidia-smi -q -d ROW_REMAPPER')} should show Pending: No.`,
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
        vmid: number | null;
        from: readonly number[];
        to: readonly number[];
        form: string;
        numa: number | null;
        cpus?: string | null;
      }[],
      only: boolean,
    ) =>
      `${only ? `For ${joinEn(moves.map((m) => (m.vmid !== null ? `VM ${m.vmid}` : m.workload)))} alone: the plan moves` : 'To fix it, the plan moves'} ${moves
        .map((m) =>
          m.from.join() === m.to.join() && m.form === 'whole'
            ? `${m.vmid !== null && !only ? `VM ${m.vmid} (${m.workload})` : m.workload} on ${gpuList(m.to)} and pins it to ${m.cpus ? `CPUs ${code(m.cpus)}` : 'CPUs local to them'}`
            : `${m.vmid !== null && !only ? `VM ${m.vmid} (${m.workload})` : m.workload} from ${gpuList(m.from)} to ${gpuList(m.to)}${m.form !== 'whole' ? ` (${m.form})` : ''}${m.numa !== null ? ` on NUMA node ${m.numa}` : ''}`,
        )
        .join('; ')}.`,
    ontoSick: (ms: { workload: string; gpus: readonly number[] }[]) =>
      `Note: the plan moves ${joinEn(ms.map((m) => `${m.workload} onto ${gpuList(m.gpus)}`))}: fix this first.`,
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
    noHostReboot: (vmids: readonly number[], mig: readonly number[]) =>
      `The plan needs no host reboot: it only stops and restarts ${vmids.length ? joinEn(vmids.map((v) => `VM ${v}`)) : 'the workloads it moves'}${
        mig.length ? `; enabling MIG on ${gpuList(mig)} may need that GPU reset (see its step)` : ''
      }.`,
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
      procs: { pid: number | null; name: string | null; mem: number | null }[];
    }) =>
      `${
        g.workloads.length
          ? `GPU${g.gpu}${g.name ? ` (${g.name})` : ''} runs ${joinEn(g.workloads.map((w) => `${w.name} (${w.vmid !== null ? `VM ${w.vmid}, ` : ''}${w.kind})`))}`
          : g.procs.length
            ? `On GPU${g.gpu}${g.name ? ` (${g.name})` : ''}, ${procsEn(g.procs)} ${g.procs.length === 1 ? 'holds' : 'hold'} memory${g.util === 0 ? ' but the GPU computes nothing' : ''} (no VM or workload known)`
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
      hosts: { host: string; score: { value: number; grade: string } | null }[],
    ) =>
      `${count} host${count === 1 ? ' is' : 's are'} loaded${fleet ? ` (fleet ${fmt1(fleet.score)}, ${fleet.grade})` : ''}${
        hosts.length > 0
          ? `: ${hosts.map((h) => `${h.host} ${h.score ? `${fmt1(h.score.value)} (${h.score.grade})` : '(no score)'}`).join(', ')}; the worst is ${worst.host}`
          : `; the worst is ${worst.host}${worst.score ? ` at ${fmt1(worst.score.value)} (${worst.score.grade})` : ''}`
      }.`,
    line: (h: {
      host: string;
      gpus: number;
      models: readonly string[];
      score: { value: number; grade: string } | null;
      findings: { critical: number; warning: number };
      top: string | null;
    }) =>
      `${h.host}: ${h.score ? `${fmt1(h.score.value)} (${h.score.grade})` : 'no score'}, ${h.gpus} ${h.gpus === 1 ? 'GPU' : 'GPUs'}${h.models.length ? ` ${h.models.join('/')}` : ''}; ${h.findings.critical} critical, ${h.findings.warning} warning${h.top ? `. ${h.top}.` : ''}`,
    compare: (
      worst: { host: string; v: number; g: string },
      best: { host: string; v: number; g: string },
      urgent: { host: string; titles: readonly string[] } | null,
    ) =>
      `${worst.host} is worse by score: ${fmt1(worst.v)} (${worst.g}) against ${best.host} at ${fmt1(best.v)} (${best.g})${
        urgent ? `, but ${urgent.host} has the urgent problems: ${urgent.titles.join('; ')}` : ''
      }.`,
    urgentToo: (host: string, titles: readonly string[]) =>
      `${host} also has urgent hardware problems: ${titles.join('; ')}.`,
    onlyOne: (host: string, score: { value: number; grade: string } | null) =>
      `Only ${host} is loaded${score ? ` (${fmt1(score.value)}, ${score.grade})` : ''}: upload another server's bundle to compare.`,
  },
  inventory: {
    versions: (host: string, driver: string | null, cuda: string | null, src: string | null) =>
      `${driver ? `Driver ${driver}` : 'No driver version'}${cuda ? ` with ${code(cuda)}` : ''} on ${host}${src ? ` (from ${src})` : ''}.`,
    noVersions: (host: string) =>
      `The inputs for ${host} carry no driver or CUDA version: send ${code('nvidia-smi -q -x')}.`,
    noModel: (host: string, n: number, total: number | null) =>
      `The GPU model name is not in the inputs for ${host}: they show ${n} GPU${n === 1 ? '' : 's'}${total !== null ? ` with ${total} MiB each` : ''} (send ${code('nvidia-smi -q -x')} for the model).`,
    cpu: (model: string, sockets: number | null, logical: number | null) =>
      `CPU: ${model}${sockets !== null ? `, ${sockets} socket${sockets === 1 ? '' : 's'}` : ''}${logical !== null ? `, ${logical} logical CPUs` : ''}.`,
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
  define: {
    terms: {
      numa: 'NUMA (non-uniform memory access): a server with two CPU sockets has two NUMA nodes, each with its own memory and PCIe slots; a GPU belongs to one node, so a job running on the other node’s CPUs copies its data across the link between the sockets.',
      nvlink:
        'NVLink is NVIDIA’s direct GPU-to-GPU link, many times faster than PCIe: GPUs in one NVLink group exchange gradients without going through the CPUs.',
      mig: 'MIG (Multi-Instance GPU) splits one data-centre GPU into isolated slices, each with its own memory and compute, named by profile (compute slices “g” and memory “gb”); the model must support it and MIG mode must be on.',
      vgpu: 'vGPU is NVIDIA’s GPU virtualisation: several VMs share one physical GPU, each getting a slice of its memory and time (time-sliced, or backed by a MIG slice), instead of a whole GPU passed through to one VM.',
      sys: 'SYS in `nvidia-smi topo -m`: the path between two devices crosses PCIe and the link between the CPU sockets (UPI/QPI/Infinity Fabric) — the slowest path there is.',
      node: 'NODE in `nvidia-smi topo -m`: the path crosses PCIe and the links between the PCIe host bridges inside one NUMA node (one CPU socket), but not the link between the sockets.',
      phb: 'PHB in `nvidia-smi topo -m`: the path goes through a PCIe host bridge, the CPU’s root complex.',
      pix: 'PIX in `nvidia-smi topo -m`: the two devices sit behind one PCIe switch — the shortest PCIe path, the one GPUDirect RDMA wants between a GPU and a NIC.',
      pxb: 'PXB in `nvidia-smi topo -m`: the path crosses several PCIe switches but no host bridge.',
      nv: 'NV# in `nvidia-smi topo -m`: the two GPUs are connected by NVLink, bonded over # links (more links, more bandwidth).',
      passthrough:
        'PCI passthrough gives a VM a whole physical GPU (a `hostpci` line of its Proxmox config): the VM drives it directly at full speed, and no other VM can use it.',
      pstate:
        'A P-state is the GPU’s performance state: the lowest number is full speed, higher numbers lower the clocks (and the PCIe link) to save power while the GPU idles.',
      ecc: 'ECC (error-correcting code) protects GPU memory: it fixes single-bit errors and detects uncorrectable ones; an uncorrectable error makes the driver remap the bad row, which takes effect at the next GPU reset.',
      remap:
        'A row remap replaces a GPU memory row that had an uncorrectable error with a spare one; it stays pending until the GPU is reset, and a failed remap means the GPU should be replaced (RMA).',
      pcie: 'PCIe is the bus between the GPU and the CPU: its speed is the generation (Gen) times the width (lanes, x16 at best), and a link trained narrower than its maximum gives a fraction of the bandwidth.',
      rdma: 'GPUDirect RDMA lets a network card read and write GPU memory directly, without staging through host memory; it works best when the NIC and the GPU share a PCIe switch (PIX/PXB).',
      mps: 'MPS (Multi-Process Service) lets several processes run on one GPU at the same time; unlike MIG their memory is not isolated.',
      timeslice:
        'Time-slicing shares one GPU between several jobs by taking turns; no memory isolation, and each job gets a share of the time.',
      allreduce:
        'All-reduce is the step of distributed training where the GPUs sum their gradients; it runs at the speed of the slowest link between them (NVLink, PCIe, or the link between the CPU sockets).',
    } as Record<Term, string>,
    more: {
      numa: [`Check it with ${code('nvidia-smi topo -m')} (NUMA Affinity) or ${code('numactl -H')}.`],
      nvlink: [],
      mig: [],
      vgpu: [],
      sys: ['topo -m paths, best to worst: NV# (NVLink), PIX, PXB, PHB, NODE, SYS.'],
      node: ['topo -m paths, best to worst: NV# (NVLink), PIX, PXB, PHB, NODE, SYS.'],
      phb: ['topo -m paths, best to worst: NV# (NVLink), PIX, PXB, PHB, NODE, SYS.'],
      pix: ['topo -m paths, best to worst: NV# (NVLink), PIX, PXB, PHB, NODE, SYS.'],
      pxb: ['topo -m paths, best to worst: NV# (NVLink), PIX, PXB, PHB, NODE, SYS.'],
      nv: ['topo -m paths, best to worst: NV# (NVLink), PIX, PXB, PHB, NODE, SYS.'],
      passthrough: [],
      pstate: [],
      ecc: [],
      remap: [],
      pcie: [],
      rdma: [],
      mps: [],
      timeslice: [],
      allreduce: [],
    } as Record<Term, string[]>,
    here: {
      noNuma: (host: string) => `The inputs for ${host} do not say which NUMA node each GPU is on.`,
      numa: (
        host: string,
        groups: { node: number; gpus: readonly number[]; cpus: string | null }[],
        mismatch: { workload: string; gpus: readonly number[] }[],
        impact: string | null,
      ) =>
        `Here, on ${host}: ${groups.map((g) => `${gpuRange(g.gpus)} on NUMA node ${g.node}`).join(', ')}${
          mismatch.length
            ? `; ${joinEn(mismatch.map((m) => `${m.workload} (${gpuList(m.gpus)})`))} run${mismatch.length === 1 ? 's' : ''} on the other node’s CPUs${impact ? ` — ${impact}` : ''}`
            : '; every pinned job runs on its GPUs’ node'
        }.`,
      noLinks: (host: string) =>
        `The inputs for ${host} carry no GPU↔GPU paths: send ${code('nvidia-smi topo -m')}.`,
      nvlink: (host: string, groups: string, kinds: readonly string[]) =>
        `Here, on ${host}: NVLink connects ${groups}${kinds.length ? ` (${kinds.join('/')})` : ''}; pairs across the groups take a slower path.`,
      pathNone: (host: string, kind: string) => `No GPU pair or NIC on ${host} is ${kind}.`,
      path: (
        host: string,
        kind: string,
        _n: number,
        across: { a: string; b: string } | null,
        sample: readonly string[],
        nics: { nic: string; gpus: readonly string[] }[],
      ) =>
        `Here, on ${host}: ${
          across
            ? `every pair between ${across.a} and ${across.b} is ${kind}`
            : sample.length
              ? `${sample.join(', ')}${sample.length >= 3 ? ' and others' : ''} ${sample.length === 1 ? 'is' : 'are'} ${kind}`
              : `no GPU pair is ${kind}`
        }${nics.length ? `; ${nics.map((n) => `${n.nic} reaches ${n.gpus.join(', ')} via ${kind}`).join('; ')}` : ''}.`,
      finding: (workload: string | null, impact: string) =>
        `Here: ${workload ? `${workload} — ` : ''}${impact}.`,
      sharing: (
        kind: 'mig' | 'share',
        host: string,
        x: {
          models: readonly string[];
          capable: boolean;
          none: boolean;
          enabled: readonly string[];
          candidates: { workload: string; gpu: number | null; fits: string }[];
        },
      ) =>
        `Here, on ${host}: ${
          x.none
            ? `the ${x.models.join(', ') || 'GPUs'} ${kind === 'mig' ? `${x.models.length === 1 ? 'does' : 'do'} not support MIG (vGPU, time-slicing or MPS share them instead)` : `${x.models.length === 1 ? 'has' : 'have'} no MIG, so a vGPU or time-slicing share is the way`}`
            : x.capable
              ? `the ${x.models.join(', ') || 'GPUs'} ${x.models.length === 1 ? 'supports' : 'support'} MIG, ${x.enabled.length ? `on for ${joinEn(x.enabled)}` : 'off today'}`
              : 'the inputs do not say whether the GPUs support MIG'
        }${
          x.candidates.length
            ? `; candidates: ${x.candidates.map((c) => `${c.workload}${c.gpu !== null ? ` (GPU${c.gpu})` : ''} → ${c.fits}`).join(', ')}`
            : ''
        }.`,
      noVms: (host: string) => `No Proxmox VM config with passed-through devices is loaded for ${host}.`,
      passthrough: (vms: { vmid: number; name: string; devices: readonly string[] }[], _total: number) =>
        `Here: ${vms.map((v) => `VM ${v.vmid} (${v.name}) gets ${v.devices.join(', ')}`).join('; ')}.`,
      pstate: (xs: { pstate: string; gpus: readonly string[]; util: readonly (number | null)[] }[]) =>
        `Here: ${xs.map((x) => `${joinEn([...x.gpus])} in ${x.pstate}${x.util.every((u) => u !== null) ? ` (${x.util.map(pct).join('/')} utilisation)` : ''}`).join('; ')}.`,
      ecc: (
        n: number,
        modes: readonly (string | null)[],
        pending: readonly string[],
        failed: readonly string[],
      ) =>
        `Here: ECC ${modes.length === 1 && modes[0] !== null ? `${modes[0]} on ${n === 1 ? 'the GPU' : `all ${n} GPUs`}` : `mode ${modes.map((m) => m ?? 'unknown').join('/')}`}; ${
          failed.length
            ? `a failed row remap on ${joinEn(failed)}`
            : pending.length
              ? `a pending row remap on ${joinEn(pending)}`
              : 'no pending or failed row remap'
        }.`,
      pcie: (
        n: number,
        link: {
          genCurrent: number | null;
          genMax: number | null;
          widthCurrent: number | null;
          widthMax: number | null;
        } | null,
        narrow: readonly string[],
      ) =>
        `Here: ${
          link
            ? `${n === 1 ? 'the GPU’s link is' : `all ${n} GPUs’ links are`} x${link.widthCurrent} of x${link.widthMax}${link.genMax !== null ? `, Gen${link.genMax} at most` : ''}`
            : 'the links differ'
        }${narrow.length ? `; ${joinEn(narrow)} ${narrow.length === 1 ? 'runs' : 'run'} narrower than ${narrow.length === 1 ? 'its' : 'their'} maximum` : ''}.`,
    },
  },
  absent: {
    head: {
      disk: 'Disks (space or I/O) are not in the data: InfraLens reads the GPUs (nvidia-smi), the topology, the NUMA and CPU layout and the VM configs — not disks or file systems.',
      cpuTemp: 'CPU temperatures are not in the data: InfraLens reads only the GPUs’ sensors (nvidia-smi).',
      cpuLoad:
        'CPU load is not in the data: InfraLens sees which CPUs each job is pinned to, not how busy they are.',
      network:
        'InfraLens does not measure network bandwidth between nodes: it sees only where the NICs sit relative to the GPUs (nvidia-smi topo -m).',
      money: 'I can’t give a money figure: prices are not in the data.',
    },
    hottestGpu: (host: string, gpu: number, c: number) =>
      `The nearest it has: the hottest GPU on ${host} is GPU${gpu} at ${c} °C.`,
    cpuModel: (model: string, sockets: number | null) =>
      `CPU: ${model}${sockets !== null ? `, ${sockets} socket${sockets === 1 ? '' : 's'}` : ''} (lscpu).`,
    pinning: (xs: { name: string; cpus: string }[]) =>
      `What it does see, the pinning: ${xs.map((x) => `${x.name} on CPUs ${code(x.cpus)}`).join(', ')}.`,
    gpuMemory: (gpu: number, used: number, total: number) =>
      `GPU memory it does see: the fullest is GPU${gpu} with ${used} of ${total} MiB in use.`,
    nics: (host: string, nics: { device: string; gpus: readonly string[]; path: string | null }[]) =>
      `NIC placement on ${host}: ${nics.map((n) => `${n.device}${n.gpus.length ? ` next to ${n.gpus.join(', ')}` : ''}${n.path ? ` (${n.path})` : ''}`).join('; ')}.`,
    waste: (
      idle: { gpus: readonly number[]; impact: string | null }[],
      small: { gpu: number | null; workload: string | null; util: number | null }[],
    ) =>
      `What it can say: ${[
        ...idle.map(
          (x) =>
            `${gpuList(x.gpus)} ${x.gpus.length === 1 ? 'is' : 'are'} idle${x.impact ? ` — ${x.impact}` : ''}`,
        ),
        ...(small.length
          ? [
              `${joinEn(small.map((x) => `GPU${x.gpu ?? '?'}${x.workload ? ` (${x.workload})` : ''}`))} hold${small.length === 1 ? 's' : ''} a whole GPU at ${small.map((x) => pct(x.util)).join(' and ')}`,
            ]
          : []),
      ].join('; ')}.`,
    leastBusy: (xs: { gpu: number; util: number }[]) =>
      `The least busy GPUs: ${xs.map((x) => `GPU${x.gpu} at ${x.util}%`).join(', ')}.`,
    sees: 'InfraLens reads nvidia-smi, nvidia-smi topo -m, numactl/lscpu, sysfs and the Proxmox VM configs.',
  },
  capacity: {
    topoPick: (best: GpuSetLine, alt: GpuSetLine | null, never: string | null) =>
      `Use ${plus(best.gpus)}${setEn(best)}${alt ? ` — or ${plus(alt.gpus)}${setEn(alt)}` : ''}${
        never ? `; avoid a set that spans NUMA nodes (${never})` : ''
      }.`,
    topoOnly: `From the topology alone: it does not show which GPUs are busy (send ${code('nvidia-smi -q -x')} for that).`,
    freeNow: (host: string, g: GpuLine, free: readonly number[]) =>
      `a one-GPU job fits on ${host}: GPU${g.gpu}${gpuLineEn(g)} runs nothing${g.util !== null ? ` (${g.util}%${g.used !== null && g.total !== null ? `, ${g.used} of ${g.total} MiB` : ''})` : ''}${
        free.length > 1 ? `; ${gpuList(free.filter((x) => x !== g.gpu))} too` : ''
      }.`,
    setNow: (host: string, set: GpuSetLine) =>
      `${plus(set.gpus)} on ${host} run nothing${setEn(set)}: a job of that size fits there.`,
    tooFew: (host: string, _want: number, free: readonly number[], sick: readonly number[]) =>
      `not for a job of that size now: only ${gpuList(free)} ${free.length === 1 ? 'runs' : 'run'} nothing on ${host}${sick.length ? ` (${gpuList(sick)} with a hardware problem)` : ''}.`,
    none: (host: string, n: number, models: readonly string[], least: { gpu: number; util: number } | null) =>
      `no GPU on ${host} is free: all ${n}${models.length ? ` ${models.join('/')}` : ''} run jobs${least ? ` (the least busy: GPU${least.gpu} at ${least.util}%)` : ''}.`,
    afterPlan: (
      after: readonly number[],
      takes: { workload: string; gpus: readonly number[] }[],
      best: GpuSetLine | null,
      _want: number,
    ) =>
      `After the placement plan, ${after.length ? `${gpuList(after)} ${after.length === 1 ? 'is' : 'are'} free${takes.length ? ' instead' : ''}` : 'no GPU is free'}${
        takes.length
          ? ` (the plan gives ${joinEn(takes.map((t) => `${gpuList(t.gpus)} to ${t.workload}`))})`
          : ''
      }${best ? `; ${plus(best.gpus)} then take a job of ${best.gpus.length === 2 ? 'two' : 'several'} GPUs${setEn(best)}` : ''}.`,
    avoid: (title: string) => `Avoid it for now: ${title}.`,
    alsoFree: (gpus: readonly number[]) => `Free now: ${gpuList(gpus)}.`,
    busy: (xs: { gpu: number; util: number; who: string | null }[]) =>
      `In use: ${xs.map((x) => `GPU${x.gpu} ${x.util}%${x.who ? ` (${x.who})` : ''}`).join(', ')}.`,
    noWorkloads:
      'No VM configs or workloads file: the GPUs’ processes show what runs, not which job owns them.',
  },
  reboot: {
    stops: (
      host: string,
      vms: number,
      n: number,
      training: { n: number; util: { min: number; max: number } | null },
      inference: { n: number; util: { min: number; max: number } | null },
    ) =>
      `Not without downtime: rebooting or shutting down ${host} stops all ${n} ${vms === n ? 'VMs' : 'workloads'}${
        training.n || inference.n
          ? ` — ${[
              training.n
                ? `${training.n} training job${training.n === 1 ? '' : 's'}${training.util ? ` at ${spanPct(training.util)}` : ''}`
                : null,
              inference.n
                ? `${inference.n} inference service${inference.n === 1 ? '' : 's'}${inference.util ? ` at ${spanPct(inference.util)}` : ''}`
                : null,
            ]
              .filter(Boolean)
              .join(' and ')}`
          : ''
      }; checkpoint or drain them first.`,
    procs: (host: string, n: number, gpus: readonly number[], util: { min: number; max: number } | null) =>
      `Not without downtime: rebooting or shutting down ${host} kills ${n === 1 ? 'the process' : `the ${n} processes`} on ${gpuRange(gpus)}${util ? ` (${spanPct(util)} utilisation)` : ''}; stop them cleanly first.`,
    nothing: (host: string) =>
      `Yes, as far as the inputs show: no process runs on any GPU of ${host} and all are at 0%.`,
    unknown: (host: string) =>
      `The inputs do not show what runs on ${host}: check its jobs before rebooting.`,
    remap: (labels: readonly string[]) =>
      `A reboot would also apply the pending row remap of ${joinEn(labels)} (it needs a GPU reset anyway).`,
    plan: (vmids: readonly number[], _moves: number) =>
      `The placement plan itself never reboots the host: it restarts only ${vmids.length ? joinEn(vmids.map((v) => `VM ${v}`)) : 'the workloads it moves'}.`,
    workload: (
      name: string,
      vmid: number | null,
      kind: string,
      gpus: readonly number[],
      util: readonly number[],
    ) =>
      `${vmid !== null ? `VM ${vmid} ` : ''}${name} (${kind}): ${gpus.length ? gpuList(gpus) : 'no GPU'}${util.length ? ` at ${util.map((u) => `${u}%`).join('/')}` : ''}`,
    proc: (pid: number | null, name: string | null, gpu: number | null, mem: number | null) =>
      `${pid !== null ? `PID ${pid}` : 'a process'} ${name ?? '(no name reported)'} on ${gpu !== null ? `GPU${gpu}` : 'a GPU'}${mem !== null ? ` (${mem} MiB)` : ''}`,
    advice: `Before a reboot: checkpoint the training jobs, drain the inference services, then shut the VMs down (${code('qm shutdown')}).`,
  },
  first: {
    nothing: (host: string) => `Nothing urgent on ${host}: no rule found a critical or warning problem.`,
    hardware: (xs: { title: string; impact: string | null; temp: number | null }[], critical: boolean) =>
      `First the hardware: ${xs
        .map((x) => `${x.title}${x.impact ? ` (${x.impact})` : x.temp !== null ? ` (${x.temp} °C)` : ''}`)
        .join(
          ', and ',
        )} — ${critical ? (xs.length === 2 ? 'both critical; ' : 'critical; ') : ''}check ${xs.length === 1 ? 'it' : 'them'} before moving any job.`,
    next: (
      workload: string,
      vmid: number | null,
      to: readonly number[],
      title: string,
      stays: Stay | null = null,
    ) =>
      `Then: ${stays ? `re-pin ${vmid !== null ? `VM ${vmid} (${workload})` : workload}${stays.cpus ? ` to CPUs ${code(stays.cpus)}` : ''} (it keeps ${gpuList(to)})` : `move ${vmid !== null ? `VM ${vmid} (${workload})` : workload} to ${gpuList(to)}`} — ${title}.`,
    move: (
      m: { workload: string; vmid: number | null; to: readonly number[]; stays: Stay | null },
      title: string,
      impact: string | null,
      only: boolean,
    ) =>
      `First ${m.stays ? `re-pin ${m.vmid !== null ? `VM ${m.vmid} (${m.workload})` : m.workload}${m.stays.cpus ? ` to CPUs ${code(m.stays.cpus)}` : ''} (it keeps ${gpuList(m.to)})` : `move ${m.vmid !== null ? `VM ${m.vmid} (${m.workload})` : m.workload} to ${gpuList(m.to)}`}: ${only ? 'it is the one critical finding' : 'the most severe finding'} — ${title}${impact ? `; ${impact}` : ''}.`,
    finding: (title: string, impact: string | null) => `First: ${title}${impact ? ` — ${impact}` : ''}.`,
    after: (titles: readonly string[]) => `After that: ${titles.join('; ')}.`,
  },
  why: {
    heldIdle: (
      gpu: number,
      pid: number | null,
      name: string | null,
      mem: number | null,
      util: number | null,
    ) =>
      `${pid !== null ? `PID ${pid}` : 'A process'} (${name ?? 'no process name reported'}) holds ${mem !== null ? `${mem} MiB` : 'memory'} on GPU${gpu} but the GPU computes nothing (${util ?? 0}%): the process is loaded and waiting, or hung — check it.`,
    workloadIdle: (gpu: number, workload: string, util: number | null) =>
      `${workload} holds GPU${gpu} but computes nothing (${util ?? 0}%): the job is stopped, waiting for work, or hung.`,
    notPassed: (gpu: number, busId: string | null, vms: number) =>
      `Because no VM passes GPU${gpu} through: none of the ${vms} VM configs lists it${busId ? ` (${busId})` : ''} in a hostpci line, so nothing can use it.`,
    nothingRuns: (gpu: number, used: number | null, total: number | null, util: number | null) =>
      `Nothing runs on GPU${gpu}: no process, ${used ?? 0}${total !== null ? ` of ${total}` : ''} MiB in use, ${util ?? 0}%; the inputs carry no VM configs or workloads file that would say which job should use it.`,
    split: (a: number, ga: string | null, b: number, gb: string | null, path: string | null) =>
      `GPU${a} is in the NVLink group ${ga ?? `of GPU${a}`} and GPU${b} in ${gb ?? `another`}, so their gradients go over ${path ? pathOf('en', path) : 'PCIe'}, not NVLink.`,
    crossSocket: (a: number, na: number | null, b: number, nb: number | null, path: string | null) =>
      `GPU${a} is on NUMA node ${na ?? '?'} and GPU${b} on node ${nb ?? '?'}, so their traffic crosses the link between the CPU sockets${path ? ` (${path})` : ''}.`,
    thermal: (gpu: number, draw: number | null, limit: number | null, c: number | null, reason: string) =>
      draw !== null && limit !== null && draw < limit
        ? `Not the load: GPU${gpu} draws ${draw} W of ${limit} W yet sits at ${c ?? '?'} °C with ${reason} — a cooling problem (fans, airflow, inlet temperature).`
        : `GPU${gpu} is at ${c ?? '?'} °C with ${reason}: its cooling cannot keep up with the load.`,
    powerCap: (gpu: number, draw: number | null, limit: number | null) =>
      `GPU${gpu} runs at its power cap${draw !== null && limit !== null ? ` (${draw} W of ${limit} W)` : ''}: normal under full load.`,
    none: (host: string) => `No finding on ${host} explains it.`,
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
  collected: (host: string, minutes: number) =>
    `${host}의 마지막 수집(${minutes === 0 ? '1분 이내' : `${minutes}분 전`}) 기준입니다 ("${host} 다시 확인해줘"라고 하면 지금 다시 수집합니다).`,
  noData: '이 대화에는 아직 서버 데이터가 없습니다.',
  noDataMore: `서버에서 ${code('infralens collect-script')}로 만든 파일(또는 ${code('nvidia-smi -q -x')}, ${code('nvidia-smi topo -m')}, Proxmox VM 설정)을 올려 주세요.`,
  unreadable: (why: string) =>
    `올린 파일을 하나도 읽지 못했습니다: ${why
      .split(/; (?=[^;]*\.\w+: )/)
      .map(koReason)
      .join(' ')}`,
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
    culprit: (vmid, workload, title, impact) =>
      `${vmid !== null ? `VM ${vmid}(${workload})` : workload}: ${title}${impact ? ` — ${impact}` : ''}.`,
    alsoCulprits: (xs) =>
      `그 밖에: ${xs.map((x) => `${x.vmid !== null ? `VM ${x.vmid}(${x.workload})` : x.workload} — ${x.title}`).join('; ')}.`,
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
    fix: (w, to, numa, gain, stays = null) =>
      `${stays ? `제안: ${josa(w, '은')} ${josa(gpuList(to), '을')} 그대로 쓰고${stays.cpus ? ` CPU ${code(stays.cpus)}에 고정됩니다` : ' CPU만 다시 고정됩니다'}` : `제안 배치: ${w} → ${gpuList(to)}${numa !== null ? ` (NUMA ${numa})` : ''}`}.${gain ? ` 기대 효과: ${gain}.` : ''}`,
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
    notIdle: (gpu, util, who) =>
      `${josa(`GPU${gpu}`, '은')} 놀고 있지 않습니다: 사용률 ${util ?? '?'}%${who ? ` (${who})` : ''}.`,
    allBusy: (host, busy, idle) => {
      const bw = uniqNames(busy.map((b) => b.who));
      const iw = uniqNames(idle.map((x) => x.who));
      return `${busy.length ? `${host}의 ${josa(gpuRange(busy.map((b) => b.gpu)), '은')} ${range(busy.map((b) => b.util))}로 일하지만${bw.length ? `(${bw.join(', ')})` : ''}` : `${host}에서 연산 중인 GPU가 없고`}${
        idle.length
          ? ` ${josa(gpuRange(idle.map((x) => x.gpu)), '은')} ${idle.some((x) => (x.used ?? 0) > 0) ? '메모리를 잡고도' : '아무것도 돌리지 않고'} 사용률 0%입니다${iw.length ? `(${iw.join(', ')})` : ''}`
          : ' 나머지도 모두 일하고 있습니다'
      }.`;
    },
    most: (title, util, impact) =>
      `가장 많이 낭비되는 것: ${title}${util.every((u) => u !== null) ? ` (사용률 ${util.map(pct).join('/')})` : ''}${impact ? ` — ${impact}` : ''}.`,
    runsNothing: (host, xs) =>
      `${host}의 ${josa(gpuList(xs.map((x) => x.gpu)), '은')} 아무것도 돌리지 않습니다: 프로세스 없음, 메모리 ${xs.map((x) => `${x.total ?? '?'} MiB 중 ${x.used ?? 0} MiB`).join(', ')} 사용, 사용률 0%.`,
    heldIdle: (xs) =>
      `${josa(gpuRange(xs.map((x) => x.gpu)), '은')}${uniqNames(xs.map((x) => x.who)).length ? ` (${uniqNames(xs.map((x) => x.who)).join(', ')})` : ''} 메모리를 잡고 있지만 연산은 하지 않습니다 (0%).`,
    next: (xs) =>
      `그다음으로 한가한 GPU: ${xs.map((x) => `GPU${x.gpu} ${x.util}%${x.who ? `(${x.who})` : ''}`).join(', ')}.`,
    leastBusy: (xs) =>
      `연산 중인 GPU 가운데 가장 한가한 것: ${xs.map((x) => `GPU${x.gpu} ${x.util}%${x.who ? `(${x.who})` : ''}`).join(', ')}.`,
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
      `${host}의 모든 GPU가 연산 중입니다${lowest ? `. 가장 한가한 GPU는 ${josa(`GPU${lowest.gpu}`, '로')} ${lowest.util}%입니다` : ''}.`,
    busiest: (host, xs) =>
      `${host}에서 가장 바쁜 GPU: ${xs.map((x) => `GPU${x.gpu} ${x.util}%${x.workload ? `(${x.workload})` : ''}`).join(', ')}.`,
    planUses: (w, gpus) => `배치 계획은 ${josa(gpuList(gpus), '을')} ${w}에 할당합니다.`,
    planFrees: (summary) => `계획 적용 시: ${summary}.`,
  },
  mig: {
    fitFor: (gpu, fit, smaller) =>
      `GPU${gpu}에서는 ${josa(`${fit.name}(${fit.gib} GiB)`, '을')} 쓰세요${smaller ? `: ${josa(`${smaller.name}(${smaller.gib} GiB)`, '은')} 그 모델에 작습니다` : ''}. 가중치 말고도 활성값과 KV 캐시 몫의 여유를 두세요.`,
    noFit: (gpu) => `GPU${gpu}에는 그만한 메모리의 MIG 프로파일이 없습니다: GPU 한 장을 통째로 쓰세요.`,
    howMany: (gpu, ps) =>
      `GPU${gpu}에는 ${ps
        .map(
          (p) =>
            `${p.name}${p.gib !== null ? `(각 ${p.gib} GiB)` : ''}를 최대 ${p.total ?? '?'}개${p.free !== null && p.free === p.total ? ' (모두 비어 있음)' : p.free !== null ? ` (${p.free}개 남음)` : ''}`,
        )
        .join(', 또는 ')} 만들 수 있습니다.`,
    modeOn: (gpu, inferred, instances, allFree) =>
      `GPU${gpu}의 MIG 모드는 켜져 있습니다${inferred ? ` (${code('mig -lgip')}가 프로파일을 보여 주는데, MIG가 꺼져 있으면 보여 주지 않습니다)` : ''}${
        instances.length
          ? `. 인스턴스: ${instances.join(', ')}`
          : allFree
            ? '. 다만 GPU 인스턴스는 아직 없습니다: 모든 프로파일이 비어 있습니다'
            : ''
      }.`,
    modeUnknown: (host) =>
      `${host}의 입력에는 GPU의 MIG 모드가 없습니다: ${josa(code('nvidia-smi -q -x'), '을')} 보내 주세요.`,
    consolidate: (moves, profile, to) =>
      `${josa(joinKo(moves.map((m) => `${m.workload}(${gpuList(m.from)})`)), '은')} 각각 MIG ${profile}에 들어가므로, 배치 계획대로 ${gpuList(to)} 한 장에 MIG 인스턴스로 함께 올릴 수 있습니다.`,
    noUsage: (host) =>
      `어떤 작업이 GPU를 나눠 쓸 수 있는지는 사용률과 메모리가 있어야 아는데, ${host}의 입력에는 없습니다: ${code('nvidia-smi -q -x')}와 VM 설정을 보내 주세요.`,
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
    pcieBox: (n, nodes, within, across) =>
      `GPU ${n}개짜리 PCIe 서버로서는 정상입니다: NVLink는 없고 ${nodes.map((x) => `${josa(gpuRange(x.gpus), '은')} NUMA 노드 ${x.node}`).join(', ')}에 있습니다${
        within.length || across.length
          ? ` (${[within.length ? `노드 안은 ${within.join('/')}` : null, across.length ? `노드 사이는 ${across.join('/')}` : null].filter(Boolean).join(', ')})`
          : ''
      }. 여러 GPU를 쓰는 작업은 한 노드 안에 두세요.`,
    pcieNics: (nics, near, far, farPath) =>
      `${nics.length === 1 ? `NIC ${josa(nics[0]!, '은')}` : `NIC(${joinKo(nics)})는 모두`} ${joinKo(near)} 옆에 있어서${
        far.length ? ` ${josa(joinKo(far), '은')} ${farPath ?? '먼 경로'}로만 닿습니다` : ' 문제없습니다'
      }.`,
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
    jobsUnknown: (host) =>
      `${host}의 입력에는 작업이나 프로세스 정보가 없어 작업이 NVLink를 쓰는지 알 수 없습니다: ${code('nvidia-smi -q -x')}(프로세스 포함) 또는 워크로드 파일을 보내 주세요.`,
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
    cannotJudge: (host) =>
      `판단할 수 없습니다: ${host}의 입력에는 GPU가 어느 NUMA 노드에 붙어 있는지가 없습니다(NUMA 열이 있는 ${code('nvidia-smi topo -m')} 필요).`,
    workloadOk: (st, gpuNode, cpuNode) =>
      `${josa(st.vmid !== null ? `VM ${st.vmid}(${st.name})` : st.name, '은')} 문제없습니다: ${st.pairs.length ? `${pairsText(st.pairs)}, ` : `${gpuList(st.gpus)}, `}${
        st.cpus ? `CPU ${code(st.cpus)}` : 'CPU'
      }${cpuNode !== null && cpuNode === gpuNode ? `가 GPU와 같은 NUMA 노드 ${cpuNode}에 있음` : gpuNode !== null ? `, GPU는 NUMA 노드 ${gpuNode}` : ''}${
        st.util.some((u) => u !== null) ? `, 사용률 ${utilList(st)}` : ''
      }.`,
    mismatch: (host, list) =>
      `${host}에서 ${list
        .map(
          (x) =>
            `${josa(x.vmid !== null ? `VM ${x.vmid}(${x.workload})` : x.workload, '은')} ${x.cpuNode !== null ? `NUMA 노드 ${x.cpuNode}` : '다른 NUMA 노드'}의 CPU에서 돌지만 ${josa(gpuList(x.gpus), '은')} ${x.gpuNode !== null ? `노드 ${x.gpuNode}` : '다른 노드'}에 있습니다`,
        )
        .join('; ')}.`,
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
    fix: (w, to, numa, cpus, stays = false) =>
      stays
        ? `해결: 배치 계획은 ${josa(w, '을')} ${gpuList(to)}에 그대로 두고 ${cpus ? `CPU ${code(cpus)}에` : 'GPU에 가까운 CPU에'} 고정합니다.`
        : `해결: 배치 계획은 ${josa(w, '을')} ${josa(`${gpuList(to)}${numa !== null ? `(NUMA 노드 ${numa})` : ''}`, '로')} 옮기고${cpus ? ` CPU ${josa(code(cpus), '을')} 씁니다` : ' 그 노드의 CPU를 씁니다'}.`,
  },
  memory: {
    pressure: (host, title, w) =>
      `${host}에서 ${w ? `${w}의 ` : ''}${title}: 메모리 부족(OOM) 위험이 있습니다.`,
    noData: (host) =>
      `${host}의 입력에는 GPU 메모리 정보가 없습니다: ${code('nvidia-smi -q -x')}를 보내 주세요.`,
    none: (host, gpus, f) =>
      `${host}에서 메모리 한도에 가까운 ${josa(`GPU${gpus ? `(${gpuList(gpus)})` : ''}`, '은')} 없습니다. 가장 많이 쓰는 GPU는 ${josa(`GPU${f.gpu}${f.workload ? `(${f.workload})` : ''}`, '로')} ${f.total} MiB 중 ${f.used} MiB입니다.`,
    list: (xs) => `메모리 사용량: ${xs.map((x) => `GPU${x.gpu} ${x.used}/${x.total} MiB`).join(', ')}`,
  },
  ecc: {
    facts: (x) =>
      [
        x.failure ? 'row remap 실패' : null,
        x.pending
          ? `수정 불가 메모리 오류로 row remap이 대기 중${x.remapped ? ` (지금까지 재매핑된 행 ${x.remapped}개)` : ''}이며 GPU를 리셋하면 적용됨`
          : null,
        (x.volatile ?? 0) > 0 ? `마지막 리셋 이후 수정 불가 ECC 오류 ${x.volatile}건` : null,
        x.retiring ? '페이지 폐기(retirement) 대기 중' : null,
        (x.aggregate ?? 0) > 0 && !((x.volatile ?? 0) > 0)
          ? `GPU 수명 동안 수정 불가 ECC 오류 ${x.aggregate}건`
          : null,
      ]
        .filter((f) => f !== null)
        .join('; ') || '메모리 오류 없음',
    rma: (label) => `${josa(label, '을')} 작업에서 빼고 공급사에 RMA를 요청하세요: row remap이 실패했습니다.`,
    reset: (label, busId) =>
      `${josa(label, '을')} 비우고 리셋해서(${busId ? code(`nvidia-smi -r -i ${busId}`) : code('nvidia-smi -r')} 또는 호스트 재부팅) 대기 중인 remap이 적용되게 하세요.`,
    drain: (label) => `${label}에서 작업을 옮기고 ECC 카운터(와 커널 로그의 Xid)를 지켜보세요.`,
    modeOn: (host, n) => `${host}의 ${n === 1 ? 'GPU는' : `GPU ${n}개 모두`} ECC가 켜져 있습니다.`,
    modeOff: (host, n) => `${host}의 ${n === 1 ? 'GPU는' : `GPU ${n}개 모두`} ECC가 꺼져 있습니다.`,
    modeUnknown: (labels, error) =>
      `알 수 없습니다: ${error ? `nvidia-smi가 ${joinKo(labels)}의 ECC 모드 대신 오류 값(Unknown Error)을 보고합니다` : `입력에 ${joinKo(labels)}의 ECC 모드가 없습니다`}.`,
    also: (fact) => `그와 별개로: ${fact}.`,
    brokenYes: (label, facts) => `${josa(label, '은')} 고장 상태입니다: ${facts}. RMA가 필요합니다.`,
    notBroken: (label, facts, pending) =>
      `고장은 아니지만 ${josa(label, '은')} 조치가 필요합니다: ${facts}${pending ? '. remap 실패는 없습니다' : ''}.`,
    otherHardware: (titles) => `다만 다른 하드웨어 문제가 있습니다: ${titles.join('; ')}.`,
    healthy: (host, n, labels) =>
      `${host}의 ${labels.length ? josa(joinKo([...labels]), '은') : n === 1 ? 'GPU는' : `GPU ${n}개 모두`} 수정 불가 ECC 오류가 0건이고 대기 중이거나 실패한 row remap도 없습니다.`,
    unsafe: (label, facts, failure) =>
      failure
        ? `아니요, ${josa(label, '은')} 작업에서 빼야 합니다: ${facts}. RMA가 필요합니다.`
        : `리셋하기 전까지는 안 됩니다: ${label}에 ${facts}. 작업을 비우고 리셋한 뒤 새 작업을 올리세요.`,
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
    idleNow: (gpus, gen, genMax, pstate) =>
      `지금 ${josa(gpuList(gpus), '이')} Gen${gen}인 것은 유휴${pstate ? `(${pstate})` : ''} 상태의 절전 때문이라 정상입니다${genMax !== null ? `: 부하가 걸리면 최대 Gen${genMax}로 돌아갑니다` : ''}.`,
    found: (host, title) => `${host}: ${title}.`,
    noData: (host) =>
      `${host}의 입력에는 PCIe 링크 상태가 없습니다: ${code('nvidia-smi -q -x')}를 보내 주세요.`,
    none: (host, count, gpus, u) =>
      `${count !== null ? `${host}의 GPU ${count}개 모두` : `${host}의 ${josa(gpuList(gpus), '은')}`} PCIe 링크를 최대 폭으로 쓰고 있습니다${
        u ? `: x${u.widthMax} 중 x${u.width}${u.genMax !== null ? `, Gen${u.genMax} 링크` : ''}` : ''
      }.`,
    idleGen: (gpus) =>
      `${josa(gpuList(gpus), '은')} 최고 PCIe 세대보다 낮게 동작합니다: 유휴 상태에서는 정상입니다(절전).`,
  },
  clocks: {
    whyWarm: (gpu, c, draw, limit, util) =>
      `${josa(`GPU${gpu}`, '이')} ${c} °C인 것은 일을 하고 있어서입니다${draw !== null ? `: ${limit !== null ? `${limit} W 중 ` : ''}${draw} W` : ''}${util !== null ? `, 사용률 ${util}%` : ''}. 열 때문에 클럭이 깎이지는 않았습니다.`,
    found: (host, titles) => `${host}: ${titles.join('; ')}.`,
    noData: (host) =>
      `${host}의 입력에는 클럭·온도·전력 정보가 없습니다: ${code('nvidia-smi -q -x')}를 보내 주세요.`,
    none: (host, hottest) =>
      `${host}에서 열이나 전원 브레이크로 느려진 GPU는 없습니다${hottest ? `. 가장 뜨거운 GPU는 ${josa(`GPU${hottest.gpu}`, '로')} ${hottest.c} °C입니다` : ''}.`,
    power: (host, xs) =>
      `${host}의 전력 사용: ${xs.map((x) => `GPU${x.gpu} ${x.draw} W${x.limit !== null ? `(상한 ${x.limit} W)` : ''}`).join(', ')}.`,
    hottest: (host, gpu, c, w, only) =>
      only
        ? `${host}의 ${josa(`GPU${gpu}${w ? `(${w})` : ''}`, '은')} ${c} °C입니다.`
        : `${host}에서 가장 뜨거운 GPU는 ${josa(`GPU${gpu}${w ? `(${w})` : ''}`, '로')} ${c} °C입니다.`,
    powerCap: (xs) =>
      `${josa(gpuList(xs.map((x) => x.gpu)), '은')} 전력 상한에서 동작합니다 (sw_power_cap; ${xs
        .slice(0, 2)
        .map((x) => `GPU${x.gpu} ${x.limit ?? '?'} W 중 ${x.draw ?? '?'} W`)
        .join(', ')}): 최대 부하에서는 정상입니다.`,
    temps: (xs) =>
      `온도: ${xs.map((x) => `GPU${x.gpu} ${x.c} °C${x.w !== null ? ` (${x.w} W)` : ''}`).join(', ')}`,
  },
  nic: {
    forGpu: (gpu, nics, path, good) =>
      `GPU${gpu}에는 ${nics.length === 1 ? `${josa(nics[0]!, '이')} 가장 가깝습니다` : `${josa(joinKo(nics), '이')} 똑같이 가깝습니다`}(${nics.length === 1 ? '' : '모두 '}${path}: ${PATH.ko[path.startsWith('NV') ? 'NV' : path] ?? path})${
        good
          ? ': GPUDirect RDMA에 좋은 짧은 경로입니다.'
          : ': PCIe 스위치를 공유하지 않아(PIX/PXB 아님) GPUDirect RDMA 트래픽이 CPU를 거치므로 불리합니다.'
      }`,
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
    dependsOn: (ms, included) =>
      `이 단계들은 ${joinKo(ms.map((m) => `${m.vmid !== null ? `VM ${m.vmid}` : m.workload}의 이동(${josa(gpuList(m.frees), '을')} 비움)`))}에 달려 있어 ${included ? '그 단계도 함께 넣었습니다' : '그 단계를 먼저 해야 합니다(‘명령어 전부’로 확인)'}.`,
    keeps: '쓰던 GPU를 그대로 쓰므로 다른 이동과 상관없습니다.',
    independent: (into, later) =>
      `${josa(gpuList(into), '은')} 비어 있으므로 다른 이동과 상관없이 할 수 있습니다${
        later.length
          ? `. ${josa(joinKo(later.map((m) => `${m.vmid !== null ? `VM ${m.vmid}` : m.workload}의 이동(${gpuList(m.gpus)}로)`)), '은')} 이것이 먼저 끝나야 합니다`
          : ''
      }.`,
    noWorkloads: (host) =>
      `${host}에는 배치 계획이 없습니다: 입력에 옮길 워크로드가 없습니다(Proxmox VM 설정이나 워크로드 파일을 보내 주세요).`,
    eccCheck: `그다음 ${code('nvidia-smi -q -d ROW_REMAPPER')}에서 Pending: No인지 확인하세요.`,
    noPlan: (host, err) => `${host}의 배치 계획은 없습니다: ${err}${/[.]$/.test(err) ? '' : '.'}`,
    recommend: (title, rec) => `${title} — ${rec}`,
    noMoves: (host, score) =>
      `${host}에서는 옮길 것이 없습니다: 모든 워크로드가 이미 잘 배치되어 있습니다${score !== null ? ` (점수 ${fmt1(score)})` : ''}.`,
    commandsHead: (host, _n, total, ws) =>
      ws.length
        ? `${host}에서 ${joinKo(ws)}에 해당하는 명령입니다 (순서대로, InfraLens는 실행하지 않습니다):`
        : `${host}의 배치 계획 명령 ${total}개입니다 (순서대로, InfraLens는 실행하지 않으니 먼저 검토하세요):`,
    subjectHead: (moves, only) =>
      `${only ? `${joinKo(moves.map((m) => (m.vmid !== null ? `VM ${m.vmid}` : m.workload)))}만 고치려면` : '해결하려면'} 배치 계획대로 ${moves
        .map((m) =>
          m.from.join() === m.to.join() && m.form === 'whole'
            ? `${josa(m.vmid !== null && !only ? `VM ${m.vmid}(${m.workload})` : m.workload, '을')} ${gpuList(m.to)}에 둔 채 ${m.cpus ? `CPU ${code(m.cpus)}에` : 'GPU에 가까운 CPU에'} 다시 고정해`
            : `${josa(m.vmid !== null && !only ? `VM ${m.vmid}(${m.workload})` : m.workload, '을')} ${gpuList(m.from)}에서 ${josa(`${gpuList(m.to)}${m.form !== 'whole' ? `(${m.form})` : ''}`, '로')}${m.numa !== null ? `(NUMA 노드 ${m.numa})` : ''}`,
        )
        .join(', ')} 옮기세요.`,
    ontoSick: (ms) =>
      `참고: 배치 계획은 ${josa(joinKo(ms.map((m) => `${m.workload}를 ${gpuList(m.gpus)}`)), '로')} 옮깁니다: 이 문제를 먼저 고치세요.`,
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
    noHostReboot: (vmids, mig) =>
      `호스트 재부팅은 필요 없습니다: 배치 계획은 ${vmids.length ? joinKo(vmids.map((v) => `VM ${v}`)) : '옮기는 워크로드'}만 멈췄다 다시 시작합니다${
        mig.length
          ? `. 다만 ${gpuList(mig)}에 MIG를 켤 때는 그 GPU의 리셋이 필요할 수 있습니다(해당 단계 참고)`
          : ''
      }.`,
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
          : g.procs.length
            ? `GPU${g.gpu}${g.name ? `(${g.name})` : ''}에서 ${josa(procsKo(g.procs), '이')} 메모리를 잡고 있${g.util === 0 ? '지만 연산은 하지 않습니다' : '습니다'} (알려진 VM이나 워크로드 없음)`
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
    head: (count, fleet, worst, hosts) =>
      `서버 ${count}대${fleet ? `, 전체 ${fmt1(fleet.score)}점(${fleet.grade})` : ''}${
        hosts.length > 0
          ? `: ${hosts.map((h) => `${h.host} ${h.score ? `${fmt1(h.score.value)}점(${h.score.grade})` : '(점수 없음)'}`).join(', ')}. 가장 나쁜 곳은 ${worst.host}입니다`
          : `. 가장 나쁜 곳은 ${worst.host}${worst.score ? `(${fmt1(worst.score.value)}점, ${worst.score.grade})` : ''}입니다`
      }.`,
    line: (h) =>
      `${h.host}: ${h.score ? `${fmt1(h.score.value)}(${h.score.grade})` : '점수 없음'}, GPU ${h.gpus}개${h.models.length ? ` ${h.models.join('/')}` : ''}; 심각 ${h.findings.critical}, 경고 ${h.findings.warning}${h.top ? `. ${h.top}.` : ''}`,
    compare: (worst, best, urgent) =>
      `점수로는 ${josa(worst.host, '이')} 더 나쁩니다: ${fmt1(worst.v)}(${worst.g}), ${josa(best.host, '은')} ${fmt1(best.v)}(${best.g})${
        urgent
          ? `. 하지만 급한 하드웨어 문제는 ${urgent.host}에 있습니다: ${urgent.titles.join('; ')}`
          : '입니다'
      }.`,
    urgentToo: (host, titles) => `${host}에도 급한 하드웨어 문제가 있습니다: ${titles.join('; ')}.`,
    onlyOne: (host, score) =>
      `불러온 호스트는 ${host}${score ? `(${fmt1(score.value)}, ${score.grade})` : ''} 하나뿐입니다: 비교하려면 다른 서버의 번들을 올려 주세요.`,
  },
  inventory: {
    versions: (host, driver, cuda, src) =>
      `${host}의 ${driver ? `드라이버는 ${driver}` : '드라이버 버전은 없고'}${cuda ? `, ${code(cuda)}` : ''}입니다${src ? ` (출처: ${src})` : ''}.`,
    noVersions: (host) =>
      `${host}의 입력에는 드라이버와 CUDA 버전이 없습니다: ${josa(code('nvidia-smi -q -x'), '을')} 보내 주세요.`,
    noModel: (host, n, total) =>
      `${host}의 입력에는 GPU 모델명이 없습니다: GPU ${n}개${total !== null ? `, 각 ${total} MiB` : ''}만 보입니다(모델명은 ${code('nvidia-smi -q -x')}에 있습니다).`,
    cpu: (model, sockets, logical) =>
      `CPU: ${model}${sockets !== null ? `, 소켓 ${sockets}개` : ''}${logical !== null ? `, 논리 CPU ${logical}개` : ''}.`,
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
  define: {
    terms: {
      numa: 'NUMA(비균일 메모리 접근)는 CPU 소켓마다 자기 메모리와 PCIe 슬롯을 가진 노드로 나뉘는 구조입니다. GPU는 한 노드에 붙어 있어서, 다른 노드의 CPU에서 도는 작업은 데이터를 소켓 간 연결로 옮겨야 합니다.',
      nvlink:
        'NVLink는 GPU끼리 직접 잇는 NVIDIA의 고속 연결로 PCIe보다 몇 배 빠릅니다: 같은 NVLink 그룹의 GPU는 CPU를 거치지 않고 그래디언트를 주고받습니다.',
      mig: 'MIG(Multi-Instance GPU)는 데이터센터용 GPU 한 장을 메모리와 연산이 격리된 여러 조각으로 나누는 기능입니다. 프로파일 이름은 연산 조각 “g”와 메모리 “gb”로 이루어지며, 모델이 지원하고 MIG 모드가 켜져 있어야 합니다.',
      vgpu: 'vGPU는 GPU 한 장을 여러 VM이 나눠 쓰게 하는 NVIDIA의 가상화입니다: GPU를 통째로 한 VM에 패스스루하는 대신, 각 VM이 메모리와 시간의 일부(시분할, 또는 MIG 조각)를 받습니다.',
      sys: '`nvidia-smi topo -m`의 SYS는 두 장치 사이 경로가 PCIe와 CPU 소켓 간 연결(UPI/QPI/Infinity Fabric)을 지난다는 뜻으로, 가장 느린 경로입니다.',
      node: '`nvidia-smi topo -m`의 NODE는 경로가 한 NUMA 노드(한 CPU 소켓) 안에서 PCIe 호스트 브리지 사이를 지나지만 소켓 간 연결은 지나지 않는다는 뜻입니다.',
      phb: '`nvidia-smi topo -m`의 PHB는 경로가 PCIe 호스트 브리지(CPU의 루트 컴플렉스)를 지난다는 뜻입니다.',
      pix: '`nvidia-smi topo -m`의 PIX는 두 장치가 PCIe 스위치 하나 뒤에 함께 있다는 뜻으로, 가장 짧은 PCIe 경로이며 GPU와 NIC 사이 GPUDirect RDMA에 가장 좋습니다.',
      pxb: '`nvidia-smi topo -m`의 PXB는 경로가 PCIe 스위치 여러 개를 지나지만 호스트 브리지는 지나지 않는다는 뜻입니다.',
      nv: '`nvidia-smi topo -m`의 NV#은 두 GPU가 NVLink로 연결되어 있고 #개 링크로 묶여 있다는 뜻입니다(링크가 많을수록 대역폭이 큼).',
      passthrough:
        'PCI 패스스루는 물리 GPU 한 장을 통째로 VM에 넘기는 방식입니다(Proxmox 설정의 `hostpci` 줄): VM이 직접 최대 속도로 쓰지만 다른 VM은 그 GPU를 쓸 수 없습니다.',
      pstate:
        'P-state는 GPU의 성능 상태입니다: 번호가 가장 낮은 상태가 최대 속도이고, 번호가 높을수록 유휴일 때 클럭(과 PCIe 링크)을 낮춰 전력을 아낍니다.',
      ecc: 'ECC(오류 정정 코드)는 GPU 메모리를 보호합니다: 1비트 오류는 고치고 수정 불가 오류는 잡아내며, 수정 불가 오류가 나면 드라이버가 그 행을 재매핑(row remap)하는데 이는 다음 GPU 리셋 때 적용됩니다.',
      remap:
        'row remap은 수정 불가 오류가 난 GPU 메모리 행을 예비 행으로 바꾸는 것입니다: GPU를 리셋할 때까지 대기 상태로 남고, remap이 실패하면 GPU를 교체(RMA)해야 합니다.',
      pcie: 'PCIe는 GPU와 CPU를 잇는 버스입니다: 속도는 세대(Gen)와 폭(레인 수, 최대 x16)으로 정해지며, 최대보다 좁게 연결되면 대역폭도 그만큼 줄어듭니다.',
      rdma: 'GPUDirect RDMA는 네트워크 카드가 호스트 메모리를 거치지 않고 GPU 메모리를 직접 읽고 쓰게 하는 기능입니다. NIC와 GPU가 PCIe 스위치를 공유할 때(PIX/PXB) 가장 잘 동작합니다.',
      mps: 'MPS(Multi-Process Service)는 여러 프로세스가 GPU 한 장을 동시에 쓰게 합니다. MIG와 달리 메모리는 격리되지 않습니다.',
      timeslice:
        'time-slicing은 여러 작업이 GPU 한 장을 번갈아 쓰는 공유 방식입니다. 메모리 격리는 없고 각 작업이 시간을 나눠 받습니다.',
      allreduce:
        'all-reduce는 분산 학습에서 GPU들이 그래디언트를 합치는 단계입니다: GPU 사이 가장 느린 연결(NVLink, PCIe, 또는 CPU 소켓 간 연결)의 속도로 돕니다.',
    },
    more: {
      numa: [
        `${code('nvidia-smi topo -m')}(NUMA Affinity 열)이나 ${code('numactl -H')}로 확인할 수 있습니다.`,
      ],
      nvlink: [],
      mig: [],
      vgpu: [],
      sys: ['topo -m 경로, 좋은 것부터: NV#(NVLink), PIX, PXB, PHB, NODE, SYS.'],
      node: ['topo -m 경로, 좋은 것부터: NV#(NVLink), PIX, PXB, PHB, NODE, SYS.'],
      phb: ['topo -m 경로, 좋은 것부터: NV#(NVLink), PIX, PXB, PHB, NODE, SYS.'],
      pix: ['topo -m 경로, 좋은 것부터: NV#(NVLink), PIX, PXB, PHB, NODE, SYS.'],
      pxb: ['topo -m 경로, 좋은 것부터: NV#(NVLink), PIX, PXB, PHB, NODE, SYS.'],
      nv: ['topo -m 경로, 좋은 것부터: NV#(NVLink), PIX, PXB, PHB, NODE, SYS.'],
      passthrough: [],
      pstate: [],
      ecc: [],
      remap: [],
      pcie: [],
      rdma: [],
      mps: [],
      timeslice: [],
      allreduce: [],
    },
    here: {
      noNuma: (host) => `${host}의 입력에는 GPU가 어느 NUMA 노드에 붙어 있는지가 없습니다.`,
      numa: (host, groups, mismatch, impact) =>
        `이 서버(${host})에서는 ${groups.map((g) => `${josa(gpuRange(g.gpus), '이')} NUMA 노드 ${g.node}`).join(', ')}에 있고${
          mismatch.length
            ? `, ${josa(joinKo(mismatch.map((m) => `${m.workload}(${gpuList(m.gpus)})`)), '이')} 다른 노드의 CPU에서 돕니다${impact ? ` — ${impact}` : ''}`
            : ', CPU가 고정된 작업은 모두 GPU와 같은 노드에서 돕니다'
        }.`,
      noLinks: (host) =>
        `${host}의 입력에는 GPU 간 경로가 없습니다: ${josa(code('nvidia-smi topo -m'), '을')} 보내 주세요.`,
      nvlink: (host, groups, kinds) =>
        `이 서버(${host})에서는 NVLink가 ${groups}${kinds.length ? `(${kinds.join('/')})` : ''}를 잇고, 그룹 사이 쌍은 더 느린 경로를 씁니다.`,
      pathNone: (host, kind) => `${host}에는 ${kind}인 GPU 쌍이나 NIC가 없습니다.`,
      path: (host, kind, _n, across, sample, nics) =>
        `이 서버(${host})에서는 ${
          across
            ? `${across.a}와 ${across.b} 사이의 모든 쌍이 ${kind}입니다`
            : sample.length
              ? `${sample.join(', ')}${sample.length >= 3 ? ' 등' : ''}이 ${kind}입니다`
              : `${kind}인 GPU 쌍이 없습니다`
        }${nics.length ? `. ${nics.map((n) => `${josa(n.nic, '은')} ${n.gpus.join(', ')}에 ${kind}로 닿습니다`).join('; ')}` : ''}.`,
      finding: (workload, impact) => `이 서버에서는: ${workload ? `${workload} — ` : ''}${impact}.`,
      sharing: (kind, host, x) =>
        `이 서버(${host})에서는 ${
          x.none
            ? `${josa(x.models.join(', ') || 'GPU', '이')} ${kind === 'mig' ? 'MIG를 지원하지 않습니다(대신 vGPU, time-slicing, MPS로 나눠 씀)' : 'MIG가 없어 vGPU나 time-slicing으로 나눠 써야 합니다'}`
            : x.capable
              ? `${josa(x.models.join(', ') || 'GPU', '이')} MIG를 지원하며 ${x.enabled.length ? `${joinKo(x.enabled)}에서 켜져 있습니다` : '지금은 꺼져 있습니다'}`
              : 'GPU가 MIG를 지원하는지 입력으로는 알 수 없습니다'
        }${
          x.candidates.length
            ? `. 후보: ${x.candidates.map((c) => `${c.workload}${c.gpu !== null ? `(GPU${c.gpu})` : ''} → ${c.fits}`).join(', ')}`
            : ''
        }.`,
      noVms: (host) => `${host}에는 장치를 패스스루하는 Proxmox VM 설정이 없습니다.`,
      passthrough: (vms) =>
        `이 서버에서는 ${vms.map((v) => `VM ${v.vmid}(${v.name})에 ${v.devices.join(', ')}`).join('; ')}가 패스스루됩니다.`,
      pstate: (xs) =>
        `이 서버에서는 ${xs.map((x) => `${josa(joinKo([...x.gpus]), '이')} ${x.pstate}${x.util.every((u) => u !== null) ? `(사용률 ${x.util.map(pct).join('/')})` : ''}`).join('; ')}입니다.`,
      ecc: (n, modes, pending, failed) =>
        `이 서버에서는 ${modes.length === 1 && modes[0] !== null ? `${n === 1 ? 'GPU의' : `GPU ${n}개 모두`} ECC가 ${modes[0] === 'enabled' ? '켜져' : '꺼져'} 있고` : `ECC 모드가 ${modes.map((m) => (m === 'enabled' ? '켜짐' : m === 'disabled' ? '꺼짐' : '알 수 없음')).join('/')}이고`} ${
          failed.length
            ? `${joinKo(failed)}에서 row remap이 실패했습니다`
            : pending.length
              ? `${joinKo(pending)}에 row remap이 대기 중입니다`
              : '대기 중이거나 실패한 row remap은 없습니다'
        }.`,
      pcie: (n, link, narrow) =>
        `이 서버에서는 ${
          link
            ? `${n === 1 ? 'GPU 링크가' : `GPU ${n}개 모두 링크가`} x${link.widthMax} 중 x${link.widthCurrent}${link.genMax !== null ? `, 최대 Gen${link.genMax}` : ''}입니다`
            : '링크가 GPU마다 다릅니다'
        }${narrow.length ? `. ${josa(joinKo(narrow), '은')} 최대보다 좁게 연결되어 있습니다` : ''}.`,
    },
  },
  absent: {
    head: {
      disk: '디스크(용량·I/O)는 수집하지 않아서 알 수 없습니다: InfraLens는 GPU(nvidia-smi), 토폴로지, NUMA와 CPU 배치, VM 설정만 봅니다.',
      cpuTemp: 'CPU 온도는 데이터에 없습니다: InfraLens는 GPU 센서(nvidia-smi)만 읽습니다.',
      cpuLoad:
        'CPU 부하는 데이터에 없습니다: InfraLens는 각 작업이 어떤 CPU에 고정되었는지만 보고 얼마나 바쁜지는 보지 않습니다.',
      network:
        'InfraLens는 노드 간 네트워크 대역폭을 재지 않습니다: GPU에 대해 NIC가 어디에 붙어 있는지(nvidia-smi topo -m)만 봅니다.',
      money: '금액은 계산할 수 없습니다: 가격 정보가 데이터에 없습니다.',
    },
    hottestGpu: (host, gpu, c) =>
      `가장 가까운 정보: ${host}에서 가장 뜨거운 GPU는 ${josa(`GPU${gpu}`, '로')} ${c} °C입니다.`,
    cpuModel: (model, sockets) => `CPU: ${model}${sockets !== null ? `, 소켓 ${sockets}개` : ''} (lscpu).`,
    pinning: (xs) =>
      `대신 볼 수 있는 CPU 고정: ${xs.map((x) => `${x.name} → CPU ${code(x.cpus)}`).join(', ')}.`,
    gpuMemory: (gpu, used, total) =>
      `대신 볼 수 있는 GPU 메모리: 가장 많이 쓰는 GPU는 ${josa(`GPU${gpu}`, '로')} ${total} MiB 중 ${used} MiB입니다.`,
    nics: (host, nics) =>
      `${host}의 NIC 위치: ${nics.map((n) => `${n.device}${n.gpus.length ? `(${n.gpus.join(', ')} 옆` : '('}${n.path ? `, ${n.path})` : ')'}`).join('; ')}.`,
    waste: (idle, small) =>
      `대신 말할 수 있는 것: ${[
        ...idle.map((x) => `${josa(gpuList(x.gpus), '이')} 놀고 있음${x.impact ? ` — ${x.impact}` : ''}`),
        ...(small.length
          ? [
              `${josa(joinKo(small.map((x) => `GPU${x.gpu ?? '?'}${x.workload ? `(${x.workload})` : ''}`)), '은')} GPU를 통째로 잡고 사용률 ${small.map((x) => pct(x.util)).join(', ')}`,
            ]
          : []),
      ].join('; ')}.`,
    leastBusy: (xs) => `가장 한가한 GPU: ${xs.map((x) => `GPU${x.gpu} ${x.util}%`).join(', ')}.`,
    sees: 'InfraLens가 읽는 것: nvidia-smi, nvidia-smi topo -m, numactl/lscpu, sysfs, Proxmox VM 설정.',
  },
  capacity: {
    topoPick: (best, alt, never) =>
      `${josa(plus(best.gpus), '을')} 쓰세요${setKo(best)}${alt ? `. 또는 ${plus(alt.gpus)}${setKo(alt)}` : ''}${
        never ? `. NUMA 노드를 가로지르는 조합(${never})은 피하세요` : ''
      }.`,
    topoOnly: `토폴로지만 보고 고른 것입니다: 어떤 GPU가 바쁜지는 이 입력에 없습니다(${code('nvidia-smi -q -x')} 필요).`,
    freeNow: (host, g, free) =>
      `${host}에 GPU 하나짜리 작업은 올릴 수 있습니다: ${josa(`GPU${g.gpu}`, '이')} 아무것도 돌리지 않습니다${gpuLineKo(g)}${
        g.util !== null
          ? ` — 사용률 ${g.util}%${g.used !== null && g.total !== null ? `, 메모리 ${g.total} MiB 중 ${g.used} MiB` : ''}`
          : ''
      }${free.length > 1 ? `. ${gpuList(free.filter((x) => x !== g.gpu))}도 비어 있습니다` : ''}.`,
    setNow: (host, set) =>
      `${host}의 ${josa(plus(set.gpus), '이')} 비어 있고${setKo(set)}: 그 크기의 작업이 들어갑니다.`,
    tooFew: (host, _want, free, sick) =>
      `지금은 그 크기로는 안 됩니다: ${host}에서 비어 있는 GPU는 ${gpuList(free)}뿐입니다${sick.length ? ` (${gpuList(sick)}는 하드웨어 문제)` : ''}.`,
    none: (host, n, models, least) =>
      `${host}에는 빈 GPU가 없습니다: ${models.length ? `${models.join('/')} ` : ''}${n}장 모두 작업 중입니다${least ? ` (가장 한가한 GPU: GPU${least.gpu}, ${least.util}%)` : ''}.`,
    afterPlan: (after, takes, best) =>
      `배치 계획을 적용하면 ${after.length ? `${takes.length ? '대신 ' : ''}${josa(gpuList(after), '이')} 비게 됩니다` : '빈 GPU가 없습니다'}${
        takes.length
          ? ` (계획이 ${takes.map((t) => `${josa(gpuList(t.gpus), '을')} ${t.workload}에`).join(', ')} 줌)`
          : ''
      }${best ? `. 그러면 ${plus(best.gpus)}에 GPU ${best.gpus.length === 2 ? '두' : '여러'} 개짜리 작업이 들어갑니다${setKo(best)}` : ''}.`,
    avoid: (title) => `당분간 피하세요: ${title}.`,
    alsoFree: (gpus) => `지금 비어 있는 GPU: ${gpuList(gpus)}.`,
    busy: (xs) =>
      `사용 중: ${xs.map((x) => `GPU${x.gpu} ${x.util}%${x.who ? `(${x.who})` : ''}`).join(', ')}.`,
    noWorkloads:
      'VM 설정이나 워크로드 파일이 없어 GPU의 프로세스만 보이고, 어떤 작업의 GPU인지는 알 수 없습니다.',
  },
  reboot: {
    stops: (host, vms, n, training, inference) =>
      `중단 없이는 안 됩니다: ${josa(host, '을')} 재부팅하거나 끄면 ${n}개의 ${vms === n ? 'VM' : '워크로드'}이 모두 멈춥니다${
        training.n || inference.n
          ? ` — ${[
              training.n
                ? `학습 ${training.n}개${training.util ? `(사용률 ${spanPct(training.util)})` : ''}`
                : null,
              inference.n
                ? `추론 ${inference.n}개${inference.util ? `(사용률 ${spanPct(inference.util)})` : ''}`
                : null,
            ]
              .filter(Boolean)
              .join(', ')}`
          : ''
      }. 먼저 체크포인트를 남기거나 작업을 비우세요.`,
    procs: (host, n, gpus, util) =>
      `중단 없이는 안 됩니다: ${josa(host, '을')} 재부팅하거나 끄면 ${gpuRange(gpus)}에서 도는 프로세스 ${n}개가 죽습니다${util ? `(사용률 ${spanPct(util)})` : ''}. 먼저 깔끔하게 멈추세요.`,
    nothing: (host) =>
      `입력으로 보는 한 괜찮습니다: ${host}의 어떤 GPU에도 프로세스가 없고 모두 사용률 0%입니다.`,
    unknown: (host) => `${host}에서 무엇이 도는지 입력에 없습니다: 재부팅 전에 작업을 확인하세요.`,
    remap: (labels) =>
      `재부팅하면 ${joinKo(labels)}의 대기 중인 row remap도 적용됩니다(어차피 GPU 리셋이 필요함).`,
    plan: (vmids) =>
      `배치 계획 자체는 호스트를 재부팅하지 않습니다: ${vmids.length ? joinKo(vmids.map((v) => `VM ${v}`)) : '옮기는 워크로드'}만 다시 시작합니다.`,
    workload: (name, vmid, kind, gpus, util) =>
      `${vmid !== null ? `VM ${vmid} ` : ''}${name}(${KIND_KO[kind] ?? kind}): ${gpus.length ? gpuList(gpus) : 'GPU 없음'}${util.length ? `, 사용률 ${util.map((u) => `${u}%`).join('/')}` : ''}`,
    proc: (pid, name, gpu, mem) =>
      `${pid !== null ? `PID ${pid}` : '프로세스'} ${name ?? '(이름 없음)'}: ${gpu !== null ? `GPU${gpu}` : 'GPU'}${mem !== null ? ` (${mem} MiB)` : ''}`,
    advice: `재부팅 전에: 학습 작업은 체크포인트를 남기고, 추론 서비스는 트래픽을 빼고, VM을 내리세요(${code('qm shutdown')}).`,
  },
  first: {
    nothing: (host) => `${host}에 급한 것은 없습니다: 심각이나 경고 수준의 문제가 없습니다.`,
    hardware: (xs, critical) =>
      `하드웨어 점검이 먼저입니다: ${xs
        .map((x) => `${x.title}${x.impact ? ` (${x.impact})` : x.temp !== null ? ` (${x.temp} °C)` : ''}`)
        .join(
          ', 그리고 ',
        )} — ${critical && xs.length === 2 ? '둘 다 심각이니 ' : critical ? '심각이니 ' : ''}작업을 옮기기 전에 확인하세요.`,
    next: (workload, vmid, to, title, stays = null) =>
      `그다음: ${josa(vmid !== null ? `VM ${vmid}(${workload})` : workload, '을')} ${stays ? `${gpuList(to)}에 둔 채 ${stays.cpus ? `CPU ${code(stays.cpus)}에 ` : ''}다시 고정하세요` : `${josa(gpuList(to), '로')} 옮기세요`} — ${title}.`,
    move: (m, title, impact, only) =>
      `먼저 ${josa(m.vmid !== null ? `VM ${m.vmid}(${m.workload})` : m.workload, '을')} ${m.stays ? `${gpuList(m.to)}에 둔 채 ${m.stays.cpus ? `CPU ${code(m.stays.cpus)}에 ` : ''}다시 고정하세요` : `${josa(gpuList(m.to), '로')} 옮기세요`}: ${only ? '유일한 심각 문제입니다' : '가장 심각한 문제입니다'} — ${title}${impact ? `; ${impact}` : ''}.`,
    finding: (title, impact) => `먼저: ${title}${impact ? ` — ${impact}` : ''}.`,
    after: (titles) => `그 뒤에: ${titles.join('; ')}.`,
  },
  why: {
    heldIdle: (gpu, pid, name, mem, util) =>
      `${pid !== null ? `PID ${pid}` : '프로세스'}(${name ?? '이름 없음'})이 GPU${gpu} 메모리 ${mem !== null ? `${mem} MiB` : ''}를 잡고 있지만 연산은 ${util ?? 0}%입니다: 프로세스가 대기 중이거나 멈춘 것이니 확인하세요.`,
    workloadIdle: (gpu, workload, util) =>
      `${josa(workload, '이')} GPU${gpu}를 잡고 있지만 연산은 ${util ?? 0}%입니다: 작업이 멈췄거나 일을 기다리거나 걸려 있습니다.`,
    notPassed: (gpu, busId, vms) =>
      `GPU${gpu}를 패스스루하는 VM이 없기 때문입니다: VM 설정 ${vms}개 중 어느 것의 hostpci 줄에도 ${busId ? `이 GPU(${busId})가` : '이 GPU가'} 없어서 아무도 쓸 수 없습니다.`,
    nothingRuns: (gpu, used, total, util) =>
      `GPU${gpu}에서는 아무것도 돌지 않습니다: 프로세스 없음, 메모리 ${total !== null ? `${total} MiB 중 ` : ''}${used ?? 0} MiB, 사용률 ${util ?? 0}%. 어떤 작업이 써야 하는지 알려 줄 VM 설정이나 워크로드 파일은 입력에 없습니다.`,
    split: (a, ga, b, gb, path) =>
      `${josa(`GPU${a}`, '은')} NVLink 그룹 ${ga ?? `GPU${a}`}, ${josa(`GPU${b}`, '은')} ${gb ?? '다른 그룹'}에 있어서 둘 사이 그래디언트가 NVLink가 아니라 ${path ? pathOf('ko', path) : 'PCIe'}로 오가기 때문입니다.`,
    crossSocket: (a, na, b, nb, path) =>
      `${josa(`GPU${a}`, '은')} NUMA 노드 ${na ?? '?'}, ${josa(`GPU${b}`, '은')} 노드 ${nb ?? '?'}에 있어서 둘 사이 통신이 CPU 소켓 간 연결${path ? `(${path})` : ''}을 지나기 때문입니다.`,
    thermal: (gpu, draw, limit, c, reason) =>
      draw !== null && limit !== null && draw < limit
        ? `부하 때문이 아니라 냉각 문제로 보입니다: ${josa(`GPU${gpu}`, '은')} ${limit} W 중 ${draw} W만 쓰는데도 ${c ?? '?'} °C로 ${reason} 상태입니다 — 팬, 공기 흐름, 흡기 온도를 점검하세요.`
        : `${josa(`GPU${gpu}`, '은')} ${c ?? '?'} °C로 ${reason} 상태입니다: 냉각이 부하를 따라가지 못합니다.`,
    powerCap: (gpu, draw, limit) =>
      `${josa(`GPU${gpu}`, '은')} 전력 상한에서 동작합니다${draw !== null && limit !== null ? `(${limit} W 중 ${draw} W)` : ''}: 최대 부하에서는 정상입니다.`,
    none: (host) => `${host}에서 그 이유를 설명할 발견 사항이 없습니다.`,
  },
};

export const TEXT: Record<Lang, Phrases> = { en, ko };
