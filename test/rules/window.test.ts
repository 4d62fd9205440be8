/**
 * The rules and the score over a window (scoring/window.ts, docs/scoring.md "Window statistics"): each
 * rule's good path (the right finding, the window's numbers in its evidence and texts) and its blocked
 * path (the window overrules the one-second sample, both ways); low coverage; MIG instance windows;
 * Korean; and the H200 demo with its synthetic day (samples/window/h200-demo-24h.json) against its golden.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Analysis, analyzeFleet, analyzeHost } from '../../scoring/analyze.ts';
import { buildContext } from '../../scoring/context.ts';
import type { Finding } from '../../scoring/findings.ts';
import { scoreHost } from '../../scoring/score.ts';
import { emptyMigDevice, type Gpu, type Snapshot } from '../../scoring/snapshot.ts';
import type { GpuWindow } from '../../scoring/window.ts';
import { ingest, ingestHosts } from '../../tools/ingest/index.ts';
import { GOLDEN_DIR, goldenOf, goldenPath, serialize } from '../helpers/golden.ts';
import { busyDay, stats } from '../helpers/window.ts';
import { gpu, one, run, scenario, snapshot, texts, workload } from './helpers.ts';

const WINDOW_FILE = 'w.json';
const SOURCES: Snapshot['sources'] = [
  { file: 'smi.xml', format: 'nvidia-smi-xml', warnings: [] },
  { file: WINDOW_FILE, format: 'gpu-window', warnings: [] },
];

/** A busy day at one sample a minute; `idle` idle samples (SM active < 1 %). */
const win = (edit: Partial<GpuWindow> = {}, idle = 0) => busyDay(edit, idle, 40000);

/** The brief's idle GPU: SM active < 1 % in 1,260 of 1,440 samples, mean 0.4 %, p95 2.1 %. */
const IDLE_21H = win({ smActive: stats(0.004, 0.021, 0.35), util: stats(1.2, 6, 40) }, 1260);
/** Busy all day but for 2 h. */
const BUSY = win({}, 120);

const H100 = 'NVIDIA H100 80GB HBM3';
const H100_MIB = 81559;

function h100(
  index: number,
  util: number,
  usedMiB: number,
  window: GpuWindow | null,
  edit: (g: Gpu) => void = () => {},
) {
  return gpu(index, (g) => {
    g.name = H100;
    g.memory = { totalMiB: H100_MIB, usedMiB };
    g.utilization = { gpuPct: util, memoryPct: null };
    g.window = window;
    edit(g);
  });
}

const host = (gpus: Gpu[], workloads: Snapshot['workloads'] = []) =>
  snapshot({ gpus, workloads, sources: SOURCES });

