/**
 * The InfraLens bundle: one text file holding several command outputs, each under a section marker.
 * `infralens collect-script` prints the shell script that writes it. Layout (v2):
 *
 *   ### infralens:bundle v2 token=5f0c9a41d2e87b36
 *   ### infralens:section meta token=5f0c9a41d2e87b36
 *   host=gpu-node-01
 *   ### infralens:end meta token=5f0c9a41d2e87b36 rc=0
 *   ### infralens:section topo-m token=5f0c9a41d2e87b36
 *   …stdout of nvidia-smi topo -m…
 *   ### infralens:end topo-m token=5f0c9a41d2e87b36 rc=0
 *   #! stderr lines, if any, prefixed with "#! "
 *   ### infralens:section numactl-H token=5f0c9a41d2e87b36
 *   ### infralens:end numactl-H token=5f0c9a41d2e87b36 missing
 *
 * The token is random per run (the collector draws it from /dev/urandom) and stated on the first line.
 * Only markers carrying it count: a command output holding a line such as `### infralens:section …`
 * (a process name, a file under /etc/pve) cannot open a section of its own, since it cannot know the
 * token. Bundles of the first collector (v1, markers without a token) still read, with a warning.
 *
 * The end marker is optional when reading (a bundle cut short, or edited by hand, still reads).
 */
import { InputError } from '../errors.ts';
import { lines, stripControl } from '../parsers/text.ts';

export const BUNDLE_MAGIC = '### infralens:bundle';
const MAGIC_LINE = /^### infralens:bundle v(\d+)(?: token=([A-Za-z0-9]{4,64}))?[ \t]*$/;
const LEGACY_SECTION = /^### infralens:section (\S+)\s*$/;
const LEGACY_END = /^### infralens:end (\S+)(?: (?:rc=(\d+)|(missing)))?\s*$/;
/** Anything that looks like a marker (with or without a token), to count the ones that do not count. */
const ANY_MARKER = /^### infralens:(?:section|end)\b/;

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
  /** the bundle's marker token; null for a bundle of the first collector (v1). */
  token: string | null;
  /** remarks about the bundle itself (no token, marker-like lines read as output). */
  notes: string[];
}

export function isBundle(text: string): boolean {
  return text.startsWith(BUNDLE_MAGIC) || /^### infralens:section \S+/m.test(text.slice(0, 4096));
}

/** The token stated on the first line, or null. */
function tokenOf(text: string): string | null {
  const nl = text.indexOf('\n');
  const first = (nl < 0 ? text : text.slice(0, nl)).replace(/\r$/, '');
  return MAGIC_LINE.exec(first)?.[2] ?? null;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function splitBundle(text: string): Bundle {
  const token = tokenOf(text);
  const t = token === null ? null : escapeRe(token);
  const SECTION =
    t === null ? LEGACY_SECTION : new RegExp(`^### infralens:section (\\S+) token=${t}[ \\t]*$`);
  const END =
    t === null
      ? LEGACY_END
      : new RegExp(`^### infralens:end (\\S+) token=${t}(?: (?:rc=(\\d+)|(missing)))?[ \\t]*$`);
  const sections: BundleSection[] = [];
  const notes: string[] = [];
  let forged = 0;
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
      current = { name: stripControl(s[1]!), body: [], stderr: [] };
      continue;
    }
    const e = END.exec(line);
    if (e && current && stripControl(e[1]!) === current.name) {
      close(e[2] === undefined ? null : Number(e[2]), e[3] === 'missing');
      continue;
    }
    if (token !== null && ANY_MARKER.test(line)) forged++;
    if (current) current.body.push(line);
    else if (last && line.startsWith('#! ')) {
      const l: BundleSection = last;
      l.stderr = l.stderr ? `${l.stderr}\n${line.slice(3)}` : line.slice(3);
    }
  }
  close(null, false);
  if (sections.length === 0) throw new InputError('INPUT_MALFORMED', 'InfraLens bundle without any section');
  if (token === null)
    notes.push(
      'bundle without a marker token (written by an older collector): a command output holding a line like "### infralens:section …" could pass for a section; collect again with the current `infralens collect-script`',
    );
  if (forged > 0)
    notes.push(
      `${forged} line(s) that look like section markers but lack this bundle's token were read as command output, not as sections`,
    );
  const meta: Record<string, string> = {};
  for (const sec of sections.filter((x) => x.name === 'meta')) {
    for (const l of lines(sec.body)) {
      const eq = l.indexOf('=');
      if (eq > 0) meta[l.slice(0, eq).trim()] = stripControl(l.slice(eq + 1).trim());
    }
  }
  return { meta, sections: sections.filter((x) => x.name !== 'meta'), token, notes };
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
