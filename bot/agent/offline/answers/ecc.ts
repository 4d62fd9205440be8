/**
 * "Any ECC errors?", "이 GPU 고장난 거야?", "is it safe to keep running jobs on it?", "ecc mode on?": the memory
 * health of each GPU from its counters (uncorrectable errors, pending or failed row remaps, pending page
 * retirements) and its ECC mode — written from the values, in the question's language, with the nuance
 * that matters: a pending remap is no failure (a reset applies it), a failed remap is.
 */
import type { Lang } from '../../../../scoring/report.ts';
import { TEXT } from '../text.ts';
import { TOPIC_RULES } from '../understand.ts';
import { evidenceLines, findingItem, findingsAbout, subjectOf, verdict } from './common.ts';
import type { Composer, Results } from './types.ts';

const ECC = TOPIC_RULES.ecc!;

type Gpu = NonNullable<Results['data']['collect_nvidia_smi']>['gpus'][number];

/** What is wrong with one GPU's memory, by severity. */
export interface EccState {
  label: string;
  busId: string | null;
  failure: boolean;
  pending: boolean;
  /** rows already remapped after uncorrectable errors. */
  remapped: number | null;
  volatile: number | null;
  aggregate: number | null;
  retiring: boolean;
}

export function eccStates(r: Results, gpuFilter: readonly number[] = []): EccState[] {
  const gpus = (r.data.collect_nvidia_smi?.gpus ?? []).filter(
    (g) => gpuFilter.length === 0 || (g.index !== null && gpuFilter.includes(g.index)),
  );
  return gpus.map((g: Gpu) => ({
    label: g.index !== null ? `GPU${g.index}` : `GPU ${g.busId ?? '?'}`,
    busId: g.busId,
    failure: g.ecc.remappedRowsFailure === true,
    pending: g.ecc.remappedRowsPending === true,
    remapped: g.ecc.remappedRowsUncorrectable,
    volatile: g.ecc.uncorrectedVolatile,
    aggregate: g.ecc.uncorrectedAggregate,
    retiring: g.ecc.retiredPagesPending === true,
  }));
}

export const unhealthy = (s: EccState) =>
  s.failure || s.pending || (s.volatile ?? 0) > 0 || s.retiring || (s.aggregate ?? 0) > 0;

/** What to do about a GPU's memory errors, as one line (reset for a pending remap, RMA for a failed one). */
export function eccAdvice(s: EccState, lang: Lang): string {
  const t = TEXT[lang];
  if (s.failure) return t.ecc.rma(s.label);
  if (s.pending || s.retiring) return t.ecc.reset(s.label, s.busId);
  return t.ecc.drain(s.label);
}