describe('gpu-idle over a window', () => {
  it('an allocated GPU idle 21 h of 24: the finding states the window, its samples and statistics (EN, KO)', () => {
    const snap = host([h100(3, 2, 30000, IDLE_21H)], [workload('train-a', 'training', [3])]);
    const f = one(run('gpu-idle', snap));
    expect(f.gpus).toEqual([3]);
    expect(f.title).toEqual({
      en: 'GPU3 held by train-a but idle 21 h of the last 24 h',
      ko: 'GPU3이 train-a에 할당되었지만 최근 24시간 중 21시간 유휴',
    });
    expect(f.evidence[0]).toEqual({
      source: WINDOW_FILE,
      text: 'GPU3: idle 21 h of the last 24 h (SM active < 1 % in 1,260 of 1,440 samples; mean 0.4 %, p95 2.1 %)',
    });
    // the sample is still shown
    expect(texts(f)[1]).toBe(`GPU3 ${H100}: utilization.gpu 2 %, memory 30000 / ${H100_MIB} MiB`);
    expect(f.detail.en).toBe(
      'GPU3 is allocated to train-a but was idle 21 h of the last 24 h. The window decides, not the one-second sample (utilisation 2% when sampled).',
    );
    expect(f.detail.ko).toBe(
      'GPU3은 train-a에 할당되어 있지만 최근 24시간 중 21시간 유휴 상태였습니다. 1초 측정값(측정 시점 사용률 2%)이 아니라 기간 통계로 판단했습니다.',
    );
    expect(f.impact).toEqual({
      model: 'idle-gpu-hours',
      value: 21,
      unit: 'GPU·h/day',
      summary: {
        en: '21 GPU·hours a day unused: idle 21 h of the last 24 h',
        ko: '하루 21 GPU·시간 미사용: 최근 24시간 중 21시간 유휴',
      },
      figures: {
        gpus: 1,
        hours_per_day: 21,
        idle_share: 0.875,
        idle_hours: 21,
        window_hours: 24,
        window: '24h',
      },
      sources: [],
    });
  });

  it('blocked: idle right now but busy over the window — no finding (the sample alone raises one)', () => {
    const idleNow = (w: GpuWindow | null) =>
      host([h100(0, 0, 30000, w)], [workload('train-a', 'training', [0])]);
    expect(run('gpu-idle', idleNow(null))).toHaveLength(1);
    expect(run('gpu-idle', idleNow(BUSY))).toEqual([]);
  });

  it('the reverse: busy right now but idle 21 h of 24 — reported idle, saying the window decided', () => {
    const busyNow = (w: GpuWindow | null) =>
      host([h100(0, 85, 30000, w)], [workload('train-a', 'training', [0])]);
    expect(run('gpu-idle', busyNow(null))).toEqual([]);
    const f = one(run('gpu-idle', busyNow(IDLE_21H)));
    expect(f.detail.en).toContain(
      'The window decides, not the one-second sample (utilisation 85% when sampled).',
    );
    expect(f.detail.ko).toContain('1초 측정값(측정 시점 사용률 85%)이 아니라 기간 통계로 판단했습니다.');
    expect(texts(f)[0]).toContain('idle 21 h of the last 24 h');
  });

  it('an inference server whose model sat unused 21 h of the day is idle (one second between requests could not say)', () => {
    const snap = host([h100(0, 1, 12000, IDLE_21H)], [workload('chat', 'inference', [0])]);
    expect(run('gpu-idle', snap)).toHaveLength(1);
    snap.gpus[0]!.window = null;
    expect(run('gpu-idle', snap)).toEqual([]);
  });

  it('a GPU no workload holds: idle over the window is reported; busy over the window (something ran) is not', () => {
    const w = [workload('train-a', 'training', [0])];
    const free = (win: GpuWindow) => host([h100(0, 90, 60000, null), h100(1, 0, 0, win)], w);
    const f = one(run('gpu-idle', free(win({ smActive: stats(0, 0, 0.004), util: stats(0, 0, 1) }, 1440))));
    expect(f.title.en).toMatch(/^GPU1 is not allocated to any workload \(idle .* of the last .*\)$/);
    expect(f.detail.en).toBe(
      'No workload or process uses GPU1, and it was idle 24 h of the last 24 h. It is paid for and does no work. The window decides, not the one-second sample (utilisation 0% when sampled).',
    );
    expect(f.detail.ko).toBe(
      'GPU1을 쓰는 워크로드나 프로세스가 없고 최근 24시간 중 24시간 유휴 상태였습니다. 비용은 나가는데 일을 하지 않습니다. 1초 측정값(측정 시점 사용률 0%)이 아니라 기간 통계로 판단했습니다.',
    );
    expect(run('gpu-idle', free(BUSY))).toEqual([]);
  });

  it('a GPU only the display server uses: idle for compute over the window, its memory the display server’s', () => {
    const g = h100(0, 0, 40, IDLE_21H);
    const snap = snapshot({
      gpus: [g],
      sources: SOURCES,
      processes: [
        {
          pid: 1201,
          gpuIndex: 0,
          gpuUuid: null,
          name: '/usr/lib/xorg/Xorg',
          type: 'G',
          usedMemoryMiB: 40,
          gi: null,
          ci: null,
        },
      ],
    });
    const f = one(run('gpu-idle', snap));
    expect(f.title).toEqual({
      en: 'GPU0 is idle for compute: only the display server runs on it (idle 21 h of the last 24 h)',
      ko: 'GPU0은 연산 작업 없이 유휴 상태: 디스플레이 서버만 실행 중(최근 24시간 중 21시간 유휴)',
    });
    expect(texts(f)[2]).toBe('processes: /usr/lib/xorg/Xorg (pid 1201, type G, 40 MiB)');
    expect(f.workloads).toEqual([]);
  });

  it('a window alone (no nvidia-smi): no sample line, the window decides', () => {
    const g = gpu(2, (x) => {
      x.window = IDLE_21H;
    });
    const f = one(run('gpu-idle', host([g], [workload('train-a', 'training', [2])])));
    expect(texts(f)).toEqual([
      'GPU2: idle 21 h of the last 24 h (SM active < 1 % in 1,260 of 1,440 samples; mean 0.4 %, p95 2.1 %)',
      'held by train-a',
    ]);
    expect(f.detail.en).not.toContain('sample');
  });

  it('low coverage: the window is used and the evidence says for how many hours there is data', () => {
    const sparse = win({ smActive: stats(0.004, 0.021, 0.35, 0, 540), util: stats(1, 5, 30, 0, 540) }, 480);
    const f = one(run('gpu-idle', host([h100(0, 50, 30000, sparse)], [workload('t', 'training', [0])])));
    expect(texts(f)[0]).toBe(
      'GPU0: idle 8 h of the last 24 h, data for 9 h of the 24 (SM active < 1 % in 480 of 540 samples; mean 0.4 %, p95 2.1 %)',
    );
    expect(f.title.ko).toBe(
      'GPU0이 t에 할당되었지만 최근 24시간 중 8시간 유휴(데이터는 24시간 중 9시간만 있음)',
    );
    // 480 of 540 measured samples idle: 88.9 % of the measured time, 21.3 h a day
    expect(f.impact?.value).toBe(21.3);
    expect(f.impact?.figures).toMatchObject({
      idle_hours: 8,
      window_hours: 24,
      covered_hours: 9,
      idle_share: 0.889,
    });
    expect(f.impact?.summary.en).toBe(
      '21.3 GPU·hours a day unused: idle 8 h of the last 24 h, data for 9 h of the 24',
    );
  });

  it('idleness from utilisation when the GPU has no profiling series; other window labels', () => {
    const utilOnly = win({ smActive: null, util: stats(0.3, 0.9, 12), idleBasis: 'gpu_util' }, 1300);
    let f = one(run('gpu-idle', host([h100(0, 0, 100, utilOnly)], [workload('t', 'training', [0])])));
    expect(texts(f)[0]).toBe(
      'GPU0: idle 21.7 h of the last 24 h (utilisation < 1 % in 1,300 of 1,440 samples; mean 0.3 %, p95 0.9 %)',
    );
    const week = win(
      {
        from: '2026-11-19T09:00:00Z',
        label: '7d',
        stepSec: 300,
        expectedSamples: 2016,
        smActive: stats(0.002, 0.008, 0.2, 0, 2016),
      },
      0,
    );
    week.idleSeconds = 1900 * 300;
    f = one(run('gpu-idle', host([h100(0, 0, 100, week)], [workload('t', 'training', [0])])));
    expect(texts(f)[0]).toBe(
      'GPU0: idle 158.3 h of the last 168 h (7d) (SM active < 1 % in 1,900 of 2,016 samples; mean 0.2 %, p95 0.8 %)',
    );
    expect(f.title.ko).toBe('GPU0이 t에 할당되었지만 최근 168시간(7d) 중 158.3시간 유휴');
    const yesterday = { ...IDLE_21H, label: 'yesterday' };
    f = one(run('gpu-idle', host([h100(0, 0, 100, yesterday)], [workload('t', 'training', [0])])));
    expect(f.title).toEqual({
      en: 'GPU0 held by t but idle 21 h of 24 h (yesterday)',
      ko: 'GPU0이 t에 할당되었지만 어제(24시간) 중 21시간 유휴',
    });
  });

  it('MIG instance windows: a GPU whose every instance idled is idle, one busy instance keeps it out', () => {
    const instance = (gi: number, w: GpuWindow) => ({
      ...emptyMigDevice(),
      gi,
      ci: 0,
      profile: '3g.40gb',
      memoryTotalMiB: 40192,
      memoryUsedMiB: 100,
      window: w,
    });
    const mig = (w2: GpuWindow) =>
      host(
        [
          h100(0, 0, 0, null, (g) => {
            g.utilization.gpuPct = null;
            g.mig.mode = 'enabled';
            g.mig.devices = [instance(1, IDLE_21H), instance(2, w2)];
          }),
        ],
        [workload('svc', 'inference', [0])],
      );
    const idle22 = win({ smActive: stats(0.003, 0.009, 0.1) }, 1320);
    const f = one(run('gpu-idle', mig(idle22)));
    expect(f.title.en).toBe(
      'GPU0 held by svc but idle 21 h of the last 24 h in every MIG instance (the least idle)',
    );
    expect(texts(f).slice(0, 2)).toEqual([
      'GPU0 MIG 3g.40gb GI 1: idle 21 h of the last 24 h (SM active < 1 % in 1,260 of 1,440 samples; mean 0.4 %, p95 2.1 %)',
      'GPU0 MIG 3g.40gb GI 2: idle 22 h of the last 24 h (SM active < 1 % in 1,320 of 1,440 samples; mean 0.3 %, p95 0.9 %)',
    ]);
    // each instance's idle share weighted by its compute slices (3 of 7 each): (0.875 + 0.917) × 3/7 × 24
    expect(f.impact?.value).toBe(18.4);
    expect(run('gpu-idle', mig(BUSY))).toEqual([]);
  });
});

