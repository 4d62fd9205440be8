import { describe, expect, it } from 'vitest';
import { clockReasonFromName, nvidiaSmiXmlParser } from '../../tools/parsers/nvidia-smi-xml.ts';
import {
  BYTE_ALPHABET,
  describeDetectIsolation,
  describeRobustness,
  inputError,
  lcg,
  noise,
  readReal,
} from '../helpers/fixtures.ts';

const fixture = (name: string) => readReal(`smi-xml/${name}`);

const L4 = fixture('l4-2x-drv555.42.06-with-processes.xml');
const A100 = fixture('a100-sxm4-80gb-mig-4x1g.20gb-drv535-gpu0-only-telegraf.xml');

const parseError = (text: string) => inputError(() => nvidiaSmiXmlParser.parse(text));

function gpuXml(inner: string, id = '00000000:3B:00.0'): string {
  return `<gpu id="${id}">${inner}</gpu>`;
}

function doc(attached: number, ...gpus: string[]): string {
  return `<?xml version="1.0" ?>\n<!DOCTYPE nvidia_smi_log SYSTEM "nvsmi_device_v10.dtd">\n<nvidia_smi_log>\n<driver_version>450.80.02</driver_version>\n<cuda_version>11.0</cuda_version>\n<attached_gpus>${attached}</attached_gpus>\n${gpus.join('\n')}\n</nvidia_smi_log>\n`;
}

describe('nvidia-smi -q -x: L4 x2 (driver 555, DTD v12)', () => {
  const f = nvidiaSmiXmlParser.parse(L4);
  const [g0, g1] = f.gpus ?? [];

  it('reads the header', () => {
    expect(f.format).toBe('nvidia-smi-xml');
    expect(f.driverVersion).toBe('555.42.06');
    expect(f.cudaVersion).toBe('12.5');
    expect(f.warnings).toBeUndefined();
  });

  it('reads both GPUs in index order', () => {
    expect(f.gpus).toHaveLength(2);
    expect(g0?.index).toBe(0);
    expect(g1?.index).toBe(1);
    expect(g0?.busId).toBe('0000:01:00.0');
    expect(g1?.busId).toBe('0000:c1:00.0');
    expect(g0?.name).toBe('NVIDIA L4');
    expect(g0?.uuid).toBe('GPU-c5533cd4-5a60-059e-348d-b6d7466932e4');
    expect(g1?.serial).toBe('1654523001128');
    expect(g0).not.toHaveProperty('family');
  });

  it('reads memory, utilisation, power, temperature, pstate', () => {
    expect(g0?.memory).toEqual({ totalMiB: 23034, usedMiB: 1 });
    expect(g0?.utilization).toEqual({ gpuPct: 2, memoryPct: 0 });
    expect(g0?.power).toEqual({ drawW: 27.22, limitW: 72 });
    expect(g0?.temperatureC).toBe(45);
    expect(g0?.pstate).toBe('P0');
  });

  it('reads the PCIe link: the second GPU runs at x1', () => {
    expect(g0?.pcie).toEqual({ genCurrent: 4, genMax: 4, widthCurrent: 16, widthMax: 16 });
    expect(g1?.pcie).toEqual({ genCurrent: 4, genMax: 4, widthCurrent: 1, widthMax: 16 });
  });

  it('reads clock event reasons, MIG (N/A → null, `None` → no devices) and ECC', () => {
    expect(g0?.clockEventReasons).toEqual(['gpu_idle']);
    expect(g0?.mig).toEqual({ mode: null, pendingMode: null, devices: [] });
    expect(g0?.ecc).toEqual({
      mode: 'enabled',
      correctedVolatile: 0,
      uncorrectedVolatile: 0,
      correctedAggregate: 0,
      uncorrectedAggregate: 0,
      retiredPagesPending: null,
      remappedRows: { correctable: 0, uncorrectable: 0, pending: false, failure: false },
    });
  });

  it('reads the 3 ffmpeg processes with their GPU', () => {
    expect(f.processes).toHaveLength(3);
    expect(f.processes?.map((p) => [p.pid, p.name, p.type, p.usedMemoryMiB, p.gpuBusId, p.gpuIndex])).toEqual(
      [
        [10131, 'ffmpeg', 'C', 389, '0000:01:00.0', 0],
        [13597, 'ffmpeg', 'C', 1054, '0000:01:00.0', 0],
        [16870, 'ffmpeg', 'C', 549, '0000:c1:00.0', 1],
      ],
    );
    expect(f.processes?.[2]?.gpuUuid).toBe('GPU-128ab6fb-6ec9-fd74-b479-4a5fd14f55bd');
  });

  it('gives the same result with CRLF line ends and tab indentation', () => {
    const crlf = L4.replace(/\n/g, '\r\n').replace(/ {4}/g, '\t');
    expect(nvidiaSmiXmlParser.parse(crlf)).toEqual(f);
  });
});

