/**
 * Proxmox VE VM configuration: `/etc/pve/qemu-server/<vmid>.conf` or `qm config <vmid>` (same grammar),
 * also an excerpt such as `qm config 101 | grep hostpci`.
 *
 *   name: train-01
 *   hostpci0: 0000:17:00,pcie=1
 *   hostpci1: mapping=gpu-a,pcie=1
 *   affinity: 0-15
 *   numa0: cpus=0-7,hostnodes=0,memory=65536,policy=bind
 *
 * `#` lines are the VM description; the current configuration ends at the first `[section]`
 * (`[snapshot-name]`, `[PENDING]`, `[special:cloudinit]`). One WorkloadSpec per file.
 *
 * The VM id (the config itself does not hold it), first found of:
 * 1. the caller's `hint.vmid` (the CLI's `--vmid`);
 * 2. the content: a pasted prompt line (`root@pve:~# qm config 102`, `cat /etc/pve/qemu-server/102.conf`)
 *    or a `# VMID 102` comment;
 * 3. the file or section name: `102.conf`, `qemu-server/102.conf`, `qemu-server-102.conf`,
 *    `qm-config-102.txt`, `vm102.conf`, `vm-102.txt`, `102.txt` (see vmidFromName).
 * Without one, `vm.vmid` stays null and a warning says how to give it. Ids are 100–999999999 (Proxmox).
 *
 * The VM name is copied into commands and reports: a `name:` that is not a Proxmox DNS name (labels of
 * letters, digits and `-`, 1–63 characters, joined by `.`) is replaced by `vm-<id>`, with a warning.
 */
import type { HostPci, ProxmoxVm, WorkloadKind } from '../../scoring/snapshot.ts';
import { InputError } from '../errors.ts';
import type { Fragment, WorkloadSpec } from '../ingest/fragment.ts';
import { capWarnings, head, int, lines, normalizeBusId, num, parseCpuList } from './text.ts';
import type { ParseHint, Parser } from './types.ts';

const KEY_LINE = /^([A-Za-z][A-Za-z0-9_-]*):[ \t]*(.*)$/;

/** Keys that only a Proxmox VM config has (at line start). */
const SIGNATURE = /^(?:hostpci\d+|scsihw|vmgenid|boot|ostype|smbios1|efidisk0|tpmstate0|bootdisk):[ \t]*\S/m;

/** Keys of a qemu-server config we recognise as such (any of them makes the file plausible). */
const KNOWN_KEY =
  /^(?:hostpci\d+|scsihw|vmgenid|boot|bootdisk|ostype|smbios1|efidisk0|tpmstate0|name|cores|sockets|vcpus|memory|balloon|machine|bios|cpu|cpulimit|cpuunits|affinity|numa\d*|net\d+|scsi\d+|ide\d+|sata\d+|virtio\d+|usb\d+|serial\d+|agent|args|hugepages|meta|onboot|tags|vga|digest|parent|description|hotplug|kvm|acpi|localtime|protection|startup|lock|template|hookscript|rng0|audio0|ipconfig\d+|ciuser|cipassword|citype|sshkeys|nameserver|searchdomain|keyboard|tablet|watchdog|unused\d+)$/;

/** Keys of an LXC container config (/etc/pve/lxc/<id>.conf): not a VM. */
const LXC_KEY = /^(?:rootfs|arch|hostname|mp\d+|lxc\.[a-z0-9_.]+|unprivileged|features|swap):/m;

function parseBool(v: string | undefined): boolean | null {
  if (v === undefined) return null;
  const t = v.trim().toLowerCase();
  if (t === '1' || t === 'on' || t === 'yes' || t === 'true') return true;
  if (t === '0' || t === 'off' || t === 'no' || t === 'false') return false;
  return null;
}

/** Split a Proxmox property string `a,b=c,d=e` into the default value (first token without `=`) and keys. */
function propertyString(value: string): { first: string | null; props: Map<string, string> } {
  const props = new Map<string, string>();
  let first: string | null = null;
  value.split(',').forEach((token, i) => {
    const t = token.trim();
    if (t === '') return;
    const eq = t.indexOf('=');
    if (eq < 0) {
      if (i === 0) first = t;
      else props.set(t, '');
      return;
    }
    const k = t.slice(0, eq).trim().toLowerCase();
    if (!props.has(k)) props.set(k, t.slice(eq + 1).trim());
  });
  return { first, props };
}