describe('MIG instances as dcgm-exporter reports them: graphics-engine activity, no SM active or GPU_UTIL', () => {
  const grOnly = (mean: number, p95: number, idle: number) =>
    win(
      {
        smActive: null,
        util: null,
        grEngineActive: stats(mean, p95, 0.5),
        fbUsedMiB: stats(9000, 9100, 9200, 8900),
        idleBasis: 'gr_engine_active',
      },
      idle,
    );
  const instance = (gi: number, w: GpuWindow) => ({
    ...emptyMigDevice(),
    gi,
    ci: 0,
    profile: '3g.40gb',
    memoryTotalMiB: 40192,
    memoryUsedMiB: 9000,
    window: w,
  });
  const host1 = (a: GpuWindow, b: GpuWindow) =>
    host(
      [
        h100(0, 0, 0, null, (g) => {
          g.utilization.gpuPct = null;
          g.mig.mode = 'enabled';
          g.mig.devices = [instance(1, a), instance(2, b)];
        }),
      ],
      [workload('svc', 'inference', [0])],
    );

  it('idleness and the score read GR_ENGINE_ACTIVE, and the texts name it (EN, KO)', () => {
    const snap = host1(grOnly(0.003, 0.008, 1300), grOnly(0.002, 0.006, 1400));
    const f = one(run('gpu-idle', snap));
    expect(texts(f)[0]).toBe(
      'GPU0 MIG 3g.40gb GI 1: idle 21.7 h of the last 24 h (graphics engine active < 1 % in 1,300 of 1,440 samples; mean 0.3 %, p95 0.8 %)',
    );
    expect(f.title.ko).toBe(
      'GPU0이 svc에 할당되었지만 모든 MIG 인스턴스가 최근 24시간 중 21.7시간 유휴(가장 적게 쉰 인스턴스 기준)',
    );
    const s = scoreHost(buildContext(host1(grOnly(0.4, 0.6, 0), grOnly(0.2, 0.4, 0))));
    const unit = (gr: number) => (gr * 0.4 + (9000 / 40192) * 0.3) / 0.7;
    expect(s.perGpu[0]!.gpuScore).toBeCloseTo((unit(0.4) + unit(0.2)) / 2, 6);
    expect(s.notes.join(' ')).toContain(
      'mean utilisation (graphics engine active × 100 where DCGM_FI_DEV_GPU_UTIL is missing)',
    );
  });
});

