/**
 * The InfraLens bundle: one text file holding several command outputs, each under a section marker.
 * `infralens collect-script` prints the shell script that writes it. Layout:
 *
 *   ### infralens:bundle v1
 *   ### infralens:section meta
 *   host=gpu-node-01
 *   ### infralens:end meta rc=0
 *   ### infralens:section topo-m
 *   …stdout of nvidia-smi topo -m…
 *   ### infralens:end topo-m rc=0
 *   #! stderr lines, if any, prefixed with "#! "
 *   ### infralens:section numactl-H
 *   ### infralens:end numactl-H missing
 *
 * The end marker is optional when reading (a bundle cut short, or edited by hand, still reads).
 */
import { InputError } from '../errors.ts';
import { lines } from '../parsers/text.ts';

export const BUNDLE_MAGIC = '### infralens:bundle';
const SECTION = /^### infralens:section (\S+)\s*$/;
const END = /^### infralens:end (\S+)(?: (?:rc=(\d+)|(missing)))?\s*$/;

export interface BundleSection {
  name: string;
  body: string;
  /** exit status of the command; null when not recorded. */
  rc: number | null;
  /** the command was not installed on the host. */
  missing: boolean;
  stderr: string;
}

export interface Bundle {
  meta: Record<string, string>;
  sections: BundleSection[];
}

export function isBundle(text: string): boolean {
  return text.startsWith(BUNDLE_MAGIC) || /^### infralens:section \S+\s*$/m.test(text.slice(0, 4096));
}

export function splitBundle(text: string): Bundle {
  const sections: BundleSection[] = [];
  let current: { name: string; body: string[]; stderr: string[] } | null = null;
  let last: BundleSection | null = null;
  const close = (rc: number | null, missing: boolean) => {
    if (!current) return;
    last = { name: current.name, body: current.body.join('\n'), rc, missing, stderr: '' };
    sections.push(last);
    current = null;
  };
  for (const line of lines(text)) {
    const s = SECTION.exec(line);
    if (s) {
      close(null, false);
      current = { name: s[1]!, body: [], stderr: [] };
      continue;
    }
    const e = END.exec(line);
    if (e && current && e[1] === current.name) {
      close(e[2] === undefined ? null : Number(e[2]), e[3] === 'missing');
      continue;
    }
    if (current) current.body.push(line);
    else if (last && line.startsWith('#! ')) {
      const l: BundleSection = last;
      l.stderr = l.stderr ? `${l.stderr}\n${line.slice(3)}` : line.slice(3);
    }
  }
  close(null, false);
  if (sections.length === 0) throw new InputError('INPUT_MALFORMED', 'InfraLens bundle without any section');
  const meta: Record<string, string> = {};
  for (const sec of sections.filter((x) => x.name === 'meta')) {
    for (const l of lines(sec.body)) {
      const eq = l.indexOf('=');
      if (eq > 0) meta[l.slice(0, eq).trim()] = l.slice(eq + 1).trim();
    }
  }
  return { meta, sections: sections.filter((x) => x.name !== 'meta') };
}

/** Bundle section name → parser id. Sections not listed are auto-detected. */
export const SECTION_PARSERS: Record<string, string> = {
  'nvidia-smi-q-x': 'nvidia-smi-xml',
  'nvidia-smi-q': 'nvidia-smi-q',
  'nvidia-smi': 'nvidia-smi-table',
  'nvidia-smi-L': 'nvidia-smi-L',
  'query-gpu': 'smi-csv',
  'query-compute-apps': 'smi-apps-csv',
  'topo-m': 'topo-m',
  'mig-lgip': 'mig-lgip',
  'mig-lgi': 'mig-lgi',
  'numactl-H': 'numactl',
  lscpu: 'lscpu',
  'sysfs-pci': 'sysfs-pci',
  'pve-mapping-pci': 'proxmox-pci-mapping',
  'dcgm-metrics': 'dcgm-metrics',
  workloads: 'workloads',
};

export function parserIdForSection(name: string): string | null {
  if (name.startsWith('pve-qemu-server/')) return 'proxmox-vm';
  return SECTION_PARSERS[name] ?? null;
}
