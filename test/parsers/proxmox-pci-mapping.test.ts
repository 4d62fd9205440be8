/**
 * No real pci.cfg was found; these samples follow the Proxmox syntax (a mapping id at column 0,
 * tab-indented `map` properties as written by `pvesh create /cluster/mapping/pci --id … --map …`).
 */
import { describe, expect, it } from 'vitest';
import { proxmoxPciMappingParser as parser } from '../../tools/parsers/proxmox-pci-mapping.ts';
import { describeDetectIsolation, describeRobustness } from '../helpers/fixtures.ts';

const SINGLE_NODE = [
  'gpu-a100',
  '\tmap id=10de:20b5,iommugroup=23,node=pve1,path=0000:17:00.0,subsystem-id=10de:1533',
  '\tdescription A100 80GB for training VMs',
  '',
  'gpu-l40s-vgpu',
  '\tmap id=10de:26b9,iommugroup=41,node=pve1,path=0000:ca:00.4;0000:ca:00.5,subsystem-id=10de:1851',
  '\tmdev 1',
  '',
  'rtx-4090',
  '\tmap id=10de:2684,iommugroup=14,node=pve1,path=0000:43:00,subsystem-id=1043:889d',
  '',
].join('\n');

const MULTI_NODE = [
  '# cluster-wide mapping, two nodes',
  'gpu-h100',
  '\tmap id=10de:2330,iommugroup=52,node=pve1,path=0000:1b:00.0,subsystem-id=10de:16c1',
  '\tmap id=10de:2330,iommugroup=60,node=pve2,path=0000:3d:00.0,subsystem-id=10de:16c1',
  '\tdescription H100 SXM',
  '',
].join('\r\n');

describeDetectIsolation(parser, { minOthers: 50 });

describe('proxmox-pci-mapping detect', () => {
  it('recognises pci.cfg', () => {
    expect(parser.detect(SINGLE_NODE)).toBeGreaterThanOrEqual(0.9);
    expect(parser.detect(MULTI_NODE)).toBeGreaterThanOrEqual(0.9);
  });

  it('does not take a VM config or a workloads file', () => {
    expect(parser.detect('hostpci0: mapping=gpu-a,pcie=1\nname: a\n')).toBe(0);
    expect(parser.detect('workloads:\n  - name: map\n')).toBe(0);
  });
});

describe('proxmox-pci-mapping: parse', () => {
  it('reads one node with a multi-function path and an id without function', () => {
    const f = parser.parse(SINGLE_NODE);
    expect(f.format).toBe('proxmox-pci-mapping');
    expect(f.pciMappings).toEqual({
      'gpu-a100': ['0000:17:00.0'],
      'gpu-l40s-vgpu': ['0000:ca:00.4', '0000:ca:00.5'],
      'rtx-4090': ['0000:43:00.0'],
    });
    expect(f.warnings).toBeUndefined();
  });

  it('keeps the paths of every node and warns', () => {
    const f = parser.parse(MULTI_NODE);
    expect(f.pciMappings).toEqual({ 'gpu-h100': ['0000:1b:00.0', '0000:3d:00.0'] });
    expect(f.warnings).toEqual([expect.stringMatching(/gpu-h100 has entries for nodes pve1, pve2/)]);
  });

  it('tolerates trailing spaces, space indentation and property order', () => {
    const f = parser.parse('gpu0   \n    map node=pve,path=0000:01:00.0,id=10de:1eb8,iommugroup=12   \n');
    expect(f.pciMappings).toEqual({ gpu0: ['0000:01:00.0'] });
  });

  it('leaves out mappings without a usable path, with warnings', () => {
    const f = parser.parse(
      'ok\n\tmap id=10de:1,node=a,path=0000:01:00.0\nbroken\n\tmap id=10de:2,node=a\nbad\n\tmap path=zz\n',
    );
    expect(f.pciMappings).toEqual({ ok: ['0000:01:00.0'] });
    expect(f.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/broken: a map entry has no path=/),
        expect.stringMatching(/"zz" is not a PCI address/),
        expect.stringMatching(/mapping broken has no usable path/),
        expect.stringMatching(/mapping bad has no usable path/),
      ]),
    );
  });

  it('throws when there is nothing usable', () => {
    expect(() => parser.parse('just some text\nmore text\n')).toThrow(/not a Proxmox PCI mapping file/);
    expect(() => parser.parse('gpu\n\tdescription nothing mapped\n')).toThrow(/no `map` entry/);
  });
});

describeRobustness(parser, {
  foreign: ['proxmox/lspci-Dnn-hgx-h100-host-4nvswitch-8gpu.txt'],
  truncated: SINGLE_NODE,
  noise: { alphabet: 'map path=0:1.;,\n\tabc', seed: 3 },
  odd: {
    'an empty path': 'gpu\n\tmap path=',
    'a map line without a mapping id': '\tmap id=1,path=0000:01:00.0\n',
  },
});