describe('nvidia-smi -q -x: A100 with MIG, 1 of 4 GPUs (driver 535)', () => {
  const f = nvidiaSmiXmlParser.parse(A100);
  const g = f.gpus?.[0];

  it('does not guess the index when GPUs are missing', () => {
    expect(f.gpus).toHaveLength(1);
    expect(g?.index).toBeNull();
    expect(g?.busId).toBe('0000:01:00.0');
    expect(f.warnings).toContain(
      '1 of 4 attached GPUs present (filtered with -i?): indexes unknown, GPUs matched by bus id',
    );
  });

  it('reads MIG mode and the 4 MIG devices', () => {
    expect(g?.mig?.mode).toBe('enabled');
    expect(g?.mig?.pendingMode).toBe('enabled');
    const devs = g?.mig?.devices ?? [];
    expect(devs).toHaveLength(4);
    expect(devs.map((d) => [d.device, d.gi, d.ci, d.smCount, d.memoryTotalMiB, d.memoryUsedMiB])).toEqual([
      [0, 3, 0, 14, 19968, 12],
      [1, 4, 0, 14, 19968, 12],
      [2, 5, 0, 14, 19968, 12],
      [3, 6, 0, 14, 19968, 12],
    ]);
    expect(devs[0]?.profile).toBeNull();
    expect(devs[0]?.placement).toBeNull();
  });

  it('keeps N/A as null, never 0', () => {
    expect(g?.utilization).toEqual({ gpuPct: null, memoryPct: null });
    expect(g?.ecc?.remappedRows).toEqual({
      correctable: null,
      uncorrectable: null,
      pending: null,
      failure: null,
    });
    expect(g?.memory).toEqual({ totalMiB: 81920, usedMiB: 50 });
    expect(g?.power).toEqual({ drawW: 67.03, limitW: 500 });
    expect(g?.clockEventReasons).toEqual([]);
    expect(f.processes).toEqual([]);
  });
});

