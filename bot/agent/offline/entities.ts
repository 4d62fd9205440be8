/**
 * The things a question names: hosts (and host-like names that are not loaded), GPUs, Proxmox VMs,
 * workloads, and ordinals that point into the previous answer ("the second one", "두 번째"). Text in,
 * data out; what the names resolve to comes from the known hosts and workloads (list_hosts).
 */

export interface KnownWorkload {
  name: string;
  host: string;
  vmid: number | null;
  gpus: number[];
}

/** What the conversation has data for (from list_hosts; empty before it ran). */
export interface Known {
  hosts: string[];
  workloads: KnownWorkload[];
}

export interface Entities {
  /** known hosts named, canonical, in the order named. */
  hosts: string[];
  /** host-like names that are no loaded host ("gpu-node-99", "node7"), as written. */
  unknownHosts: string[];
  /** "this server", "the server", "이 서버". */
  thisServer: boolean;
  gpus: number[];
  vms: number[];
  /** workloads named (full or a distinctive part of the name), canonical. */
  workloads: string[];
  /** "the second one", "the first finding", "두 번째": 1-based. */
  ordinal: number | null;
  /** "this VM", "이 VM": the only VM there is. */
  thisVm: boolean;
  /** "this GPU", "이 GPU": the only GPU there is. */
  thisGpu: boolean;
}

const uniq = <T>(xs: T[]): T[] => [...new Set(xs)];

