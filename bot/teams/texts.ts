/**
 * The Teams bot's fixed texts, in English and Korean: help (what InfraLens does, the command words of
 * bot/teams/commands.ts, the files it reads in a personal chat), the welcome when the app is added, the
 * PDF's file-consent flow, the report link in a channel, and the answers to a file posted in a channel and
 * to too many requests. Pure.
 *
 * Chat text as bot/slack/texts.ts writes it: the wording uses no markup beyond `code` and `•` items, and a
 * value from outside (a file name) is put on one line, cut, and escaped twice — `&`, `<`, `>` as entities,
 * markdown characters with a backslash — so a text reads the same posted as an activity's markdown `text`
 * and rendered by `textCards` (bot/teams/cards.ts). `consentDescription` is the one plain text (the
 * file-consent card shows it as it is).
 */
import { josa } from '../../scoring/korean.ts';
import type { Lang } from '../../scoring/report.ts';
import { safeInline } from '../../scoring/text-safety.ts';
import { MAX_INPUT_BYTES } from '../../tools/ingest/index.ts';
import { escapeMrkdwn } from '../slack/blocks.ts';
import type { DownloadErrorKind } from '../slack/download.ts';
import { acceptedFormats } from '../slack/texts.ts';
import { escapeMarkdown } from './cards.ts';
import { TEAMS_COMMANDS } from './commands.ts';

export { rateLimited } from '../slack/texts.ts';

/** A value from outside, on one line, cut, and escaped for both readings. */
const MAX_MIB = Math.round(MAX_INPUT_BYTES / 2 ** 20);
const value = (s: string, max = 128) => escapeMrkdwn(escapeMarkdown(safeInline(s, max)));

/** The Korean of each command's description (the manifest's, in commands.ts, is English). */
const COMMANDS_KO: Record<string, string> = {
  help: 'InfraLens가 하는 일과 읽는 파일',
  hosts: '서버들 상태: 모든 호스트의 점수, 나쁜 순',
  score: '호스트의 효율 점수 (score gpu-a)',
  report: '호스트의 PDF 리포트 (report gpu-a)',
  plan: '배치 계획과 기대 효과 (plan gpu-a)',
  recheck: '호스트를 다시 수집해 비교 (recheck gpu-a)',
};

/** The command words as `•` items: `score [HOST]`: what it does. */
function commandLines(lang: Lang): string[] {
  return TEAMS_COMMANDS.map((c) => {
    const host = c.intent !== 'help' && c.intent !== 'hosts' ? ' [HOST]' : '';
    const what = lang === 'ko' ? (COMMANDS_KO[c.title] ?? c.description) : c.description;
    return `• \`${c.title}${host}\`: ${escapeMrkdwn(what)}`;
  });
}

/** `help`: what InfraLens does, the command words, how to send files, what it reads. */
export function teamsHelp(lang: Lang): string {
  if (lang === 'ko')
    return [
      'InfraLens는 GPU 서버가 왜 느리거나 놀고 있는지, 무엇을 바꾸면 되는지 알려 줍니다. 읽기만 하고 서버를 바꾸지 않습니다.',
      '명령어 (채널에서는 @InfraLens 다음에 입력하세요):',
      ...commandLines('ko'),
      '한국어나 영어로 그냥 물어봐도 됩니다. 예: ‘학습이 왜 느려?’ 채널에서는 저를 멘션하면 스레드에 답합니다.',
      '서버를 추가하려면 명령 출력 파일을 저와의 개인 채팅으로 보내 주세요 (Teams는 개인 채팅에서만 봇에게 파일을 전달합니다). 가장 쉬운 방법: 서버에서 InfraLens 수집 스크립트를 실행하고 (`infralens collect-script`가 출력합니다) 그 결과 파일을 보내세요.',
      '',
      acceptedFormats('ko'),
    ].join('\n');
  return [
    'InfraLens tells you why your GPU servers are slow or idle and what to change. It only reads: it never changes a server.',
    'Commands (in a channel, type them after @InfraLens):',
    ...commandLines('en'),
    'Or ask in your own words, in English or Korean, e.g. ‘why is training slow?’. In a channel, mention me and I answer in the thread.',
    'To add a server, send me its command outputs in a personal chat (Teams gives bots files only there). The easiest: run the InfraLens collector on the server (`infralens collect-script` prints it) and send me the file it writes.',
    '',
    acceptedFormats('en'),
  ].join('\n');
}

/** The first message when the app is added to a personal chat, a team or a group chat. */
export function welcome(lang: Lang): string {
  return lang === 'ko'
    ? [
        '안녕하세요, InfraLens입니다. GPU 서버가 왜 느리거나 놀고 있는지, 무엇을 바꾸면 되는지 알려 드립니다. 읽기만 하고 서버를 바꾸지 않습니다.',
        '채널에서는 저를 멘션하고 질문하세요. 서버의 명령 출력 파일은 저와의 개인 채팅으로 보내 주세요. 명령어와 읽는 파일 목록은 `help`를 입력하면 볼 수 있습니다.',
      ].join('\n')
    : [
        'Hi, I am InfraLens. I tell you why your GPU servers are slow or idle and what to change. I only read: I never change a server.',
        'In a channel, mention me with your question. Send a server’s command outputs to me in a personal chat. Type `help` for the commands and the files I read.',
      ].join('\n');
}

