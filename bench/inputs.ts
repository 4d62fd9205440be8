/**
 * Stress inputs for `npm run bench` and the linearity tests: real command outputs from `samples/real/`
 * repeated and varied (seeded, so every run builds the same bytes) up to a size, 16 MiB (the input cap,
 * `MAX_INPUT_BYTES`) by default. Each stays at or under the size asked for and past the parsers' count caps
 * where the format allows it (1,024 GPUs, 4,096 processes, NUMA ids ≤ 1,023): what lies past a cap is
 * dropped with a warning, and that has to be cheap too.
 */
import { readFileSync } from 'node:fs';

export const MIB = 1024 * 1024;

const real = (p: string) => readFileSync(new URL(`../samples/real/${p}`, import.meta.url), 'utf8');

/** mulberry32: a small seeded PRNG (the same seed gives the same input on every machine). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** Append what `unit(i)` returns (lines or blocks) after `head` until the next one would pass `bytes`. */
function fill(head: string, bytes: number, unit: (i: number) => string, tail = ''): string {
  const parts = [head];
  let size = head.length + tail.length;
  for (let i = 0; ; i++) {
    const u = unit(i);
    if (size + u.length > bytes) break;
    parts.push(u);
    size += u.length;
  }
  parts.push(tail);
  return parts.join('');
}

/** `0000:bb:dd.0` style bus id number `i` (unique for i < 2^16), as nvidia-smi prints it. */
function busId(i: number, domainWidth = 8): string {
  return `${hex(i >> 13, domainWidth).toUpperCase()}:${hex((i >> 5) & 0xff, 2).toUpperCase()}:${hex(i & 0x1f, 2).toUpperCase()}.0`;
}

/** `GPU-xxxxxxxx-…` uuid number `i`: the real uuid's prefix with `i` in its last group. */
function uuid(base: string, i: number): string {
  return `${base.slice(0, -12)}${hex(i, 12)}`;
}

/**
 * `nvidia-smi --query-gpu=… --format=csv`: the 16-field P100 query (samples/real/smi-csv) with one row per
 * GPU of a fleet that grows past the GPU cap (index, memory, utilisation, temperature, power varied).
 * `loop`: instead, the output of `-l 1` (`--loop`) on that 4-GPU host: the same GPUs over and over, later
 * rows repeating a GPU already listed.
 */
export function queryGpuCsv(bytes = 16 * MIB, seed = 1, loop = false): string {
  const src = real('smi-csv/p100-pcie-4x-drv418-many-fields-not-supported-EDITED.csv.txt')
    .trimEnd()
    .split('\n');
  const header = `${src[0]}\n`;
  const rows = src.slice(1).map((l) => l.split(', '));
  const rnd = prng(seed);
  return fill(header, bytes, (i) => {
    const r = [...rows[i % rows.length]!];
    const total = 16280;
    const used = Math.floor(rnd() * total);
    r[3] = String(loop ? i % rows.length : i); // index
    r[6] = `${used} MiB`;
    r[7] = `${Math.floor(rnd() * 101)} %`;
    r[8] = `${Math.floor(rnd() * 101)} %`;
    r[9] = String(25 + Math.floor(rnd() * 60));
    r[10] = `${(20 + rnd() * 230).toFixed(2)} W`;
    return `${r.join(', ')}\n`;
  });
}

/**
 * `nvidia-smi --query-compute-apps=gpu_uuid,pid,process_name,used_gpu_memory --format=csv` of a busy
 * 8-GPU H200 host with more processes than the process cap.
 */
export function computeAppsCsv(bytes = 16 * MIB, seed = 1): string {
  const src = real('smi-csv/h200-8x-query-compute-apps-gpu_uuid-notfound-process.csv.txt')
    .trimEnd()
    .split('\n');
  const rows = src.slice(1).map((l) => l.split(', '));
  const rnd = prng(seed);
  return fill(`${src[0]}\n`, bytes, (i) => {
    const r = [...rows[i % rows.length]!];
    r[1] = String(100000 + i);
    r[3] = `${Math.floor(rnd() * 143771)} MiB`;
    return `${r.join(', ')}\n`;
  });
}

