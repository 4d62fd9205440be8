import type { Lang } from '../../scoring/report.ts';

/** The answer's language: Korean when the question has Hangul, else English. */
export function languageOf(question: string): Lang {
  return /[\uac00-\ud7a3\u3131-\u318e]/.test(question) ? 'ko' : 'en';
}
