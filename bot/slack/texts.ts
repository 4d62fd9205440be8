/**
 * The Slack bot's fixed texts, in English and Korean: `/infralens help`, what files it reads, what to do
 * without a server, progress texts, suggested prompts, and the messages for a refused, failed or ignored
 * request. Every text is Slack mrkdwn that can be posted as it is: values from outside (file names, an
 * error) are cleaned and escaped, and the fixed wording uses no mrkdwn markup, so it reads the same
 * whether it is posted raw or passed through `mrkdwn` again.
 */
import { josa } from '../../scoring/korean.ts';
import type { Lang } from '../../scoring/report.ts';
import { safeInline } from '../../scoring/text-safety.ts';
import { MAX_INPUT_BYTES } from '../../tools/ingest/index.ts';
import { escapeMrkdwn } from './blocks.ts';
import type { DownloadErrorKind } from './download.ts';

const MIB = MAX_INPUT_BYTES / (1024 * 1024);

/** A value from outside, on one line, cut, and escaped for mrkdwn. */
const value = (s: string, max = 128) => escapeMrkdwn(safeInline(s, max));

const FORMATS: Record<Lang, string> = {
  en: [
    `Files I read (plain text, up to ${MIB} MiB each; I detect the format myself):`,
    '• the bundle of the InfraLens collector (`infralens collect-script` prints the script: run it on the server, upload what it prints): everything below in one file',
    '• `nvidia-smi -q -x` (or `nvidia-smi -q`), `nvidia-smi`, `nvidia-smi -L`',
    '• `nvidia-smi topo -m`',
    '• `nvidia-smi --query-gpu=… --format=csv` and `nvidia-smi --query-compute-apps=… --format=csv`',
    '• `nvidia-smi mig -lgip`, `nvidia-smi mig -lgi`',
    '• `numactl -H`, `lscpu`',
    '• dcgm-exporter metrics (its `/metrics` page)',
    '• Proxmox VM configs: `qm config VMID` or `/etc/pve/qemu-server/*.conf`, and `/etc/pve/mapping/pci.cfg`',
    '• a workloads file (YAML or JSON) saying which job uses which GPUs',
    'Not images, PDFs or archives: send the command outputs themselves.',
  ].join('\n'),
  ko: [
    `읽을 수 있는 파일 (일반 텍스트, 파일당 ${MIB} MiB까지, 형식은 자동으로 알아봅니다):`,
    '• InfraLens 수집 스크립트의 번들 (`infralens collect-script`가 스크립트를 출력합니다: 서버에서 실행하고 출력된 파일을 올려 주세요): 아래 전부가 한 파일에',
    '• `nvidia-smi -q -x` (또는 `nvidia-smi -q`), `nvidia-smi`, `nvidia-smi -L`',
    '• `nvidia-smi topo -m`',
    '• `nvidia-smi --query-gpu=… --format=csv`, `nvidia-smi --query-compute-apps=… --format=csv`',
    '• `nvidia-smi mig -lgip`, `nvidia-smi mig -lgi`',
    '• `numactl -H`, `lscpu`',
    '• dcgm-exporter 메트릭 (`/metrics` 페이지)',
    '• Proxmox VM 설정: `qm config VMID` 또는 `/etc/pve/qemu-server/*.conf`, 그리고 `/etc/pve/mapping/pci.cfg`',
    '• 어떤 작업이 어떤 GPU를 쓰는지 적은 워크로드 파일 (YAML 또는 JSON)',
    '이미지, PDF, 압축 파일은 읽지 않습니다: 명령 출력 자체를 보내 주세요.',
  ].join('\n'),
};

/** What files the bot reads (the formats of `infralens formats`). */
export function acceptedFormats(lang: Lang): string {
  return FORMATS[lang];
}