/** Tokens that look like names but are models, MIG profiles, NICs, GPUs, VMs, files or jargon. */
const NOT_HOST: RegExp[] = [
  /^gpus?[-#_]?\d+$/,
  /^vms?[-#_]?\d+$/,
  /^vmid[-_]?\d*$/,
  /^nic\d+$/,
  /^mlx\d+(?:_\d+)?$/,
  /^nv\d+$/,
  /^(?:gen|x)\d+$/,
  /^(?:numa|socket|cpu|core)[-_]?\d+$/,
  /^x86/,
  /^(?:[hablvptk]|gb|gh|rtx|gtx|quadro|tesla)[-_]?\d{1,4}[a-z]{0,4}(?:[-_](?:nvl|sxm\d?|pcie|hbm\d?[a-z]?|\d+gb|nvlink))*$/, // H200, L40S, A100-SXM4, RTX4090
  /^\d+g\.\d+gb$/, // MIG profiles
  /\.(?:conf|cfg|txt|xml|csv|json|ya?ml|pdf|log|sh|py|md)$/,
  /^(?:train|training|infer|inference|job|svc|serve|serving|vllm|triton)[-_]/,
  /^(?:llama|qwen|mistral|mixtral|gpt|bert|resnet|vit|sdxl|gemma|phi|deepseek|falcon|yolo|whisper|t5|clip)/,
  /^(?:pcie|cuda|sm|ddr|hbm|ib|eth|ens|enp|eno|cx|connectx|nccl|utf|fp|bf|int|epyc|xeon|v|p|cpu|gi|ci|mig|profile|step|top|ubuntu|rhel|debian|proxmox|pve|kernel|linux|qemu|pytorch|torch|python|tensorflow|jax|claude|dcgm|driver|nvidia|hostpci)[-_.]?\d/,
  /^(?:qemu|pytorch|torch|python|nvidia|dcgm)-/,
];

/** A name that can only be a server: `gpu-node-99`, `dgx-03`, `srv01.example.com`, `node7`. */
function hostLike(token: string, previous: string): boolean {
  if (!/\d/.test(token) || !/^[a-z]/.test(token)) return false;
  if (NOT_HOST.some((r) => r.test(token))) return false;
  if (/^node\d+$/.test(token) && /^numa$/.test(previous)) return false;
  return (
    /^[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)+$/.test(token) ||
    /^(?:node|host|server|srv|dgx|hgx|worker|compute|gpunode|gpuserver|machine|box|hpc|cn|gn|nd)\d+$/.test(
      token,
    )
  );
}

/** The canonical known host for a written name (case, `.domain` and a unique `-suffix` tolerated). */
export function resolveHost(name: string, hosts: readonly string[]): string | null {
  const n = name.toLowerCase();
  const short = n.split('.')[0]!;
  const exact =
    hosts.find((h) => h.toLowerCase() === n) ?? hosts.find((h) => h.toLowerCase().split('.')[0] === short);
  if (exact) return exact;
  if (!/\d/.test(short)) return null;
  const bySuffix = hosts.filter((h) => h.toLowerCase().split('.')[0]!.endsWith(`-${short}`));
  return bySuffix.length === 1 ? bySuffix[0]! : null;
}

const SEP = String.raw`\s*(?:,|/|&|\band\b|\bor\b|와|과|랑|이랑|하고|및|,?\s*그리고)\s*(?:gpus?\s*)?#?\s*`;

/** Numbers in a list like "2, 3 and 5" or a range "0-3". */
function numbersOf(list: string): number[] {
  const range = list.match(/^(\d+)\s*(?:-|~|to|부터)\s*(\d+)$/);
  if (range) {
    const [a, b] = [Number(range[1]), Number(range[2])];
    if (b > a && b - a < 64) return Array.from({ length: b - a + 1 }, (_, i) => a + i);
  }
  return (list.match(/\d+/g) ?? []).map(Number);
}

/** GPU indexes: "GPU 2", "GPU2", "gpu #2", "GPUs 2 and 5", "GPU 2,3", "2번 GPU", "GPU 2번", "2번째 GPU", "2번". */
function gpusIn(q: string): number[] {
  const out: number[] = [];
  // a count is not an index: "GPU 2개", "8 GPUs", "GPU 4장"
  const listRe = new RegExp(
    String.raw`\bgpus?\s*(?:#|no\.?|number|index)?\s*(\d+(?:\s*(?:-|~|to)\s*\d+)?(?:${SEP}\d+)*)(?!\d|\.\d|\s*(?:개|장|대|x\b|gb|gib|mib|%))`,
    'gi',
  );
  for (const m of q.matchAll(listRe)) out.push(...numbersOf(m[1]!.replace(/gpus?|#/gi, ' ').trim()));
  for (const m of q.matchAll(/(\d+)\s*번\s*(?:째\s*)?(?:gpu|지피유)/gi)) out.push(Number(m[1]));
  // a bare "2번" (not "2번째", not a VM, a server, a command or a finding number)
  for (const m of q.matchAll(
    /(?<![\d.])(\d{1,2})\s*번(?!\s*(?:째|vm|서버|호스트|명령|커맨드|단계|항목|발견|문제|이슈|노드|gpu|지피유))/gi,
  ))
    out.push(Number(m[1]));
  return uniq(out);
}

/** Proxmox VM ids: "VM 103", "vm103", "VM103", "103번 VM", "VMs 101 and 102", "vmid 103". */
function vmsIn(q: string): number[] {
  const out: number[] = [];
  const listRe = new RegExp(
    String.raw`\b(?:vms?|vmid)\s*[-#:=]?\s*(\d+(?:${SEP.replace('gpus?', 'vms?')}\d+)*)`,
    'gi',
  );
  for (const m of q.matchAll(listRe)) out.push(...(m[1]!.match(/\d+/g) ?? []).map(Number));
  for (const m of q.matchAll(/(\d+)\s*번?\s*(?:vm|가상\s*머신)\b/gi)) out.push(Number(m[1]));
  // a Proxmox command names its VM: `qm set 103`, `qm shutdown 102`
  for (const m of q.matchAll(/\bqm\s+[a-z]+\s+(\d+)\b/gi)) out.push(Number(m[1]));
  return uniq(out);
}

/** Parts of workload names too generic to name one ("train", "infer", "a"). */
const GENERIC = new Set(
  'train training trainer infer inference serve serving job jobs model models test dev prod vm gpu gpus the new old main worker'.split(
    ' ',
  ),
);

/** Workloads named in full ("train-llm-a"), by a tail of the name ("llm-a", "vision-b"), or by a distinctive part ("vision"). */
function workloadsIn(q: string, words: readonly string[], known: readonly KnownWorkload[]): string[] {
  const names = uniq(known.map((w) => w.name));
  const out: string[] = [];
  const has = (s: string) =>
    new RegExp(String.raw`(?<![\w-])${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\w-])`, 'i').test(q);
  for (const n of names) if (has(n)) out.push(n);
  if (out.length > 0) return out;
  for (const n of names) {
    const parts = n.toLowerCase().split(/[-_.]/);
    for (let i = 1; i < parts.length - 1; i++) {
      const tail = parts.slice(i).join('-');
      if (tail.length >= 4 && has(tail) && names.filter((x) => x.toLowerCase().endsWith(tail)).length === 1)
        out.push(n);
    }
  }
  if (out.length > 0) return uniq(out);
  // a distinctive part: one that no other workload has, not generic, at least 3 letters
  for (const n of names) {
    const parts = n.toLowerCase().split(/[-_.]/);
    for (const p of parts) {
      if (p.length < 3 || GENERIC.has(p) || /^\d/.test(p)) continue;
      const owners = names.filter((x) => x.toLowerCase().split(/[-_.]/).includes(p));
      if (owners.length !== 1) continue;
      if (words.some((w) => w === p || (p.length >= 4 && w.startsWith(p) && w.length - p.length <= 4)))
        out.push(n);
    }
  }
  return uniq(out);
}

const ORDINALS_EN: Record<string, number> = {
  first: 1,
  second: 2,
  third: 3,
  fourth: 4,
  fifth: 5,
  sixth: 6,
  seventh: 7,
  eighth: 8,
  ninth: 9,
  last: -1,
  '1st': 1,
  '2nd': 2,
  '3rd': 3,
  '4th': 4,
  '5th': 5,
};
const ORDINALS_KO: Record<string, number> = {
  첫: 1,
  두: 2,
  세: 3,
  네: 4,
  다섯: 5,
  여섯: 6,
  일곱: 7,
  여덟: 8,
  마지막: -1,
};

/** "the second one", "the first finding", "두 번째", "첫번째 거", "마지막 거" (not "2번째 GPU", a GPU). */
function ordinalIn(q: string): number | null {
  const en = q.match(
    /\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|last|1st|2nd|3rd|4th|5th)\b(?!\s+(?:gpu|vm|host|server|node)\b)/i,
  );
  if (
    en &&
    /\b(?:the|that|this)\s+\w+$|\b(?:one|finding|issue|problem|item|move|step|command|point)s?\b|^\s*\w+\s*\??$/i.test(
      q,
    )
  )
    return ORDINALS_EN[en[1]!.toLowerCase()] ?? null;
  if (en && /\b(?:the|and|what about|how about)\s+(first|second|third|fourth|fifth|last)\b/i.test(q))
    return ORDINALS_EN[en[1]!.toLowerCase()] ?? null;
  const ko = q.match(
    /(첫|두|세|네|다섯|여섯|일곱|여덟)\s*번\s*째(?!\s*(?:gpu|지피유|vm|서버))|(마지막)\s*(?:거|것|항목|문제|발견)/i,
  );
  if (ko) return ORDINALS_KO[(ko[1] ?? ko[2])!] ?? null;
  const num = q.match(
    /(\d)\s*번\s*째(?!\s*(?:gpu|지피유|vm|서버))\s*(?:거|것|항목|문제|발견|이슈|명령|단계)/i,
  );
  if (num) return Number(num[1]);
  const item = q.match(/(\d)\s*번\s*(?:항목|문제|발견|이슈|명령|단계)/);
  if (item) return Number(item[1]);
  return null;
}

export function entitiesOf(question: string, known: Known): Entities {
  const q = question.replace(/[‘’“”`]/g, ' ');
  const words = q.toLowerCase().match(/[a-z0-9][a-z0-9._#-]*[a-z0-9]|[a-z0-9]/g) ?? [];
  const hosts: string[] = [];
  const unknownHosts: string[] = [];
  const workloadNames = new Set(known.workloads.map((w) => w.name.toLowerCase()));
  let masked = q;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!.replace(/[.]+$/, '');
    const canonical = resolveHost(w, known.hosts);
    if (canonical) hosts.push(canonical);
    else if (!workloadNames.has(w) && hostLike(w, words[i - 1] ?? '')) unknownHosts.push(w);
    else continue;
    // a host name is no GPU or VM mention ("gpu-01", "vm-host-3")
    masked = masked.replace(new RegExp(w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i'), ' ');
  }
  const thisServer =
    /\b(?:this|the|that|our|my)\s+(?:server|host|machine|box|node)\b|(?:이|그|저|해당|우리)\s*(?:서버|호스트|머신|노드|장비)/i.test(
      q,
    );
  const gpus = gpusIn(
    masked.replace(/\b(?:vms?|vmid)\s*[-#:=]?\s*\d+/gi, ' ').replace(/\d+\s*번?\s*vm/gi, ' '),
  );
  // a bare number that is a loaded VM's id ("fix 103 only", "103만"): that VM
  const vmids = new Set(known.workloads.map((w) => w.vmid).filter((v): v is number => v !== null));
  const bare = [
    ...masked.matchAll(
      /(?<![\w.#:/,-])(\d{3,6})(?![\w.:/-]|,\d|\s*(?:%|퍼센트|°|도\b|gb|gib|mib|mb|w\b|ms|개|장|대|번\s*째|점|배|x\b))/gi,
    ),
  ]
    .map((m) => Number(m[1]))
    .filter((n) => vmids.has(n) && !gpus.includes(n));
  return {
    hosts: uniq(hosts),
    unknownHosts: uniq(unknownHosts),
    thisServer,
    gpus,
    vms: uniq([...vmsIn(masked), ...bare]),
    workloads: workloadsIn(masked, words, known.workloads),
    ordinal: ordinalIn(q),
    thisVm:
      /\b(?:this|the|that|my|our)\s+(?:vm|virtual machine|guest)\b|(?<![가-힣])(?:이|그|해당|저)\s*(?:vm|가상\s*머신)/i.test(
        q,
      ),
    thisGpu:
      /\b(?:this|the|that|my|our)\s+(?:gpu|card|graphics card)\b(?!s)|(?<![가-힣])(?:이|그|해당|저)\s*(?:gpu|그래픽\s*카드|카드)(?!들)/i.test(
        q,
      ),
  };
}