describe('nvidia-smi -q -x: other DTD generations', () => {
  it('reads an old document (throttle reasons, power_readings, single/double bit ECC, compute_processes)', () => {
    const g = gpuXml(`
      <product_name>Tesla K20m</product_name>
      <uuid>GPU-215abf8a-9057-fd09-9b71-0efe081ca639</uuid>
      <pci><pci_bus_id>0000:0D:00.0</pci_bus_id>
        <pci_gpu_link_info><pcie_gen><max_link_gen>2</max_link_gen><current_link_gen>1</current_link_gen></pcie_gen>
        <link_widths><max_link_width>16x</max_link_width><current_link_width>8x</current_link_width></link_widths></pci_gpu_link_info>
      </pci>
      <performance_state>P0</performance_state>
      <clocks_throttle_reasons>
        <clocks_throttle_reason_gpu_idle>Not Active</clocks_throttle_reason_gpu_idle>
        <clocks_throttle_reason_applications_clocks_setting>Active</clocks_throttle_reason_applications_clocks_setting>
        <clocks_throttle_reason_sw_power_cap>Active</clocks_throttle_reason_sw_power_cap>
        <clocks_throttle_reason_hw_slowdown>N/A</clocks_throttle_reason_hw_slowdown>
        <clocks_throttle_reason_unknown>Active</clocks_throttle_reason_unknown>
      </clocks_throttle_reasons>
      <fb_memory_usage><total>4799 MiB</total><used>828 MiB</used><free>3971 MiB</free></fb_memory_usage>
      <utilization><gpu_util>04 %</gpu_util><memory_util>01 %</memory_util></utilization>
      <ecc_mode><current_ecc>Enabled</current_ecc><pending_ecc>Enabled</pending_ecc></ecc_mode>
      <ecc_errors>
        <volatile>
          <single_bit><device_memory>3</device_memory><register_file>N/A</register_file><total>3</total></single_bit>
          <double_bit><device_memory>1</device_memory><l2_cache>1</l2_cache><total>N/A</total></double_bit>
        </volatile>
        <aggregate>
          <single_bit><total>7</total></single_bit>
          <double_bit><total>0</total></double_bit>
        </aggregate>
      </ecc_errors>
      <retired_pages><pending_retirement>Yes</pending_retirement></retired_pages>
      <temperature><gpu_temp>32 C</gpu_temp></temperature>
      <power_readings>
        <power_draw>48.05 W</power_draw><power_limit>225.00 W</power_limit><enforced_power_limit>200.00 W</enforced_power_limit>
      </power_readings>
      <compute_processes>
        <process_info><pid>5495</pid><process_name>/opt/ansys/bin/ansys.e150</process_name><used_memory>98 MiB</used_memory></process_info>
      </compute_processes>`);
    const f = nvidiaSmiXmlParser.parse(
      doc(1, g).replace('<cuda_version>11.0</cuda_version>', '').replace('v10.dtd', 'v6.dtd'),
    );
    expect(f.cudaVersion).toBeUndefined();
    const gpu = f.gpus?.[0];
    expect(gpu?.index).toBe(0);
    expect(gpu?.busId).toBe('0000:0d:00.0');
    expect(gpu?.pcie).toEqual({ genCurrent: 1, genMax: 2, widthCurrent: 8, widthMax: 16 });
    expect(gpu?.clockEventReasons).toEqual(['applications_clocks_setting', 'sw_power_cap']);
    expect(gpu?.utilization).toEqual({ gpuPct: 4, memoryPct: 1 });
    expect(gpu?.power).toEqual({ drawW: 48.05, limitW: 200 });
    expect(gpu?.ecc).toEqual({
      mode: 'enabled',
      correctedVolatile: 3,
      uncorrectedVolatile: 2,
      correctedAggregate: 7,
      uncorrectedAggregate: 0,
      retiredPagesPending: true,
    });
    expect(gpu?.mig).toBeUndefined();
    expect(f.processes).toEqual([
      {
        pid: 5495,
        name: '/opt/ansys/bin/ansys.e150',
        type: 'C',
        usedMemoryMiB: 98,
        gi: null,
        ci: null,
        gpuBusId: '0000:0d:00.0',
        gpuUuid: 'GPU-215abf8a-9057-fd09-9b71-0efe081ca639',
        gpuIndex: 0,
      },
    ]);
  });

  it('reads a new document (average/instant power, sram/dram counters, MIG process ids, kmd_version)', () => {
    const g = gpuXml(`
      <product_name>NVIDIA H100 80GB HBM3</product_name>
      <uuid>GPU-1</uuid>
      <mig_mode><current_mig>Disabled</current_mig><pending_mig>Enabled</pending_mig></mig_mode>
      <mig_devices>None</mig_devices>
      <clocks_event_reasons>
        <clocks_event_reason_gpu_idle>Not Active</clocks_event_reason_gpu_idle>
        <clocks_event_reason_hw_slowdown>Active</clocks_event_reason_hw_slowdown>
        <clocks_event_reason_hw_thermal_slowdown>Active</clocks_event_reason_hw_thermal_slowdown>
        <clocks_event_reason_display_clocks_setting>Not Active</clocks_event_reason_display_clocks_setting>
      </clocks_event_reasons>
      <clocks_event_reasons_counters><clocks_event_reasons_counters_sw_power_cap>91403239 us</clocks_event_reasons_counters_sw_power_cap></clocks_event_reasons_counters>
      <ecc_errors>
        <volatile><sram_correctable>2</sram_correctable><sram_uncorrectable_parity>1</sram_uncorrectable_parity><sram_uncorrectable_secded>1</sram_uncorrectable_secded><dram_correctable>5</dram_correctable><dram_uncorrectable>0</dram_uncorrectable></volatile>
        <aggregate><sram_correctable>N/A</sram_correctable><dram_uncorrectable>N/A</dram_uncorrectable><sram_threshold_exceeded>No</sram_threshold_exceeded></aggregate>
      </ecc_errors>
      <gpu_power_readings><average_power_draw>11.15 W</average_power_draw><instant_power_draw>11.26 W</instant_power_draw><current_power_limit>700.00 W</current_power_limit></gpu_power_readings>
      <module_power_readings><average_power_draw>900 W</average_power_draw></module_power_readings>
      <processes>
        <process_info><gpu_instance_id>1</gpu_instance_id><compute_instance_id>0</compute_instance_id><pid>77</pid><type>C</type><process_name>python</process_name><used_memory>N/A</used_memory></process_info>
      </processes>`);
    const text = doc(1, g)
      .replace('<driver_version>450.80.02</driver_version>', '<kmd_version>580.65.06</kmd_version>')
      .replace('v10.dtd', 'v13.dtd');
    const f = nvidiaSmiXmlParser.parse(text);
    expect(f.driverVersion).toBe('580.65.06');
    const gpu = f.gpus?.[0];
    expect(gpu?.busId).toBe('0000:3b:00.0'); // from the id attribute
    expect(gpu?.mig).toEqual({ mode: 'disabled', pendingMode: 'enabled', devices: [] });
    expect(gpu?.clockEventReasons).toEqual(['hw_slowdown', 'hw_thermal_slowdown']);
    expect(gpu?.power).toEqual({ drawW: 11.15, limitW: 700 });
    expect(gpu?.ecc).toEqual({
      correctedVolatile: 7,
      uncorrectedVolatile: 2,
      correctedAggregate: null,
      uncorrectedAggregate: null,
    });
    expect(f.processes?.[0]).toMatchObject({ pid: 77, gi: 1, ci: 0, usedMemoryMiB: null, gpuIndex: 0 });
  });

  it('reads a NUMA node element when there is one, else leaves it absent', () => {
    const withNuma = nvidiaSmiXmlParser.parse(doc(1, gpuXml('<numa_node_id>1</numa_node_id>')));
    expect(withNuma.gpus?.[0]?.numaNode).toBe(1);
    expect(nvidiaSmiXmlParser.parse(L4).gpus?.[0]).not.toHaveProperty('numaNode');
  });

  it('warns about lost GPUs and Unknown Error values', () => {
    const f = nvidiaSmiXmlParser.parse(
      doc(
        2,
        gpuXml(
          '<uuid>GPU-a</uuid><fb_memory_usage><total>81559 MiB</total></fb_memory_usage>',
          '00000000:18:00.0',
        ),
        gpuXml(
          '<uuid>GPU is lost</uuid><fb_memory_usage><total>GPU is lost</total></fb_memory_usage>',
          '00000000:2A:00.0',
        ),
      ),
    );
    expect(f.gpus?.map((g) => [g.index, g.busId, g.uuid, g.memory?.totalMiB])).toEqual([
      [0, '0000:18:00.0', 'GPU-a', 81559],
      [1, '0000:2a:00.0', null, null],
    ]);
    expect(f.warnings?.some((w) => w.startsWith('GPU 0000:2a:00.0: nvidia-smi reports "GPU is lost"'))).toBe(
      true,
    );
  });

  it('maps every reason element name to the enum', () => {
    expect(clockReasonFromName('clocks_event_reason_sw_thermal_slowdown')).toBe('sw_thermal_slowdown');
    expect(clockReasonFromName('clocks_throttle_reason_hw_power_brake_slowdown')).toBe(
      'hw_power_brake_slowdown',
    );
    expect(clockReasonFromName('clocks_throttle_reason_display_clocks_setting')).toBe(
      'display_clocks_setting',
    );
    expect(clockReasonFromName('clocks_event_reason_sync_boost')).toBe('sync_boost');
    expect(clockReasonFromName('clocks_throttle_reason_unknown')).toBeNull();
  });
});