describe('windows a real Prometheus produced (samples/window/PROVENANCE.md) with the dumps they came from', () => {
  const read = (rel: string) => readFileSync(new URL(`../../samples/${rel}`, import.meta.url), 'utf8');
  const L40S_DUMP = 'real/dcgm/dcgm-exporter-metrics-l40s-1gpu-upcloud-uks-drv595.58.03-full.txt';
  const T4_DUMP = 'real/dcgm/dcgm-exporter-metrics-tesla-t4-busy-eccd-drv590.48.01-no-help-type-lines.txt';
  const analyse = (dump: string, window: string) => {
    const { snapshot, rejected } = ingest([
      { name: 'metrics.txt', content: read(dump) },
      { name: 'window.json', content: read(`window/${window}`) },
    ]);
    expect(rejected).toEqual([]);
    return analyzeHost(snapshot);
  };

  it('the L40S idle 21 h of yesterday: gpu-idle from the recorded window, labelled as asked', () => {
    const a = analyse(L40S_DUMP, 'day-l40s-gpu1-wl8sg-busy-09-12-utc.json');
    const f = one(a.findings.filter((x) => x.rule === 'gpu-idle'));
    expect(f.evidence[0]).toEqual({
      source: 'window.json',
      text: 'GPU0: idle 21 h of 24 h (yesterday) (SM active < 1 % in 1,260 of 1,440 samples; mean 2 %, p95 15.6 %)',
    });
    expect(f.title.ko).toMatch(/^GPU0이 어떤 워크로드에도 할당되지 않음\(.*21시간 유휴\)$/);
    expect(f.detail.ko).toContain('어제(24시간) 중 21시간 유휴 상태였습니다.');
  });

  it('the T4 busy 12 h of yesterday: not idle over the window; scored on it (utilisation mean 45.5 %)', () => {
    const a = analyse(T4_DUMP, 'day-t4-cp-bm14r7-busy-00-12-utc.json');
    expect(a.findings.filter((x) => x.rule === 'gpu-idle')).toEqual([]);
    expect(a.notes).toContain(
      'GPU0: scored over 24 h (yesterday) (mean utilisation and mean framebuffer used of window.json), not the one-second sample',
    );
  });
});