export const ecc: Composer = {
  topic: 'ecc',
  calls: (_u, host) => [
    { name: 'collect_nvidia_smi', input: { host } },
    { name: 'find_bottlenecks', input: { host, rules: [...ECC, 'pcie-downtrained', 'clock-throttle'] } },
  ],
  compose({ u, lang, host, r }) {
    const t = TEXT[lang];
    const fs = findingsAbout(r.data.find_bottlenecks?.findings ?? [], { ...subjectOf(u), rules: ECC });
    // a downtrained link or an overheating GPU is a health problem too, when the question is about health
    const other = findingsAbout(r.data.find_bottlenecks?.findings ?? [], {
      ...subjectOf(u),
      rules: ['pcie-downtrained', 'clock-throttle'],
    });
    const fine = (asksOk: boolean) =>
      (other.length > 0 ? '' : verdict({ ...u, asksOk }, false, lang)) +
      t.ecc.healthy(host, known.length, u.gpus.length > 0 ? states.map((x) => x.label) : []);
    const c = r.data.collect_nvidia_smi;
    const states = eccStates(r, u.gpus);
    const gpus = (c?.gpus ?? []).filter(
      (g) => u.gpus.length === 0 || (g.index !== null && u.gpus.includes(g.index)),
    );
    const known = gpus.filter(
      (g) =>
        g.ecc.uncorrectedVolatile !== null ||
        g.ecc.uncorrectedAggregate !== null ||
        g.ecc.remappedRowsPending !== null,
    );
    const bad = states.filter(unhealthy);
    const direct: string[] = [];
    const support: string[] = [];
    const q = u.question;
    const asksBroken =
      /\bbroken\b|\bfaulty\b|\bdead\b|\bfailing\b|\bdying\b|\bbad\b|\brma\b|고장|망가|죽었|불량|맛이\s*갔/i.test(
        q,
      );
    const asksSafe =
      /\bsafe\b|\bkeep (?:running|using)\b|\bstill (?:use|run|ok|usable)|\bokay to (?:use|run)|계속\s*(?:써|쓰|돌|사용)|써도\s*(?:돼|되|괜찮)|돌려도\s*(?:돼|되|괜찮)|안전/i.test(
        q,
      );
    const asksMode =
      /\bmode\b|\becc\s+(?:is\s+)?(?:on|enabled|off|disabled|turned on)\b|\b(?:is|are)\s+(?:the\s+)?ecc\s+(?:on|enabled|off)|모드|켜져|꺼져|활성/i.test(
        q,
      );
    // ECC mode values nvidia-smi could not read (the parser warns and leaves the mode unknown)
    const modeError = (c?.warnings ?? []).find((w) => /ECC Mode/.test(w));
    const errorGpus = states
      .filter((s) => s.busId !== null && modeError?.includes(s.busId))
      .map((s) => s.label);

    if (asksMode && gpus.length > 0) {
      const modes = [...new Set(gpus.map((g) => g.ecc.mode))];
      if (modes.length === 1 && modes[0] === 'enabled')
        direct.push(verdict({ ...u, asksOk: true }, false, lang) + t.ecc.modeOn(host, gpus.length));
      else if (modes.length === 1 && modes[0] === 'disabled')
        direct.push(verdict({ ...u, asksOk: true }, true, lang) + t.ecc.modeOff(host, gpus.length));
      else if (modes.every((m) => m === null))
        direct.push(
          t.ecc.modeUnknown(
            errorGpus.length > 0 ? errorGpus : states.map((s) => s.label),
            modeError !== undefined,
          ),
        );
      else direct.push(`${t.ecc.modes(gpus.map((g) => g.ecc.mode))}`);
      if (bad[0]) direct.push(t.ecc.also(t.ecc.facts(bad[0])));
    } else if (asksBroken && states.length > 0) {
      const failed = bad.find((s) => s.failure);
      if (failed)
        direct.push(
          verdict({ ...u, asksOk: false }, true, lang) + t.ecc.brokenYes(failed.label, t.ecc.facts(failed)),
        );
      else if (bad[0]) direct.push(t.ecc.notBroken(bad[0].label, t.ecc.facts(bad[0]), bad[0].pending));
      else if (known.length > 0) direct.push(fine(false));
      else direct.push(t.ecc.noData(host));
      if (!failed && other.length > 0)
        direct.push(t.ecc.otherHardware(other.slice(0, 2).map((f) => f.title[lang])));
    } else if (asksSafe && states.length > 0) {
      if (bad[0]) direct.push(t.ecc.unsafe(bad[0].label, t.ecc.facts(bad[0]), bad[0].failure));
      else if (known.length > 0) direct.push(fine(true));
      else direct.push(t.ecc.noData(host));
      if (!bad[0] && other.length > 0)
        direct.push(t.ecc.otherHardware(other.slice(0, 2).map((f) => f.title[lang])));
    } else if (bad.length > 0) {
      direct.push(
        verdict(u, true, lang) +
          t.ecc.found(
            host,
            bad.map((s) => `${s.label}: ${t.ecc.facts(s)}`),
          ),
      );
    } else if (fs.length > 0) {
      direct.push(
        verdict(u, true, lang) +
          t.ecc.found(
            host,
            fs.map((f) => f.title[lang]),
          ),
      );
    } else if (known.length === 0) direct.push(t.ecc.noData(host));
    else {
      const pending = known.some((g) => g.ecc.remappedRowsPending === true);
      direct.push(
        verdict(u, false, lang) +
          t.ecc.none(
            host,
            known.length === gpus.length && u.gpus.length === 0 ? known.length : null,
            known.map((g) => g.index),
            pending,
          ),
      );
    }
    if (bad.length > 0) {
      for (const f of fs.slice(0, 2)) support.push(...evidenceLines(f, 1));
      support.push(`- ${eccAdvice(bad[0]!, lang)}`);
      for (const s of bad.slice(1, 3)) support.push(`- ${s.label}: ${t.ecc.facts(s)}`);
    } else if (known.length > 0) {
      const modes = [...new Set(known.map((g) => g.ecc.mode))];
      if (!asksMode) support.push(`- ${t.ecc.modes(modes)}`);
      const corrected = known.filter(
        (g) => (g.ecc.correctedAggregate ?? 0) > 0 || (g.ecc.correctedVolatile ?? 0) > 0,
      );
      support.push(
        `- ${corrected.length === 0 ? t.ecc.noCorrected : t.ecc.corrected(corrected.map((g) => ({ gpu: g.index, n: g.ecc.correctedAggregate ?? g.ecc.correctedVolatile })))}`,
      );
    }
    const src = c?.inputs.find((x) => /nvidia-smi-(?:xml|q)/.test(x)) ?? c?.inputs[0];
    if (src && (bad.length === 0 || fs.length === 0)) support.push(`- ${t.source(src)}`);
    return {
      direct,
      support,
      more: null,
      focus: {
        gpus: fs.flatMap((f) => f.gpus).concat(u.gpus),
        workloads: fs.flatMap((f) => f.workloads),
        rules: ECC,
        items: fs.map((f) => findingItem(f, host)),
      },
    };
  },
};