/** The L4 `-q -x` document split around its `<gpu>` elements. */
function l4Xml() {
  const xml = real('smi-xml/l4-2x-drv555.42.06-with-processes.xml');
  const start = xml.indexOf('<gpu id=');
  const end = xml.indexOf('</gpu>', start) + '</gpu>'.length;
  return { xml, start, end, gpu: xml.slice(start, end) };
}

/**
 * `nvidia-smi -q -x` with many GPUs: the first GPU of the 2-GPU L4 document (50 KB, with processes)
 * repeated with its own bus id, uuid, memory and utilisation, `attached_gpus` saying how many.
 */
export function xmlManyGpus(bytes = 16 * MIB, seed = 1): string {
  const { xml, start, gpu } = l4Xml();
  const rnd = prng(seed);
  const close = '\n</nvidia_smi_log>\n';
  const head = xml.slice(0, start);
  const bus = '00000000:01:00.0';
  const id = 'GPU-c5533cd4-5a60-059e-348d-b6d7466932e4';
  const blocks: string[] = [];
  let size = head.length + close.length + 8;
  for (let i = 0; ; i++) {
    const b = `${gpu
      .replaceAll(bus, busId(i))
      .replace(id, uuid(id, i))
      .replace(/<used>\d+ MiB<\/used>/, `<used>${Math.floor(rnd() * 22000)} MiB</used>`)
      .replace(/<gpu_util>\d+ %<\/gpu_util>/, `<gpu_util>${Math.floor(rnd() * 101)} %</gpu_util>`)}\n`;
    if (size + b.length > bytes) break;
    blocks.push(b);
    size += b.length;
  }
  return `${head.replace(/<attached_gpus>\d+</, `<attached_gpus>${blocks.length}<`)}${blocks.join('')}${close}`;
}

/**
 * `nvidia-smi -q -x` of the 2-GPU L4 host with a process list longer than the process cap on its first
 * GPU (a host running thousands of small jobs, or a log of them).
 */
export function xmlManyProcesses(bytes = 16 * MIB, seed = 1): string {
  const { xml } = l4Xml();
  const rnd = prng(seed);
  const at = xml.indexOf('<processes>') + '<processes>'.length;
  const head = xml.slice(0, at);
  const tail = xml.slice(at);
  const names = ['ffmpeg', 'python3 train.py', '/usr/bin/tritonserver', 'ray::IDLE', 'vllm serve'];
  return fill(
    head,
    bytes,
    (i) =>
      `\n            <process_info>\n                <gpu_instance_id>N/A</gpu_instance_id>\n                <compute_instance_id>N/A</compute_instance_id>\n                <pid>${20000 + i}</pid>\n                <type>C</type>\n                <process_name>${names[i % names.length]}</process_name>\n                <used_memory>${1 + Math.floor(rnd() * 2000)} MiB</used_memory>\n            </process_info>`,
    tail,
  );
}

/**
 * `nvidia-smi -q` (text) with many GPUs: the L40S GPU block repeated with its own bus id and uuid, past
 * the GPU cap.
 */
export function qTextManyGpus(bytes = 16 * MIB, seed = 1): string {
  const text = real('smi-xml/q-text-l40s-1x-drv550.127.05-full.txt');
  const start = text.indexOf('GPU 00000000:A1:00.0');
  const head = text.slice(0, start);
  const block = text.slice(start);
  const rnd = prng(seed);
  const id = 'GPU-1db6b1cf-de5e-b497-caca-1a027578d587';
  const blocks: string[] = [];
  let size = head.length;
  for (let i = 0; ; i++) {
    const b = block
      .replaceAll('00000000:A1:00.0', busId(i))
      .replace(id, uuid(id, i))
      .replace(/(Used\s+: )\d+ MiB/, `$1${Math.floor(rnd() * 46000)} MiB`);
    if (size + b.length > bytes) break;
    blocks.push(b);
    size += b.length;
  }
  return `${head.replace(/(Attached GPUs\s+: )\d+/, `$1${blocks.length}`)}${blocks.join('')}`;
}