describe('the window in words', () => {
  const span = (label: string, from: string, to = '2026-11-26T09:00:00Z') => {
    const f = one(
      run(
        'gpu-idle',
        host([h100(0, 0, 100, { ...IDLE_21H, label, from, to })], [workload('t', 'training', [0])]),
      ),
    );
    return f.title;
  };

  it('a label that is the length says "the last"; another unit or words are kept beside the length', () => {
    expect(span('24h', '2026-11-25T09:00:00Z').en).toContain('idle 21 h of the last 24 h');
    expect(span('최근 24시간', '2026-11-25T09:00:00Z')).toEqual({
      en: 'GPU0 held by t but idle 21 h of the last 24 h',
      ko: 'GPU0이 t에 할당되었지만 최근 24시간 중 21시간 유휴',
    });
    expect(span('1d', '2026-11-25T09:00:00Z').en).toContain('idle 21 h of the last 24 h (1d)');
    expect(span('어제', '2026-11-25T09:00:00Z').ko).toContain('어제(24시간) 중 21시간 유휴');
  });

  it('short windows are not "0 h": minutes and seconds', () => {
    const w = (seconds: number, idle: number, samples: number, step: number) => ({
      ...IDLE_21H,
      from: '2026-11-26T08:00:00Z',
      to: new Date(Date.parse('2026-11-26T08:00:00Z') + seconds * 1000).toISOString(),
      label: 'live',
      stepSec: step,
      expectedSamples: samples,
      smActive: stats(0.001, 0.004, 0.02, 0, samples),
      util: null,
      idleSeconds: idle,
    });
    let f = one(
      run('gpu-idle', host([h100(0, 0, 100, w(1800, 1680, 30, 60))], [workload('t', 'training', [0])])),
    );
    expect(texts(f)[0]).toBe(
      'GPU0: idle 28 min of 30 min (live) (SM active < 1 % in 28 of 30 samples; mean 0.1 %, p95 0.4 %)',
    );
    expect(f.impact?.summary.en).toBe(
      '22.4 GPU·hours a day unused: idle 28 min of 30 min (live) (a window shorter than a day)',
    );
    expect(f.impact?.figures).toMatchObject({ idle_minutes: 28, window_minutes: 30 });
    f = one(run('gpu-idle', host([h100(0, 0, 100, w(5, 5, 5, 1))], [workload('t', 'training', [0])])));
    expect(f.title.ko).toBe('GPU0이 t에 할당되었지만 live(5초) 중 5초 유휴');
  });
});

