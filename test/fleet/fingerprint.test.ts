import { describe, expect, it } from 'vitest';
import { analyzeFleet } from '../../scoring/analyze.ts';
import type { Finding } from '../../scoring/findings.ts';
import { fingerprint, fingerprintFindings } from '../../scoring/fingerprint.ts';
import { ingestHosts } from '../../tools/ingest/index.ts';
import { BUNDLES } from './helpers.ts';

const finding = (over: Partial<Finding> = {}): Finding => ({
  rule: 'memory-pressure',
  severity: 'warning',
  gpus: [3],
  workloads: ['train-a'],
  title: { en: 'GPU3 memory 97.6% full', ko: 'GPU3 메모리 97.6% 사용' },
  detail: { en: 'used 46.9 of 48 GiB', ko: '48 GiB 중 46.9 GiB 사용' },
  evidence: [{ source: 'nvidia-smi-q-x', text: 'FB used 46913 MiB' }],
  impact: null,
  recommendation: { en: 'lower the batch size', ko: '배치 크기를 줄이세요' },
  ...over,
});

const analysed = (bundle: string) =>
  analyzeFleet(ingestHosts([{ name: 'b.txt', content: bundle }], { host: 'gpu-node-02' }).snapshots)
    .hosts[0]!;

describe('finding fingerprints', () => {
  it('are the same for the same problem with other figures and text', () => {
    const a = finding();
    const b = finding({
      severity: 'critical',
      title: { en: 'GPU3 memory 99.1% full', ko: 'GPU3 메모리 99.1% 사용' },
      detail: { en: 'used 47.6 of 48 GiB', ko: '…' },
      evidence: [{ source: 'x', text: 'FB used 47600 MiB' }],
    });
    expect(fingerprint('gpu-node-01', a)).toBe(fingerprint('gpu-node-01', b));
    expect(fingerprint('gpu-node-01', a)).toMatch(/^[0-9a-f]{16}$/);
    // order of the subject's parts does not matter
    expect(fingerprint('h', finding({ gpus: [1, 3], workloads: ['b', 'a'] }))).toBe(
      fingerprint('h', finding({ gpus: [3, 1], workloads: ['a', 'b'] })),
    );
  });

  it('differ by GPU, host, rule and workload', () => {
    const base = fingerprint('gpu-node-01', finding());
    expect(fingerprint('gpu-node-01', finding({ gpus: [2] }))).not.toBe(base);
    expect(fingerprint('gpu-node-02', finding())).not.toBe(base);
    expect(fingerprint('gpu-node-01', finding({ rule: 'gpu-idle' }))).not.toBe(base);
    expect(fingerprint('gpu-node-01', finding({ workloads: ['train-b'] }))).not.toBe(base);
  });

  it('name GPUs by bus id where the analysis knows it (an index that moves keeps its fingerprint)', () => {
    const gpus = [
      { index: 3, busId: '0000:E1:00.0' },
      { index: 2, busId: '0000:CA:00.0' },
    ] as never;
    const moved = [{ index: 2, busId: '0000:e1:00.0' }] as never;
    expect(fingerprint('h', finding({ gpus: [3] }), { gpus, workloads: [] })).toBe(
      fingerprint('h', finding({ gpus: [2] }), { gpus: moved, workloads: [] }),
    );
  });

  it('of a real analysis: stable across two collections, one per subject', () => {
    const a = fingerprintFindings('gpu-node-02', analysed(BUNDLES.critical));
    const b = fingerprintFindings('gpu-node-02', analysed(BUNDLES.critical));
    expect(a.map((x) => x.fingerprint)).toEqual(b.map((x) => x.fingerprint));
    expect(new Set(a.map((x) => x.fingerprint)).size).toBe(a.length);
    const critical = a.filter((x) => x.finding.severity === 'critical').map((x) => x.finding.rule);
    expect(critical.sort()).toEqual(['clock-throttle', 'pcie-downtrained']);
  });
});