/** Build with the largest `n` whose text fits in `bytes` (for outputs that grow as n², like a matrix). */
function largest(bytes: number, make: (n: number) => string, guess: number): string {
  let n = Math.max(1, guess);
  let t = make(n);
  while (t.length > bytes && n > 1) {
    n = Math.max(1, Math.min(n - 1, Math.floor(n * Math.sqrt(bytes / t.length))));
    t = make(n);
  }
  return t;
}

/**
 * `nvidia-smi topo -m` with many GPUs (past the GPU cap) and NICs: NVLink within groups of 8, NODE or SYS
 * across them, a NIC per 8 GPUs, CPU and NUMA affinity by socket, the legend at the end.
 */
export function topoManyGpus(bytes = 16 * MIB, seed = 1): string {
  const legend = real('topo/l40s-4x-2socket-384thr-2nic-mlx5-full-legend.txt');
  const legendText = legend.slice(legend.indexOf('\nLegend:'), legend.indexOf('\nNIC Legend:'));
  const make = (gpus: number): string => {
    const rnd = prng(seed);
    const nics = Math.min(256, Math.ceil(gpus / 8));
    const names = [
      ...Array.from({ length: gpus }, (_, i) => `GPU${i}`),
      ...Array.from({ length: nics }, (_, i) => `NIC${i}`),
    ];
    const group = (k: number) => (k < gpus ? k >> 3 : k - gpus);
    const socket = (k: number) => group(k) & 1;
    const out = [`\t${names.join('\t')}\tCPU Affinity\tNUMA Affinity\tGPU NUMA ID\n`];
    for (let r = 0; r < names.length; r++) {
      const cells = names.map((_, c) => {
        if (c === r) return ' X ';
        if (r < gpus && c < gpus && group(r) === group(c)) return `NV${rnd() < 0.5 ? 18 : 12}`;
        if (group(r) === group(c)) return 'PIX';
        return socket(r) === socket(c) ? 'NODE' : 'SYS';
      });
      const aff =
        r < gpus ? `\t${socket(r) === 0 ? '0-47,96-143' : '48-95,144-191'}\t${socket(r)}\t\tN/A` : '';
      out.push(`${names[r]}\t${cells.join('\t')}${aff}\n`);
    }
    out.push(`${legendText}\n\nNIC Legend:\n\n`);
    for (let i = 0; i < nics; i++) out.push(`  NIC${i}: mlx5_${i}\n`);
    return out.join('');
  };
  return largest(bytes, make, Math.floor(Math.sqrt(bytes / 5)));
}

/**
 * `numactl -H` of a machine with more NUMA nodes than the cap (ids past 1,023 are ignored): each node
 * with its CPUs listed one by one (as numactl prints them), size and free memory, and the full distance
 * matrix, which is most of the bytes.
 */
export function numactlManyNodes(bytes = 16 * MIB, seed = 1): string {
  const make = (nodes: number): string => {
    const rnd = prng(seed);
    const perNode = Math.max(1, Math.min(32, Math.floor(65536 / nodes)));
    const out = [`available: ${nodes} nodes (0-${nodes - 1})\n`];
    for (let n = 0; n < nodes; n++) {
      const cpus = Array.from({ length: perNode }, (_, k) => n * perNode + k).join(' ');
      const size = 65000 + Math.floor(rnd() * 1000);
      out.push(
        `node ${n} cpus: ${cpus}\nnode ${n} size: ${size} MB\nnode ${n} free: ${Math.floor(size * rnd())} MB\n`,
      );
    }
    out.push('node distances:\n');
    out.push(`node ${Array.from({ length: nodes }, (_, i) => String(i).padStart(3)).join(' ')} \n`);
    for (let r = 0; r < nodes; r++) {
      const row = Array.from({ length: nodes }, (_, c) =>
        String(r === c ? 10 : (r ^ c) < 4 ? 12 : 32).padStart(3),
      );
      out.push(`${String(r).padStart(3)}:  ${row.join(' ')} \n`);
    }
    return out.join('');
  };
  return largest(bytes, make, Math.floor(Math.sqrt(bytes / 4.2)));
}

/**
 * `lscpu` run over and over into one file (a monitoring log): the two real lscpu outputs alternating,
 * each with its CPU MHz varied. Keys repeat; the first of each is read.
 */