describe('mig-candidate and share-candidate over a window', () => {
  it('mig-candidate: p95 framebuffer and p95 SM active fit 1g.10gb though the sample holds 60 GB (EN, KO)', () => {
    const w = win({ smActive: stats(0.03, 0.08, 0.2), fbUsedMiB: stats(4800, 5120, 5300, 4600) }, 600);
    const snap = (win: GpuWindow | null) =>
      host([h100(0, 40, 60000, win)], [workload('chat', 'inference', [0])]);
    expect(run('mig-candidate', snap(null))).toEqual([]);
    const f = one(run('mig-candidate', snap(w)));
    expect(f.impact?.figures.profile).toBe('1g.10gb');
    expect(f.impact?.figures).toMatchObject({
      memory_need_GiB: 5,
      compute_need: 0.08,
      need_basis: 'p95',
      window: '24h',
    });
    expect(texts(f).slice(0, 3)).toEqual([
      'GPU0: over the last 24 h: framebuffer used mean 4,800 MiB, p95 5,120 MiB (of 81,559 MiB), SM active mean 3 % (p95 8 %); 1,440 of 1,440 samples',
      `GPU0 ${H100}: utilization.gpu 40 %, memory 60000 / ${H100_MIB} MiB`,
      'chat: memory need 5 GiB (framebuffer used p95 over the last 24 h), compute 8% (SM active p95 over the last 24 h)',
    ]);
    expect(f.evidence[2]!.source).toBe(WINDOW_FILE);
    expect(f.detail.en).toContain(
      "chat uses 5 GiB of memory and 8% of GPU0's compute (p95 over the last 24 h)",
    );
    expect(f.detail.ko).toContain('GPU0 연산의 8%만 (최근 24시간 p95) 쓰면서');
  });

  it('mig-candidate blocked: the sample fits a slice, but the day peaks at 70 GB', () => {
    const peaky = win({ smActive: stats(0.03, 0.08, 0.2), fbUsedMiB: stats(20000, 70000, 76000, 4000) }, 600);
    const snap = (w: GpuWindow | null) => host([h100(0, 5, 5000, w)], [workload('chat', 'inference', [0])]);
    expect(run('mig-candidate', snap(null))).toHaveLength(1);
    expect(run('mig-candidate', snap(peaky))).toEqual([]);
  });

  it('a declared need is kept; the compute need is still the window p95', () => {
    const w = win({ smActive: stats(0.03, 0.08, 0.2), fbUsedMiB: stats(4800, 5120, 5300, 4600) }, 600);
    const f = one(
      run(
        'mig-candidate',
        host([h100(0, 40, 60000, w)], [workload('chat', 'inference', [0], { memoryGiB: 15 })]),
      ),
    );
    expect(f.impact?.figures.profile).toBe('1g.20gb');
    expect(texts(f)[2]).toBe(
      'chat: memory need 15 GiB (declared), compute 8% (SM active p95 over the last 24 h)',
    );
  });

  it('share-candidate on an L40S: the window p95 fits an 8 GB share, its compute p95 is under half the card', () => {
    const l40s = (util: number, used: number, w: GpuWindow | null) =>
      gpu(0, (g) => {
        g.name = 'NVIDIA L40S';
        g.memory = { totalMiB: 46068, usedMiB: used };
        g.utilization = { gpuPct: util, memoryPct: null };
        g.window = w;
      });
    const w = win({ smActive: stats(0.12, 0.31, 0.6), fbUsedMiB: stats(6500, 7000, 7200, 6000) }, 300);
    const snap = (g: Gpu) => host([g], [workload('ocr', 'inference', [0])]);
    expect(run('share-candidate', snap(l40s(70, 30000, null)))).toEqual([]);
    const f = one(run('share-candidate', snap(l40s(70, 30000, w))));
    expect(f.impact?.figures.share_GB).toBe(8);
    expect(texts(f)[0]).toBe(
      'GPU0: over the last 24 h: framebuffer used mean 6,500 MiB, p95 7,000 MiB (of 46,068 MiB), SM active mean 12 % (p95 31 %); 1,440 of 1,440 samples',
    );
    expect(f.detail.en).toContain('ocr uses 6.8 GiB and 31% of GPU0 (p95 over the last 24 h).');
    expect(f.detail.ko).toContain('연산 31%만 (최근 24시간 p95) 사용합니다.');
    // blocked: busy more than half the card at its p95
    const busy = win({ smActive: stats(0.4, 0.7, 0.9), fbUsedMiB: stats(6500, 7000, 7200, 6000) }, 0);
    expect(run('share-candidate', snap(l40s(10, 7000, busy)))).toEqual([]);
  });
});

describe('memory-underuse over a window', () => {
  it('the p95 framebuffer is a small share of a large GPU (EN, KO); the window numbers are the figures', () => {
    const w = win({ fbUsedMiB: stats(9000, 12000, 13000, 8000) }, 60);
    const snap = (win: GpuWindow | null) =>
      host([h100(0, 80, 60000, win)], [workload('train', 'training', [0])]);
    expect(run('memory-underuse', snap(null))).toEqual([]);
    const f = one(run('memory-underuse', snap(w)));
    expect(f.title).toEqual({
      en: "train uses 15% of GPU0's memory (p95 over the last 24 h)",
      ko: 'train이 GPU0 메모리의 15%만 사용(최근 24시간 p95)',
    });
    expect(f.detail.en).toBe(
      'GPU0 has 79.6 GiB but train keeps only 11.7 GiB in it (p95 over the last 24 h): the job would run on a smaller GPU, or could use a larger batch here.',
    );
    expect(texts(f)[0]).toBe(
      'GPU0: over the last 24 h: framebuffer used mean 9,000 MiB, p95 12,000 MiB (of 81,559 MiB), utilisation mean 60 % (p95 90 %); 1,440 of 1,440 samples',
    );
    expect(f.impact?.figures).toEqual({
      used_MiB: 12000,
      total_MiB: H100_MIB,
      used_share: 0.147,
      used_basis: 'p95',
      window: '24h',
    });
  });

  it('blocked: a GPU idle over its window is gpu-idle’s, though busy right now', () => {
    const idle = win(
      { smActive: stats(0.004, 0.021, 0.35), fbUsedMiB: stats(9000, 12000, 13000, 8000) },
      1260,
    );
    const snap = host([h100(0, 80, 9000, idle)], [workload('train', 'training', [0])]);
    expect(run('memory-underuse', snap)).toEqual([]);
    expect(run('gpu-idle', snap)).toHaveLength(1);
  });
});