function parseHostPci(slot: string, value: string, warnings: string[]): HostPci[] {
  const { first, props } = propertyString(value);
  const hostText = props.get('host') ?? first;
  const mapping = props.get('mapping') || null;
  const mdev = props.get('mdev') || null;
  const pcie = parseBool(props.get('pcie'));
  const entry = (busId: string | null): HostPci => ({ slot, busId, mapping, mdev, pcie, raw: value });
  const ids = (hostText ?? '')
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (ids.length === 0) {
    if (mapping === null) warnings.push(`${slot}: no host PCI id and no mapping in "${value}"`);
    return [entry(null)];
  }
  return ids.map((id) => {
    const busId = normalizeBusId(id);
    if (busId === null) warnings.push(`${slot}: "${id}" is not a PCI address`);
    return entry(busId);
  });
}

function parseNuma(id: number, value: string): ProxmoxVm['numaNodes'][number] {
  const { props } = propertyString(value);
  const memory = props.get('memory');
  return {
    id,
    cpus: props.get('cpus') || null,
    hostnodes: props.get('hostnodes') || null,
    memoryMiB: memory === undefined ? null : num(memory),
    policy: props.get('policy') || null,
  };
}

/** `memory: 8192` or (PVE ≥ 8.1) `memory: current=8192`. */
function parseMemory(value: string): number | null {
  const { first, props } = propertyString(value);
  return num(props.get('current') ?? first);
}

/** `machine: pc-q35-8.0` or `machine: type=q35,viommu=virtio` → the machine type. */
function parseMachine(value: string): string | null {
  const { first, props } = propertyString(value);
  return props.get('type') || first || null;
}

/** The VMID range Proxmox accepts. */
const VMID_MIN = 100;
const VMID_MAX = 999_999_999;

function vmidOf(text: string | undefined): number | null {
  if (text === undefined || !/^\d{3,9}$/.test(text)) return null;
  const v = Number(text);
  return v >= VMID_MIN && v <= VMID_MAX ? v : null;
}

/**
 * VMID from a file or section name: `101.conf`, `…/qemu-server/101.conf`, `pve-qemu-server/101.conf`,
 * `qemu-server-101.conf`, `qm-config-101.txt` (also with words after the id), `vm101.conf`,
 * `vm-101.txt`, `101.txt`. Only called for files whose content is a VM config.
 */
export function vmidFromName(name: string | undefined): number | null {
  if (!name) return null;
  const base = name.split(/[/\\]/).pop() ?? name;
  const patterns = [
    /^(\d+)\.(?:conf|txt|cfg)$/i,
    /(?:^|[\s_-])(\d+)\.conf(?![A-Za-z0-9])/i,
    /(?:^|[^A-Za-z0-9])(?:qemu[-_]server|qm[-_]config|qm|vm|vmid)[-_]?(\d+)(?![0-9])/i,
  ];
  for (const re of patterns) {
    const m = re.exec(base);
    const v = vmidOf(m?.[1]);
    if (v !== null) return v;
  }
  return null;
}

/**
 * VMID stated in the content: a pasted prompt line with the command that printed it
 * (`root@pve:~# qm config 102`, `$ qm config 102 --current`, `cat /etc/pve/qemu-server/102.conf`), or a
 * `# VMID 102` / `# vmid: 102` comment. Only lines that are not config keys are looked at.
 */
