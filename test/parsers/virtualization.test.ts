/**
 * The signals that a host is a VM or cloud instance, carried into the snapshot: nvidia-smi's
 * "Virtualization Mode" (`-q`) / `<virtualization_mode>` (`-q -x`) per GPU, and lscpu's "Hypervisor
 * vendor" for the host. Real outputs first; null when the input does not carry them; merged like the
 * other fields; snapshots written before the fields existed still read (as null).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Snapshot } from '../../scoring/snapshot.ts';
import { ingest } from '../../tools/ingest/index.ts';
import { lscpuParser } from '../../tools/parsers/lscpu.ts';
import { nvidiaSmiQParser } from '../../tools/parsers/nvidia-smi-q.ts';
import { nvidiaSmiXmlParser } from '../../tools/parsers/nvidia-smi-xml.ts';

const real = (rel: string) => readFileSync(new URL(`../../samples/real/${rel}`, import.meta.url), 'utf8');
const Q_L40S = 'smi-xml/q-text-l40s-1x-drv550.127.05-full.txt';
const XML_L4 = 'smi-xml/l4-2x-drv555.42.06-with-processes.xml';
const XML_A100 = 'smi-xml/a100-sxm4-80gb-mig-4x1g.20gb-drv535-gpu0-only-telegraf.xml';
const Q_ECC = 'smi-xml/q-text-h100class-8gpu-d-ECC-ROW_REMAPPER-pending-remap-unknown-error-EDITED.txt';
const LSCPU_AWS = 'numa/lscpu-aws-p5en-xeon8488c-2socket-kvm-8xh200.txt';
const LSCPU_EPYC = 'numa/lscpu-epyc7742-2socket-nps4-8numa-8xa100.txt';

describe('nvidia-smi -q: GPU Virtualization Mode > Virtualization Mode', () => {
  it('real L40S (driver 550): None', () => {
    expect(nvidiaSmiQParser.parse(real(Q_L40S)).gpus?.map((g) => g.virtualizationMode)).toEqual(['None']);
  });

  it('the values nvidia-smi prints are kept as printed; N/A is unknown', () => {
    for (const [v, want] of [
      ['Pass-Through', 'Pass-Through'],
      ['VGPU', 'VGPU'],
      ['Host VGPU', 'Host VGPU'],
      ['N/A', null],
    ] as const) {
      const text = real(Q_L40S).replace(
        'Virtualization Mode               : None',
        `Virtualization Mode               : ${v}`,
      );
      expect(nvidiaSmiQParser.parse(text).gpus?.[0]?.virtualizationMode, v).toBe(want);
    }
  });

  it('a partial -q (-d ECC,ROW_REMAPPER) does not say: the field is left out of the fragment', () => {
    for (const g of nvidiaSmiQParser.parse(real(Q_ECC)).gpus ?? [])
      expect(g).not.toHaveProperty('virtualizationMode');
  });
});

describe('nvidia-smi -q -x: <gpu_virtualization_mode><virtualization_mode>', () => {
  it('real 2× L4 (driver 555) and A100 (driver 535): None on every GPU', () => {
    expect(nvidiaSmiXmlParser.parse(real(XML_L4)).gpus?.map((g) => g.virtualizationMode)).toEqual([
      'None',
      'None',
    ]);
    expect(nvidiaSmiXmlParser.parse(real(XML_A100)).gpus?.map((g) => g.virtualizationMode)).toEqual(['None']);
  });

  it('Pass-Through as printed', () => {
    const text = real(XML_L4).replace(
      '<virtualization_mode>None</virtualization_mode>',
      '<virtualization_mode>Pass-Through</virtualization_mode>',
    );
    expect(nvidiaSmiXmlParser.parse(text).gpus?.map((g) => g.virtualizationMode)).toEqual([
      'Pass-Through',
      'None',
    ]);
  });
});

describe('lscpu: Hypervisor vendor', () => {
  it('real AWS p5en instance (util-linux layout, indented under "Virtualization features"): KVM', () => {
    expect(lscpuParser.parse(real(LSCPU_AWS)).cpu?.hypervisor).toBe('KVM');
  });

  it('real bare-metal EPYC 7742: no such line, the field is left out', () => {
    expect(lscpuParser.parse(real(LSCPU_EPYC)).cpu).not.toHaveProperty('hypervisor');
  });

  it('the classic flat layout and lscpu -J', () => {
    const flat = [
      'Architecture:        x86_64',
      'CPU(s):              8',
      'Hypervisor vendor:   Microsoft',
    ].join('\n');
    expect(lscpuParser.parse(flat).cpu?.hypervisor).toBe('Microsoft');
    const json = JSON.stringify({
      lscpu: [
        { field: 'Architecture:', data: 'x86_64' },
        { field: 'CPU(s):', data: '8' },
        {
          field: 'Virtualization features:',
          data: null,
          children: [{ field: 'Hypervisor vendor:', data: 'VMware' }],
        },
      ],
    });
    expect(lscpuParser.parse(json).cpu?.hypervisor).toBe('VMware');
  });
});

describe('the snapshot', () => {
  it('merged: the GPU value from -q -x, the hypervisor from lscpu; null where no input says', () => {
    const { snapshot } = ingest([
      { name: 'q.xml', content: real(XML_L4) },
      { name: 'lscpu.txt', content: real(LSCPU_AWS) },
    ]);
    expect(snapshot.gpus.map((g) => g.virtualizationMode)).toEqual(['None', 'None']);
    expect(snapshot.cpu.hypervisor).toBe('KVM');
    const bare = ingest([{ name: 'lscpu.txt', content: real(LSCPU_EPYC) }]).snapshot;
    expect(bare.cpu.hypervisor).toBeNull();
    const csv = ingest([
      { name: 'q.csv', content: 'index, name, pci.bus_id\n0, NVIDIA L4, 00000000:01:00.0\n' },
    ]).snapshot;
    expect(csv.gpus[0]!.virtualizationMode).toBeNull();
  });

  it('two inputs that disagree: a static conflict, the more authoritative kept', () => {
    const xml = real(XML_L4).replace(
      '<virtualization_mode>None</virtualization_mode>',
      '<virtualization_mode>Pass-Through</virtualization_mode>',
    );
    const q = real(Q_L40S);
    // the same GPU (the L4's bus id and uuid) as -q says it
    const { snapshot } = ingest([{ name: 'q.xml', content: xml }]);
    const g0 = snapshot.gpus[0]!;
    const qText = q
      .replace(
        /GPU 00000000:[0-9A-F]{2}:00\.0/,
        `GPU ${g0.busId!.replace(/^0000/, '00000000').toUpperCase()}`,
      )
      .replace(/GPU UUID\s+: \S+/, `GPU UUID                              : ${g0.uuid}`)
      .replace(
        /Bus Id\s+: \S+/,
        `Bus Id                            : ${g0.busId!.replace(/^0000/, '00000000').toUpperCase()}`,
      );
    const both = ingest([
      { name: 'q.xml', content: xml },
      { name: 'q.txt', content: qText },
    ]).snapshot;
    const c = both.conflicts.find((x) => x.field === 'virtualizationMode');
    expect(c).toMatchObject({ kind: 'static', kept: 'Pass-Through' });
    expect(both.gpus.find((g) => g.uuid === g0.uuid)?.virtualizationMode).toBe('Pass-Through');
  });

  it('a snapshot written before the fields existed reads, with both null', () => {
    const { snapshot } = ingest([{ name: 'q.xml', content: real(XML_L4) }]);
    const old = JSON.parse(JSON.stringify(snapshot));
    for (const g of old.gpus) delete g.virtualizationMode;
    delete old.cpu.hypervisor;
    const read = Snapshot.parse(old);
    expect(read.gpus.map((g) => g.virtualizationMode)).toEqual([null, null]);
    expect(read.cpu.hypervisor).toBeNull();
  });
});