describe('io-bound over a window', () => {
  const starved = win(
    {
      util: stats(31.5, 58, 90),
      smActive: stats(0.182, 0.41, 0.6),
      dramActive: stats(0.071, 0.15, 0.3),
      pcieRxBytesPerSec: stats(0.35e9, 1.1e9, 2e9),
      fbUsedMiB: stats(52000, 53000, 53500, 1),
    },
    200,
  );

  it('a training job at 31.5 % mean utilisation with its model resident: the window means, SM/DRAM/PCIe quoted', () => {
    const snap = (w: GpuWindow | null) => host([h100(0, 88, 52000, w)], [workload('rec', 'training', [0])]);
    expect(run('io-bound', snap(null))).toEqual([]);
    const f = one(run('io-bound', snap(starved)));
    expect(texts(f)[0]).toBe(
      'GPU0: over the last 24 h: utilisation mean 31.5 % (p95 58 %), SM active mean 18.2 % (p95 41 %), DRAM active mean 7.1 % (p95 15 %), PCIe RX mean 0.35 GB/s (p95 1.1 GB/s), framebuffer used mean 52,000 MiB, p95 53,000 MiB (of 81,559 MiB); 1,440 of 1,440 samples',
    );
    expect(f.detail.en).toMatch(
      /^GPU0 of rec run at 32% utilisation while the model fills 64% of their memory \(means over the last 24 h\): /,
    );
    expect(f.detail.ko).toContain('사용률 32%에 머뭅니다(최근 24시간 평균).');
    expect(f.impact?.figures).toEqual({
      utilization_pct: 31.5,
      wait_share_pct: 69,
      memory_share: 0.638,
      gpus: 1,
      wait_GPU_h_per_day: 16.4,
      basis: 'mean',
      window: '24h',
      utilization_basis: 'gpu_util',
    });
  });

  it('blocked: starved right now (30 %), busy over the day (85 % mean)', () => {
    const busy = win({ util: stats(85, 99, 100), fbUsedMiB: stats(52000, 53000, 53500) }, 30);
    const snap = (w: GpuWindow | null) => host([h100(0, 30, 52000, w)], [workload('rec', 'training', [0])]);
    expect(run('io-bound', snap(null))).toHaveLength(1);
    expect(run('io-bound', snap(busy))).toEqual([]);
  });

  it('without DCGM_FI_DEV_GPU_UTIL the SM active mean stands in, and the figures say so', () => {
    const smOnly = { ...starved, util: null };
    const f = one(run('io-bound', host([h100(0, 88, 52000, smOnly)], [workload('rec', 'training', [0])])));
    expect(f.impact?.figures).toMatchObject({ utilization_pct: 18.2, utilization_basis: 'sm_active' });
  });
});