describe('nvidia-smi -q -x: damaged and foreign input', () => {
  it('keeps the complete GPUs of a document cut in the second <gpu>', () => {
    const cut = L4.slice(0, L4.indexOf('<gpu id="00000000:C1:00.0">') + 5000);
    const f = nvidiaSmiXmlParser.parse(cut);
    expect(f.gpus).toHaveLength(1);
    expect(f.gpus?.[0]?.busId).toBe('0000:01:00.0');
    expect(f.gpus?.[0]?.index).toBeNull();
    expect(f.warnings?.some((w) => w.includes('truncated'))).toBe(true);
    expect(f.warnings).toContain(
      '1 of 2 attached GPUs present (filtered with -i?): indexes unknown, GPUs matched by bus id',
    );
  });

  it('rejects a document cut in the first <gpu>', () => {
    expect(parseError(L4.slice(0, 3000)).code).toBe('INPUT_TRUNCATED');
    expect(parseError(L4.slice(0, 200)).code).toBe('INPUT_TRUNCATED');
  });

  it('rejects a document without GPUs', () => {
    const e = parseError(
      '<?xml version="1.0" ?>\n<nvidia_smi_log>\n<attached_gpus>4</attached_gpus>\n</nvidia_smi_log>',
    );
    expect(e.code).toBe('INPUT_TRUNCATED');
  });

  it('rejects HTML', () => {
    expect(parseError('<html><body>hello</body></html>').code).toBe('INPUT_MALFORMED');
  });
});