export function lscpuLog(bytes = 16 * MIB, seed = 1): string {
  const docs = [
    real('numa/lscpu-epyc7742-2socket-nps4-8numa-8xa100.txt'),
    real('numa/lscpu-aws-p5en-xeon8488c-2socket-kvm-8xh200.txt'),
  ];
  const rnd = prng(seed);
  return fill('', bytes, (i) =>
    docs[i % 2]!.replace(/^(CPU MHz:\s+)[\d.]+/m, `$1${(1500 + rnd() * 2000).toFixed(3)}`),
  );
}

/**
 * A dcgm-exporter scrape of a fleet-sized host (past the GPU cap): every series of the L40S scrape, with
 * its `# HELP`/`# TYPE` lines, once per GPU (index, UUID, bus id and value varied).
 */
export function dcgmManyGpus(bytes = 16 * MIB, seed = 1): string {
  const src = real('dcgm/dcgm-exporter-metrics-l40s-1gpu-upcloud-uks-drv595.58.03-full.txt').split('\n');
  const series: { help: string[]; sample: string }[] = [];
  let help: string[] = [];
  for (const l of src) {
    if (l.startsWith('#')) help.push(l);
    else if (l.startsWith('DCGM_')) {
      series.push({ help, sample: l });
      help = [];
    }
  }
  const id = 'GPU-5b4e07f6-3a86-4340-039d-25f2a83cdc43';
  const perGpu = series.reduce((n, s) => n + s.sample.length + 8, 0);
  const gpus = Math.max(1, Math.floor((bytes - 16384) / perGpu));
  const rnd = prng(seed);
  const out: string[] = [];
  for (const s of series) {
    out.push(...s.help.map((h) => `${h}\n`));
    const value = s.sample.lastIndexOf(' ');
    const labels = s.sample.slice(0, value);
    for (let g = 0; g < gpus; g++) {
      const v = /\./.test(s.sample.slice(value)) ? (rnd() * 300).toFixed(6) : String(Math.floor(rnd() * 100));
      out.push(
        `${labels
          .replace('gpu="0"', `gpu="${g}"`)
          .replace(id, uuid(id, g))
          .replace('00000000:00:07.0', busId(g))
          .replace('device="nvidia0"', `device="nvidia${g}"`)} ${v}\n`,
      );
    }
  }
  const text = out.join('');
  return text.length <= bytes ? text : text.slice(0, text.lastIndexOf('\n', bytes - 1) + 1);
}

export interface StressInput {
  /** what the bench line says: `16 MiB query-gpu CSV`. */
  name: string;
  /** the file name given to ingest (its extension matters to nobody; the content is detected). */
  file: string;
  /** the parser that must read it. */
  format: string;
  make: (bytes: number, seed: number) => string;
}

/** Every stress input, in bench order. */
export const STRESS_INPUTS: readonly StressInput[] = [
  { name: 'query-gpu CSV', file: 'query-gpu.csv', format: 'smi-csv', make: (b, s) => queryGpuCsv(b, s) },
  {
    name: 'query-gpu CSV (-l loop, 4 GPUs)',
    file: 'query-gpu-loop.csv',
    format: 'smi-csv',
    make: (b, s) => queryGpuCsv(b, s, true),
  },
  { name: 'compute-apps CSV', file: 'apps.csv', format: 'smi-apps-csv', make: computeAppsCsv },
  { name: '-q -x, many GPUs', file: 'q-gpus.xml', format: 'nvidia-smi-xml', make: xmlManyGpus },
  { name: '-q -x, many processes', file: 'q-procs.xml', format: 'nvidia-smi-xml', make: xmlManyProcesses },
  { name: '-q text, many GPUs', file: 'q.txt', format: 'nvidia-smi-q', make: qTextManyGpus },
  { name: 'topo -m, many GPUs', file: 'topo.txt', format: 'topo-m', make: topoManyGpus },
  { name: 'numactl -H, many nodes', file: 'numactl.txt', format: 'numactl', make: numactlManyNodes },
  { name: 'lscpu log', file: 'lscpu.txt', format: 'lscpu', make: lscpuLog },
  { name: 'dcgm-exporter, many GPUs', file: 'dcgm.txt', format: 'dcgm-metrics', make: dcgmManyGpus },
];