describe('the score over a window', () => {
  it('scores the window means, not the sample, and says so in the notes', () => {
    const w = win({ util: stats(40, 70, 100), fbUsedMiB: stats(40779.5, 41000, 42000, 39000) }, 60);
    const snap = host([h100(0, 100, H100_MIB, w)], [workload('train', 'training', [0])]);
    const s = scoreHost(buildContext(snap));
    // (0.40 × 0.4 + 0.5 × 0.3) / 0.7
    expect(s.perGpu[0]!.gpuScore).toBeCloseTo((0.4 * 0.4 + 0.5 * 0.3) / 0.7, 6);
    expect(s.notes).toContain(
      `GPU0: scored over the last 24 h (mean utilisation and mean framebuffer used of ${WINDOW_FILE}), not the one-second sample`,
    );
    snap.gpus[0]!.window = null;
    expect(scoreHost(buildContext(snap)).perGpu[0]!.gpuScore).toBeCloseTo(1, 6);
    expect(scoreHost(buildContext(snap)).notes).toEqual([]);
  });

  it('MIG instances are scored on their own windows (SM active × 100: no utilisation series per instance)', () => {
    const inst = (gi: number, sm: number) => ({
      ...emptyMigDevice(),
      gi,
      ci: 0,
      profile: '3g.40gb',
      memoryTotalMiB: 40192,
      memoryUsedMiB: null,
      window: win({ util: null, smActive: stats(sm, sm, sm), fbUsedMiB: stats(20096, 20096, 20096) }, 0),
    });
    const g = h100(0, 0, 0, null, (x) => {
      x.utilization.gpuPct = null;
      x.mig.mode = 'enabled';
      x.mig.devices = [inst(1, 0.5), inst(2, 0.1)];
    });
    const s = scoreHost(buildContext(host([g], [workload('svc', 'inference', [0])])));
    // each instance: (sm × 0.4 + 0.5 × 0.3) / 0.7, weighted 3/7 each
    const unit = (sm: number) => (sm * 0.4 + 0.5 * 0.3) / 0.7;
    expect(s.perGpu[0]!.gpuScore).toBeCloseTo((unit(0.5) + unit(0.1)) / 2, 6);
    expect(s.score).not.toBeNull();
    expect(s.notes.join(' ')).toMatch(
      /GPU0: scored over the last 24 h \(mean utilisation \(SM active × 100 where neither is reported, which reads lower than utilization\.gpu\)/,
    );
  });

  it('a window value out of range is clamped and stated in the notes', () => {
    const w = win({ smActive: stats(1.2, 1.3, 1.4), util: null });
    const a = analyzeHost(host([h100(0, 50, 1000, w)], [workload('t', 'training', [0])]));
    expect(a.notes).toContain('GPU0: window smActive (mean 1.2, p95 1.3, max 1.4) is outside 0–1: clamped');
  });
});

describe('the H200 demo with a day of DCGM (samples/window/h200-demo-24h.json, SYNTHETIC)', () => {
  const WINDOW = 'window/h200-demo-24h.json';
  const files = () => [
    ...scenario('h200'),
    { name: WINDOW, content: readFileSync(new URL(`../../samples/${WINDOW}`, import.meta.url)) },
  ];
  const analysis = () => {
    const { snapshots, rejected } = ingestHosts(files());
    expect(rejected).toEqual([]);
    // the analysis (the plan is in the golden, test/placement/window.test.ts checks it)
    return Analysis.parse(analyzeFleet(snapshots));
  };
  const golden = goldenPath(WINDOW);

  it('matches its golden', () => {
    // the scenario's files + the window, with the plan (test/helpers/golden.ts); `npm run goldens:update`
    // regenerates it: review the diff before committing
    expect(existsSync(golden), `no golden ${golden} under ${GOLDEN_DIR}`).toBe(true);
    expect(serialize(goldenOf(WINDOW))).toBe(readFileSync(golden, 'utf8'));
  });

  it('the idle findings carry the window: GPU4 idle all day, the inference GPUs idle 21 h and 21.5 h', () => {
    const h = analysis().hosts[0]!;
    const idle = h.findings.filter((f: Finding) => f.rule === 'gpu-idle');
    expect(idle.map((f) => f.gpus[0])).toEqual([4, 6, 7]);
    expect(idle.map((f) => f.evidence[0]!.text)).toEqual([
      'GPU4: idle 24 h of the last 24 h (SM active < 1 % in 1,440 of 1,440 samples; mean 0 %, p95 0 %)',
      'GPU6: idle 21 h of the last 24 h (SM active < 1 % in 1,260 of 1,440 samples; mean 1.1 %, p95 6.2 %)',
      'GPU7: idle 21.5 h of the last 24 h (SM active < 1 % in 1,290 of 1,440 samples; mean 0.58 %, p95 3.4 %)',
    ]);
    expect(idle.every((f) => f.evidence[0]!.source === WINDOW)).toBe(true);
    expect(h.findings.filter((f) => f.rule === 'io-bound').map((f) => f.workloads)).toEqual([
      ['train-rec-c'],
    ]);
    expect(
      h.findings.filter((f) => f.rule === 'mig-candidate').map((f) => f.impact?.figures.profile),
    ).toEqual(['1g.18gb', '1g.18gb']);
  });

  it('every number in an impact summary is one of its figures (no invented numbers)', () => {
    for (const f of analysis().hosts[0]!.findings) {
      if (!f.impact) continue;
      const known = new Set([
        ...Object.values(f.impact.figures).map(String),
        String(f.impact.value),
        String(Math.abs(f.impact.value)),
      ]);
      for (const n of f.impact.summary.en.replace(/GPU\d+/g, '').match(/\d+(?:\.\d+)?/g) ?? [])
        expect(known.has(n), `${f.rule}: ${n} in "${f.impact.summary.en}"`).toBe(true);
    }
  });

  it('the same scenario without the window is unchanged (its golden, with the plan)', () => {
    const path = goldenPath('scenarios/h200');
    expect(serialize(goldenOf('scenarios/h200'))).toBe(readFileSync(path, 'utf8'));
  });
});