const HELP: Record<Lang, string> = {
  en: [
    'InfraLens tells you why your GPU servers are slow or idle and what to change. It only reads: it never changes a server.',
    '• `/infralens help`: this help',
    '• `/infralens hosts`: the servers I know',
    '• `/infralens score [HOST]`: the efficiency score of a server',
    '• `/infralens report [HOST]`: the PDF report',
    '• `/infralens ask QUESTION`: ask anything, e.g. `/infralens ask why is training slow?`',
    'Or mention me in a channel, or write to me directly, in English or Korean; I answer in the thread.',
    'To add a server, upload its command outputs in this channel or in a thread with me. The easiest: run the InfraLens collector on the server (`infralens collect-script` prints it) and upload the file it writes.',
    '',
    FORMATS.en,
  ].join('\n'),
  ko: [
    'InfraLens는 GPU 서버가 왜 느리거나 놀고 있는지, 무엇을 바꾸면 되는지 알려 줍니다. 읽기만 하고 서버를 바꾸지 않습니다.',
    '• `/infralens help`: 이 도움말',
    '• `/infralens hosts`: 알고 있는 서버 목록',
    '• `/infralens score [HOST]`: 서버의 효율 점수',
    '• `/infralens report [HOST]`: PDF 리포트',
    '• `/infralens ask QUESTION`: 무엇이든 질문, 예: `/infralens ask 학습이 왜 느려?`',
    '채널에서 저를 멘션하거나 직접 메시지를 보내도 됩니다 (한국어, 영어 모두 가능). 답은 스레드에 답니다.',
    '서버를 추가하려면 명령 출력을 이 채널이나 저와의 스레드에 올려 주세요. 가장 쉬운 방법: 서버에서 InfraLens 수집 스크립트를 실행하고 (`infralens collect-script`가 출력합니다) 그 결과 파일을 올리세요.',
    '',
    FORMATS.ko,
  ].join('\n'),
};

/** `/infralens help`: the subcommands, how to upload files, what the bot reads. */
export function helpText(lang: Lang): string {
  return HELP[lang];
}

const NO_HOSTS: Record<Lang, string> = {
  en: [
    'I have no server to look at yet. To add one:',
    '• upload its command outputs here (`/infralens help` lists them), or',
    '• run the InfraLens collector on the server (`infralens collect-script` prints it) and upload the file it writes, or',
    '• ask an operator to configure the server for InfraLens (read-only access).',
  ].join('\n'),
  ko: [
    '아직 살펴볼 서버가 없습니다. 서버를 추가하려면:',
    '• 서버의 명령 출력을 여기에 올리거나 (`/infralens help`에 목록이 있습니다)',
    '• 서버에서 InfraLens 수집 스크립트를 실행하고 (`infralens collect-script`가 출력합니다) 그 결과 파일을 올리거나',
    '• 운영자에게 InfraLens에 서버를 설정해 달라고 요청하세요 (읽기 전용 접근).',
  ].join('\n'),
};

/** No host is known: how to add one. */
export function noHosts(lang: Lang): string {
  return NO_HOSTS[lang];
}

/** A command or button named a host this conversation has no data for: say so, and name the known ones. */
export function unknownHost(lang: Lang, name: string, known: readonly string[]): string {
  const list = known
    .slice(0, 20)
    .map((h) => `\`${value(h)}\``)
    .join(', ');
  return lang === 'ko'
    ? `\`${value(name)}\`에 대한 데이터가 없습니다. 제가 아는 서버: ${list}.`
    : `I have no data for \`${value(name)}\`. The hosts I know: ${list}.`;
}

/** The message shown while a turn runs (replaced by the answer). */
export function placeholder(lang: Lang): string {
  return lang === 'ko' ? '살펴보는 중…' : 'Looking into it…';
}

/** assistant.threads.setStatus `status` (Slack shows it after the app's name). */
export function statusText(lang: Lang): string {
  return lang === 'ko' ? '살펴보는 중…' : 'is looking into it…';
}

const LOADING: Record<Lang, string[]> = {
  en: [
    'Reading the server outputs…',
    'Checking the GPU topology…',
    'Looking for NUMA and NVLink problems…',
    'Computing the efficiency score…',
    'Working out the placement plan…',
  ],
  ko: [
    '서버 출력을 읽는 중…',
    'GPU 토폴로지를 확인하는 중…',
    'NUMA와 NVLink 문제를 찾는 중…',
    '효율 점수를 계산하는 중…',
    '배치 계획을 세우는 중…',
  ],
};

/** assistant.threads.setStatus `loading_messages` (Slack allows up to 10). */
export function loadingMessages(lang: Lang): string[] {
  return [...LOADING[lang]].slice(0, 10);
}

