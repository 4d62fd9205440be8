/**
 * Korean particles (조사) after words that come from the inputs or from numbers: `GPU4` + 이/가 →
 * `GPU4가`, `train-rec-c` + 은/는 → `train-rec-c는`, `x16` + (으)로 → `x16으로`. Pure.
 *
 * The particle follows the pronunciation of the word's last character:
 * - Hangul: its final consonant (받침); ㄹ is the exception of (으)로 (`서울로`, not `서울으로`);
 * - digits as read one by one — 영 일 이 삼 사 오 육 칠 팔 구: 0, 1, 3, 6, 7, 8 end with a consonant (1, 7,
 *   8 with ㄹ), 2, 4, 5, 9 do not (numbers read whole end the same way: 십, 백, 천, 만 all have one);
 * - Latin letters by their Korean names: l 엘, m 엠, n 엔, r 알 end with a consonant (l and r with ㄹ), the
 *   others do not (a 에이, b 비, c 씨, k 케이, s 에스, x 엑스);
 * - `%` is read 퍼센트 (no consonant);
 * - a parenthesis at the end explains the word before it, which takes the particle (`간(NODE)으로`,
 *   `CPU(NODE)를`, `NIC0 (mlx5_0)이`); closing brackets, quotes and backticks are skipped.
 */

export type Particle = '은' | '이' | '을' | '과' | '로';

/** How the last sound of a word ends: no final consonant, ㄹ, or another consonant. */
export type Final = 'none' | 'rieul' | 'other';

const DIGIT_FINAL: Record<string, Final> = {
  '0': 'other',
  '1': 'rieul',
  '2': 'none',
  '3': 'other',
  '4': 'none',
  '5': 'none',
  '6': 'other',
  '7': 'rieul',
  '8': 'rieul',
  '9': 'none',
};

/** Characters that close a word without being read: `]`, `}`, quotes, backticks. */
const CLOSERS = /[\]}`'"’”»]+$/u;

/**
 * The word a particle attaches to: a parenthesis at the end explains the word before it and is not read
 * (`간(NODE)` → `간`, `NIC0 (mlx5_0)` → `NIC0`); alone (`(NODE)`) its content is.
 */
function readWord(word: string): string {
  let w = word.trimEnd();
  for (let guard = 0; guard < 4 && w.endsWith(')'); guard++) {
    let depth = 0;
    let open = -1;
    for (let i = w.length - 1; i >= 0; i--) {
      if (w[i] === ')') depth++;
      else if (w[i] === '(' && --depth === 0) {
        open = i;
        break;
      }
    }
    if (open < 0) break;
    const before = w.slice(0, open).trimEnd();
    w = before !== '' ? before : w.slice(1, -1).trimEnd();
  }
  return w.replace(CLOSERS, '').trimEnd();
}

/** The final sound of a word as read in Korean. */
export function finalOf(word: string): Final {
  const w = readWord(word);
  const ch = w.slice(-1);
  if (ch === '') return 'none';
  const code = ch.charCodeAt(0);
  if (code >= 0xac00 && code <= 0xd7a3) {
    const jong = (code - 0xac00) % 28;
    return jong === 0 ? 'none' : jong === 8 ? 'rieul' : 'other';
  }
  const digit = DIGIT_FINAL[ch];
  if (digit) return digit;
  const c = ch.toLowerCase();
  if (c === 'l' || c === 'r') return 'rieul';
  if (c === 'm' || c === 'n') return 'other';
  return 'none';
}

/** The particle alone, in the form the word takes: particle('GPU4', '이') → '가'. */
export function particle(word: string, p: Particle): string {
  const f = finalOf(word);
  const has = f !== 'none';
  switch (p) {
    case '은':
      return has ? '은' : '는';
    case '이':
      return has ? '이' : '가';
    case '을':
      return has ? '을' : '를';
    case '과':
      return has ? '과' : '와';
    case '로':
      return f === 'other' ? '으로' : '로';
  }
}

/** A word with its particle: josa('GPU4', '이') → 'GPU4가', josa('gpu-node-01', '은') → 'gpu-node-01은'. */
export function josa(word: string, p: Particle): string {
  return `${word}${particle(word, p)}`;
}

/** The fallbacks written when the word was not known (`이(가)`), and the particle each stands for. */
const FALLBACK: Record<string, Particle> = {
  '이(가)': '이',
  '가(이)': '이',
  '은(는)': '은',
  '는(은)': '은',
  '을(를)': '을',
  '를(을)': '을',
  '와(과)': '과',
  '과(와)': '과',
  '(으)로': '로',
  '으로(로)': '로',
};
const FALLBACK_RE =
  /이\(가\)|가\(이\)|은\(는\)|는\(은\)|을\(를\)|를\(을\)|와\(과\)|과\(와\)|\(으\)로|으로\(로\)/g;

/**
 * Every `X이(가)`, `X을(를)`, `X은(는)`, `X와(과)`, `X(으)로` (and the reversed spellings) of a text rewritten
 * to the form the word X before it takes: `GPU4이(가) 유휴` → `GPU4가 유휴`, `x16(으)로` → `x16으로`.
 */
export function fixParticles(text: string): string {
  if (!text.includes('(')) return text;
  return text.replace(FALLBACK_RE, (m: string, offset: number, whole: string) =>
    particle(whole.slice(Math.max(0, offset - 64), offset), FALLBACK[m]!),
  );
}
