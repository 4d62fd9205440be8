/**
 * Proxmox VE PCI resource mappings, `/etc/pve/mapping/pci.cfg` (PVE ≥ 8.0): a section per mapping id
 * at column 0, then indented properties, one `map` line per cluster node:
 *
 *   gpu-a100
 *   	map id=10de:20b5,iommugroup=23,node=pve1,path=0000:17:00.0,subsystem-id=10de:1533
 *   	map id=10de:20b5,iommugroup=23,node=pve2,path=0000:17:00.0;0000:17:00.1
 *   	description A100 for training VMs
 *   	mdev 1
 *
 * → fragment.pciMappings { 'gpu-a100': ['0000:17:00.0', …] }; a VM's `hostpciN: mapping=gpu-a100`
 * is resolved through it by the merge.
 */
import { InputError } from '../errors.ts';
import type { Fragment } from '../ingest/fragment.ts';
import { capWarnings, head, lines, normalizeBusId } from './text.ts';
import type { Parser } from './types.ts';

/** Proxmox mapping ids (`pve-configid`): a letter, then letters, digits, `-`, `_`, `.`. */
const ID_LINE = /^(?:pci:[ \t]*)?([A-Za-z][A-Za-z0-9_.-]*)$/;
const PROP_LINE = /^[ \t]+([A-Za-z][A-Za-z0-9_-]*)(?:[ \t]+(.*))?$/;
const MAP_SIGNATURE = /^[ \t]+map[ \t]+(?:[^\n]*,)?(?:path|node|id)=[^\n]*\bpath=/m;

interface Section {
  id: string;
  paths: string[];
  nodes: Set<string>;
}

export const proxmoxPciMappingParser: Parser = {
  id: 'proxmox-pci-mapping',
  title: 'Proxmox PCI mappings (/etc/pve/mapping/pci.cfg)',

  detect(text: string): number {
    try {
      const h = head(text);
      if (!MAP_SIGNATURE.test(h)) return 0;
      // the section header: an id alone on a line at column 0
      return /^[A-Za-z][A-Za-z0-9_.-]*[ \t]*$/m.test(h) ? 0.95 : 0.9;
    } catch {
      return 0;
    }
  },

  parse(text: string): Fragment {
    if (text.trim() === '') throw new InputError('INPUT_EMPTY', 'Proxmox PCI mapping file is empty');
    if (text.includes('\u0000')) {
      throw new InputError('INPUT_BINARY', 'Proxmox PCI mapping file contains binary data');
    }

    const warnings: string[] = [];
    const sections: Section[] = [];
    const byId = new Map<string, Section>();
    let current: Section | null = null;
    let orphan = 0;
    let unrecognised = 0;

    for (const raw of lines(text)) {
      const line = raw.trimEnd();
      if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
      const idm = ID_LINE.exec(line);
      if (idm) {
        const id = idm[1]!;
        const existing = byId.get(id);
        if (existing) {
          warnings.push(`mapping ${id} defined twice: entries merged`);
          current = existing;
        } else {
          current = { id, paths: [], nodes: new Set() };
          sections.push(current);
          byId.set(id, current);
        }
        continue;
      }
      const pm = PROP_LINE.exec(line);
      if (!pm) {
        unrecognised++;
        current = null;
        continue;
      }
      if (current === null) {
        orphan++;
        continue;
      }
      if (pm[1]!.toLowerCase() !== 'map') continue; // description, mdev, live-migration-capable
      const props = new Map<string, string>();
      for (const token of (pm[2] ?? '').split(',')) {
        const eq = token.indexOf('=');
        if (eq > 0) props.set(token.slice(0, eq).trim().toLowerCase(), token.slice(eq + 1).trim());
      }
      const node = props.get('node');
      if (node) current.nodes.add(node);
      const path = props.get('path');
      if (!path) {
        warnings.push(`mapping ${current.id}: a map entry has no path= (${(pm[2] ?? '').slice(0, 80)})`);
        continue;
      }
      for (const p of path.split(';')) {
        if (p.trim() === '') continue;
        const busId = normalizeBusId(p);
        if (busId === null) {
          warnings.push(`mapping ${current.id}: "${p.trim().slice(0, 40)}" is not a PCI address`);
          continue;
        }
        if (!current.paths.includes(busId)) current.paths.push(busId);
      }
    }

    if (sections.length === 0) {
      throw new InputError(
        'INPUT_MALFORMED',
        'not a Proxmox PCI mapping file: no mapping id line followed by indented `map …,path=…` lines',
      );
    }
    if (orphan > 0) warnings.push(`${orphan} indented line(s) before any mapping id skipped`);
    if (unrecognised > 0) warnings.push(`${unrecognised} unrecognised line(s) skipped`);

    const pciMappings: Record<string, string[]> = {};
    for (const s of sections) {
      if (s.paths.length === 0) {
        warnings.push(`mapping ${s.id} has no usable path: left out`);
        continue;
      }
      if (s.nodes.size > 1) {
        warnings.push(
          `mapping ${s.id} has entries for nodes ${[...s.nodes].join(', ')}: the paths of all nodes are kept (a bundle describes one host)`,
        );
      }
      pciMappings[s.id] = s.paths;
    }
    if (Object.keys(pciMappings).length === 0) {
      throw new InputError('INPUT_MALFORMED', 'Proxmox PCI mapping file has no `map` entry with a PCI path');
    }
    const fragment: Fragment = { format: 'proxmox-pci-mapping', pciMappings };
    if (warnings.length > 0) fragment.warnings = capWarnings(warnings);
    return fragment;
  },
};