const rnd = lcg(42);
const RANDOM = noise(5 * 1024 * 1024, '<>/=" \n\tabcdefgpu_:0123456789.&;!?-', rnd);
const BINARY = noise(4096, BYTE_ALPHABET, rnd);

describeRobustness(nvidiaSmiXmlParser, {
  binaryCode: 'INPUT_BINARY',
  foreign: [{ rel: 'smi-xml/q-text-l40s-1x-drv550.127.05-full.txt', code: 'INPUT_MALFORMED' }],
  truncated: L4,
  odd: {
    '5 MiB of random text': RANDOM,
    'a root element, then 5 MiB of random text': `<nvidia_smi_log>${RANDOM}`,
    'a <gpu> of random text': `<nvidia_smi_log><attached_gpus>1</attached_gpus><gpu>${RANDOM.slice(0, 200000)}</gpu></nvidia_smi_log>`,
    'random bytes': BINARY,
    '20 000 elements before the root': `${'<a>'.repeat(20000)}<nvidia_smi_log>`,
    '5000 nested <gpu>': `<nvidia_smi_log>${'<gpu>'.repeat(5000)}${'</gpu>'.repeat(5000)}</nvidia_smi_log>`,
    'two documents': L4.replace('</nvidia_smi_log>', '</nvidia_smi_log><nvidia_smi_log>'),
    'unbalanced </pci>': L4.replace(/<\/pci>/g, ''),
  },
  codes: ['INPUT_MALFORMED', 'INPUT_TRUNCATED', 'INPUT_BINARY'],
  maxTotalMs: 5000,
});

describe('nvidia-smi -q -x: detect', () => {
  it('claims nvidia-smi XML', () => {
    expect(nvidiaSmiXmlParser.detect(L4)).toBe(1);
    expect(nvidiaSmiXmlParser.detect(A100)).toBe(1);
    expect(nvidiaSmiXmlParser.detect('')).toBe(0);
  });
});

describeDetectIsolation(nvidiaSmiXmlParser, { own: (rel) => rel.endsWith('.xml') });