export function vmidFromContent(lines: readonly string[]): number | null {
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '') continue;
    const cmd = /(?:^|[\s#$>])(?:sudo\s+)?qm\s+(?:config|showcmd|pending)\s+(\d+)(?!\S)/.exec(line);
    if (cmd && !KEY_LINE.test(line)) return vmidOf(cmd[1]);
    const cat = /(?:^|[\s#$>])(?:cat|less|more|grep\b.*?)\s+\S*qemu-server\/(\d+)\.conf\b/.exec(line);
    if (cat) return vmidOf(cat[1]);
    const comment = /^#\s*vmid\s*[:=]?\s*(\d+)\s*$/i.exec(line);
    if (comment) return vmidOf(comment[1]);
  }
  return null;
}

/**
 * A Proxmox VM name (`pve-dns-name`): labels of letters, digits and `-` (not at either end), 1–63
 * characters each, joined by `.`.
 */
export const VM_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

const TRAIN_WORDS = new Set(['train', 'training']);
const INFER_WORDS = new Set(['infer', 'inference', 'serving']);

function kindOf(tags: string[], name: string | null, warnings: string[]): WorkloadKind {
  const fromWords = (words: string[], inferWords: Set<string>): WorkloadKind | 'both' | null => {
    const t = words.some((w) => TRAIN_WORDS.has(w));
    const i = words.some((w) => inferWords.has(w));
    return t && i ? 'both' : t ? 'training' : i ? 'inference' : null;
  };
  const byTag = fromWords(
    tags.map((t) => t.toLowerCase()),
    INFER_WORDS,
  );
  if (byTag === 'both') {
    warnings.push(`tags name both training and inference (${tags.join(';')}): kind set to other`);
    return 'other';
  }
  if (byTag !== null) return byTag;
  if (name !== null) {
    // conservative: only the explicit words train/training and infer/inference in the VM name
    const byName = fromWords(name.toLowerCase().split(/[^a-z0-9]+/), new Set(['infer', 'inference']));
    if (byName === 'training' || byName === 'inference') return byName;
  }
  return 'other';
}

/** The VM id to use: the caller's, else the content's, else the name's; disagreements are reported. */
function chooseVmid(
  hint: ParseHint | undefined,
  fromContent: number | null,
  fromName: number | null,
  warnings: string[],
): number | null {
  let given: number | null = null;
  if (hint?.vmid !== undefined) {
    given = Number.isInteger(hint.vmid) && hint.vmid >= VMID_MIN && hint.vmid <= VMID_MAX ? hint.vmid : null;
    if (given === null)
      warnings.push(
        `the VM id given (${hint.vmid}) is not a Proxmox VM id (${VMID_MIN}–${VMID_MAX}): ignored`,
      );
  }
  const found = fromContent ?? fromName;
  const chosen = given ?? found;
  const others: [string, number | null][] = [
    ['the content', fromContent],
    ['the file name', fromName],
  ];
  for (const [where, v] of others)
    if (v !== null && chosen !== null && v !== chosen)
      warnings.push(
        `${where} says VM ${v}, but VM ${chosen} is used (${given !== null ? 'the id given' : 'the content'} wins)`,
      );
  if (chosen === null) warnings.push('VM config without a VM id: name the file 102.conf or pass --vmid 102');
  return chosen;
}

export const proxmoxVmParser: Parser = {
  id: 'proxmox-vm',
  title: 'Proxmox VM config (/etc/pve/qemu-server/<vmid>.conf, qm config)',

  detect(text: string): number {
    try {
      const h = head(text);
      if (!SIGNATURE.test(h)) return 0;
      let keyLines = 0;
      let other = 0;
      for (const raw of lines(h)) {
        const line = raw.trimEnd();
        if (line === '' || line.startsWith('#')) continue;
        if (line.startsWith('[')) break;
        if (KEY_LINE.test(line)) keyLines++;
        else other++;
      }
      const share = keyLines / Math.max(1, keyLines + other);
      // an LXC config has ostype: too, but no hostpci/vmgenid/scsihw
      if (LXC_KEY.test(h) && !/^(?:hostpci\d+|vmgenid|scsihw):/m.test(h)) return 0.3;
      if (share >= 0.8) return 0.95;
      if (share >= 0.5) return 0.6;
      return 0.2;
    } catch {
      return 0;
    }
  },

  parse(text: string, hint?: ParseHint): Fragment {
    if (text.trim() === '') throw new InputError('INPUT_EMPTY', 'Proxmox VM config is empty');
    if (text.includes('\u0000'))
      throw new InputError('INPUT_BINARY', 'Proxmox VM config contains binary data');

    const warnings: string[] = [];
    const entries = new Map<string, string>();
    const order: string[] = [];
    let known = 0;
    let unrecognised = 0;
    let firstUnrecognised: string | null = null;
    /** lines that are not config keys: prompt lines and comments that may name the VM id. */
    const other: string[] = [];
    for (const raw of lines(text)) {
      const line = raw.trim();
      if (line === '') continue;
      if (line.startsWith('#')) {
        if (other.length < 50) other.push(line);
        continue;
      }
      if (line.startsWith('[')) {
        if (/^\[PENDING\]/i.test(line))
          warnings.push('pending changes ([PENDING]) ignored: only the current config is read');
        break;
      }
      const m = KEY_LINE.exec(line);
      if (!m) {
        if (other.length < 50) other.push(line);
        if (vmidFromContent([line]) !== null) continue; // the prompt line of a paste, not config
        unrecognised++;
        firstUnrecognised ??= line.slice(0, 60);
        continue;
      }
      const key = m[1]!.toLowerCase();
      if (KNOWN_KEY.test(key)) known++;
      if (!entries.has(key)) order.push(key);
      // Proxmox itself keeps the last occurrence of a key
      entries.set(key, m[2]!.trim());
    }
    if (known === 0) {
      throw new InputError(
        'INPUT_MALFORMED',
        'not a Proxmox VM config: no qemu-server keys such as `hostpci0:`, `cores:` or `memory:`',
      );
    }
    if (unrecognised > 0) {
      warnings.push(
        `${unrecognised} line(s) that are not \`key: value\` skipped (first: "${firstUnrecognised}")`,
      );
    }

    const hostpci: HostPci[] = [];
    const numaNodes: ProxmoxVm['numaNodes'] = [];
    const slots = order
      .filter((k) => /^hostpci\d+$/.test(k))
      .sort((a, b) => Number(a.slice(7)) - Number(b.slice(7)));
    for (const slot of slots) hostpci.push(...parseHostPci(slot, entries.get(slot)!, warnings));
    const numaKeys = order
      .filter((k) => /^numa\d+$/.test(k))
      .sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
    for (const k of numaKeys) numaNodes.push(parseNuma(Number(k.slice(4)), entries.get(k)!));

    const affinity = entries.get('affinity') || null;
    let cpus: number[] | null = null;
    if (affinity !== null) {
      cpus = parseCpuList(affinity);
      if (cpus === null) warnings.push(`affinity "${affinity}" is not a CPU list: CPU pinning unknown`);
    }
    const tagsText = entries.get('tags') ?? '';
    const tags = tagsText.split(/[;,\s]+/).filter((t) => t !== '');
    const memory = entries.get('memory');
    const machine = entries.get('machine');
    const vmid = chooseVmid(hint, vmidFromContent(other), vmidFromName(hint?.name), warnings);
    const vm: ProxmoxVm = {
      vmid,
      hostpci,
      affinity,
      numa: parseBool(entries.get('numa')),
      numaNodes,
      cores: int(entries.get('cores')),
      sockets: int(entries.get('sockets')),
      memoryMiB: memory === undefined ? null : parseMemory(memory),
      machine: machine === undefined ? null : parseMachine(machine),
      tags,
    };

    let vmName = entries.get('name') || null;
    if (vmName !== null && !VM_NAME.test(vmName)) {
      const shown = JSON.stringify(vmName.length > 80 ? `${vmName.slice(0, 80)}…` : vmName);
      warnings.push(
        `name ${shown} is not a valid Proxmox VM name (letters, digits, "-" and ".", up to 63 characters per label): the VM is called ${vmid !== null ? `vm-${vmid}` : 'vm-unknown'} instead`,
      );
      vmName = null;
    }
    let name = vmName ?? (vmid !== null ? `vm-${vmid}` : null);
    if (name === null) {
      name = 'vm-unknown';
      warnings.push('no `name:` in the config and no VM id: workload named vm-unknown');
    }
    if (hostpci.length === 0) warnings.push(`VM ${name} has no hostpci entries: no GPU passed through`);
    if (hostpci.some((h) => h.pcie === true) && vm.machine !== null && !/q35/i.test(vm.machine)) {
      warnings.push(`VM ${name}: hostpci with pcie=1 needs machine q35 (machine is ${vm.machine})`);
    }

    // GPU references: bus ids (a further function of a device already listed, e.g. the GPU's audio
    // function 03:00.1 next to 03:00.0, is the same card) and mapping ids for the merge to resolve.
    const gpuRefs: string[] = [];
    const seen = new Set<string>();
    const devices = new Set(hostpci.flatMap((h) => (h.busId?.endsWith('.0') ? [h.busId.slice(0, -2)] : [])));
    for (const h of hostpci) {
      let ref: string | null = null;
      if (h.busId !== null) {
        const dev = h.busId.slice(0, -2);
        if (!h.busId.endsWith('.0') && devices.has(dev) && h.mdev === null) continue;
        ref = h.busId;
      } else if (h.mapping !== null) ref = `mapping:${h.mapping}`;
      if (ref !== null && !seen.has(ref)) {
        seen.add(ref);
        gpuRefs.push(ref);
      }
    }

    const workload: WorkloadSpec = {
      name,
      kind: kindOf(tags, vmName, warnings),
      gpuRefs,
      cpus,
      distributed: null,
      memoryGiB: null,
      vm,
    };
    const fragment: Fragment = { format: 'proxmox-vm', workloads: [workload] };
    if (warnings.length > 0) fragment.warnings = capWarnings(warnings);
    return fragment;
  },
};