const PROMPTS: { en: string; ko: string }[] = [
  { en: 'Why is training slow?', ko: '학습이 왜 느려?' },
  { en: 'Which GPUs are wasted?', ko: 'GPU 낭비 있어?' },
  { en: 'Give me the placement plan', ko: '배치 계획 보여줘' },
  { en: 'Make the PDF report', ko: '리포트 만들어 줘' },
];

/**
 * The suggested prompts of an assistant thread (Slack shows at most 4): both languages mixed, the
 * language given (English by default) first.
 */
export function suggestedPrompts(lang: Lang = 'en'): { title: string; message: string }[] {
  const other: Lang = lang === 'ko' ? 'en' : 'ko';
  return PROMPTS.map((p, i) => {
    const text = p[i % 2 === 0 ? lang : other];
    return { title: text, message: text };
  });
}

/** Too many requests from this user or channel. */
export function rateLimited(lang: Lang): string {
  return lang === 'ko'
    ? '요청이 너무 많습니다. 1분쯤 뒤에 다시 물어봐 주세요.'
    : 'Too many requests right now: please ask again in a minute.';
}

/** A turn that failed for good: what failed, and that no server was touched. */
export function failed(lang: Lang, reason: string): string {
  const why = value(reason, 500);
  return lang === 'ko'
    ? `답하지 못했습니다: ${why}. 어떤 서버도 바꾸지 않았습니다 (InfraLens는 읽기만 합니다). 잠시 뒤 다시 물어봐 주세요.`
    : `Sorry, I could not answer: ${why}. Nothing was changed on any server (InfraLens only reads). Please try again later.`;
}

/** Files of a message addressed to the bot that are not a format it reads: named, with the formats. */
export function ignoredUpload(lang: Lang, names: readonly string[]): string {
  const shown = names.slice(0, 10).map((n) => value(n));
  const more = names.length - shown.length;
  if (lang === 'ko') {
    const list = shown.join(', ') + (more > 0 ? ` 외 ${more}개` : '');
    return `${josa(list, '은')} 읽을 수 있는 형식이 아니라 건너뛰었습니다.\n${FORMATS.ko}`;
  }
  const list = shown.join(', ') + (more > 0 ? ` and ${more} more` : '');
  const one = names.length === 1;
  return `I skipped ${list}: ${one ? 'it is' : 'they are'} not a format I read.\n${FORMATS.en}`;
}

/** A file that could not be downloaded from Slack, and what to do. */
export function downloadError(lang: Lang, kind: DownloadErrorKind, name: string): string {
  const n = value(name);
  if (lang === 'ko') {
    switch (kind) {
      case 'too_large':
        return `${josa(n, '은')} ${MIB} MiB 한도를 넘습니다: 로그나 압축 파일이 아니라 명령 출력만 보내 주세요.`;
      case 'login_page':
        return `${josa(n, '을')} 내려받지 못했습니다: Slack이 파일 대신 로그인 페이지를 보냈습니다. 관리자가 InfraLens 앱에 files:read 권한을 추가하고 다시 설치해야 합니다.`;
      case 'http':
        return `${josa(n, '을')} Slack에서 내려받지 못했습니다 (요청이 거부됨). 다시 올려 주세요.`;
      case 'timeout':
        return `${n} 내려받기가 너무 오래 걸렸습니다. 다시 시도하거나 더 작은 파일을 올려 주세요.`;
      case 'network':
        return `${josa(n, '을')} 내려받으러 Slack에 연결하지 못했습니다. 잠시 뒤 다시 시도해 주세요.`;
    }
  }
  switch (kind) {
    case 'too_large':
      return `${n} is over the ${MIB} MiB limit: send the command outputs, not logs or archives.`;
    case 'login_page':
      return `I could not download ${n}: Slack sent a login page instead of the file. An admin must add the files:read scope to the InfraLens app and reinstall it.`;
    case 'http':
      return `I could not download ${n} from Slack (the request was refused). Please upload it again.`;
    case 'timeout':
      return `Downloading ${n} from Slack took too long. Try again, or upload a smaller file.`;
    case 'network':
      return `I could not reach Slack to download ${n}. Please try again in a minute.`;
  }
}