/** The file-consent card's description (plain text: the card shows it as it is). */
export function consentDescription(lang: Lang, filename: string): string {
  const name = safeInline(filename, 128);
  return lang === 'ko'
    ? `InfraLens PDF 리포트 ${name}입니다. 수락하면 OneDrive에 저장됩니다.`
    : `The InfraLens PDF report ${name}. Accept to save it to your OneDrive.`;
}

/** Posted with the file-info card once the PDF is in the user's OneDrive. */
export function fileSent(lang: Lang, filename: string): string {
  const name = value(filename);
  return lang === 'ko' ? `리포트를 보냈습니다: ${name}` : `Here is the report: ${name}`;
}

/** The user declined the file-consent card. */
export function fileDeclined(lang: Lang, filename: string): string {
  const name = value(filename);
  return lang === 'ko'
    ? `${josa(name, '은')} 보내지 않았습니다. 필요할 때 리포트를 다시 요청해 주세요.`
    : `OK, I did not send ${name}. Ask for the report again whenever you need it.`;
}

const LINK_URL = /^https?:\/\/[^\s<>()|\\`]+$/i;

/**
 * In a channel (bots cannot upload there): a line linking the PDF the bot serves, and how long the link
 * works. A URL that is not a plain http(s) address gives the personal-chat text instead.
 */
export function reportLink(lang: Lang, url: string, hours: number): string {
  if (url.length > 4000 || !LINK_URL.test(url)) return noReportLink(lang);
  const h = Number.isFinite(hours) && hours >= 1 ? Math.round(hours) : 1;
  return lang === 'ko'
    ? `PDF 리포트: [여기서 내려받기](${url}) (링크는 ${h}시간 동안 유효합니다)`
    : `The PDF report: [download it here](${url}) (the link works for ${h} hour${h === 1 ? '' : 's'})`;
}

/** In a channel when no public URL is configured: ask in a personal chat to receive the PDF. */
export function noReportLink(lang: Lang): string {
  return lang === 'ko'
    ? '채널에서는 봇이 파일을 올릴 수 없고, 리포트 링크도 설정되어 있지 않습니다. 저와의 개인 채팅에서 리포트를 요청하시면 PDF를 보내 드립니다.'
    : 'Bots cannot upload files in a channel, and no report link is configured here. Ask me for the report in a personal chat and I will send you the PDF there.';
}

/** Someone attached a file in a channel or group chat: bots receive files only in a personal chat. */
export function filesOnlyInPersonal(lang: Lang): string {
  return lang === 'ko'
    ? '채널에 올린 파일은 읽을 수 없습니다: Teams는 개인 채팅에서만 봇에게 파일을 전달합니다. 저와의 개인 채팅으로 보내 주세요.'
    : 'I cannot read files posted in a channel: Teams gives bots files only in a personal chat. Send them to me there.';
}

/** While a turn runs, where a message is wanted besides the typing indicator. */
export function working(lang: Lang): string {
  return lang === 'ko' ? '살펴보는 중…' : 'Looking into it…';
}

/** A file shared in Teams that could not be downloaded, and what to do (Teams' wording of each kind). */
export function downloadError(lang: Lang, kind: DownloadErrorKind, name: string): string {
  const n = value(name);
  if (lang === 'ko') {
    switch (kind) {
      case 'too_large':
        return `${josa(n, '은')} ${MAX_MIB} MiB 한도를 넘습니다: 로그나 압축 파일이 아니라 명령 출력만 보내 주세요.`;
      case 'login_page':
      case 'http':
        return `${josa(n, '을')} 내려받지 못했습니다: Teams의 내려받기 링크가 만료되었거나 거부되었습니다. 파일을 다시 보내 주세요.`;
      case 'timeout':
        return `${n} 내려받기가 너무 오래 걸렸습니다. 다시 시도하거나 더 작은 파일을 보내 주세요.`;
      case 'network':
        return `${josa(n, '을')} 내려받으러 OneDrive에 연결하지 못했습니다. 잠시 뒤 다시 시도해 주세요.`;
    }
  }
  switch (kind) {
    case 'too_large':
      return `${n} is over the ${MAX_MIB} MiB limit: send the command outputs, not logs or archives.`;
    case 'login_page':
    case 'http':
      return `I could not download ${n}: Teams' download link expired or was refused. Please send the file again.`;
    case 'timeout':
      return `Downloading ${n} took too long. Try again, or send a smaller file.`;
    case 'network':
      return `I could not reach OneDrive to download ${n}. Please try again in a minute.`;
  }
}
