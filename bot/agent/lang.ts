import type { Lang } from '../../scoring/report.ts';

/** Words that say nothing about the language (identifiers and jargon both languages write in Latin). */
const NEUTRAL = new Set(
  'gpu gpus vm vms id ids numa mig nvlink nv pcie ecc nic nics cpu cpus pdf ok vgpu gi ci sm hbm ram vram oom io os smi nvidia topo mlx rdma gdr gen tb gb gib mb mib ms pid qm pve proxmox node host hostname xid dcgm cuda nccl llm llama vllm'.split(
    ' ',
  ),
);

/**
 * The answer's language: Korean when the question has Hangul; English when it has an English word that is
 * not an identifier; otherwise (e.g. "GPU 5?") the conversation's language so far.
 */
export function languageOf(question: string, previous: Lang = 'en'): Lang {
  if (/[\uac00-\ud7a3\u3131-\u318e]/.test(question)) return 'ko';
  const words = question.match(/[A-Za-z]{2,}/g) ?? [];
  if (words.some((w) => !NEUTRAL.has(w.toLowerCase()))) return 'en';
  return previous;
}
