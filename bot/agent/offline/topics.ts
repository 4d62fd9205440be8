/**
 * What a question asks about, from its words (English and Korean): the topics it mentions, and the form
 * of the question (yes/no, a request to change a server, off-topic, "all of it", "more detail", a
 * follow-up that refers to the previous answer). Text in, flags out; no entities here.
 */
import type { Topic } from './focus.ts';

/** Topics a question can ask about directly, with the words that say so. */
const PATTERNS: [Topic, RegExp][] = [
  ['report', /\breports?\b|\bpdf\b|\bdocument\b|write-?up|\bexport\b|보고서|리포트|레포트|문서|피디에프/i],
  [
    'gains',
    /how much (?:faster|better|quicker|gain|improv|speed|will|would|could|do we|does it)|\bgains?\b|\bbenefits?\b|speed-?up|\bexpected\b|\bimprovement\b|what (?:would|will) (?:i|we|it) (?:get|gain)|worth it|\bpay ?off\b|얼마나\s*(?:빨라|좋아|개선|나아|향상|빠르)|효과|이득|빨라지|빨라질|기대|향상|아껴|아낄|절약|\bsav(?:e|es|ing|ings)\b/i,
  ],
  [
    'fix',
    /\bfix|\bsolve|\bresolv|\bremed|\bplan\b|placement|re-?arrang|re-?balanc|re-?organi[sz]|\bre-?place\b|optimi[sz]|\bimprove\b|what should (?:i|we) (?:do|change)|how (?:do|can|should|could|would) (?:i|we) (?:fix|solve|get|improve|make|reach|change|correct|repair|avoid|move|pin|use|enable|set|apply|deal|handle)|\brecommend|\bsuggest|\bcommands?\b|\bcmds?\b|\bsteps?\b|what to do|\binstructions?\b|\bqm set\b|what (?:do|should) i (?:run|type)|고치|고쳐|해결|개선|(?<!cpu\s{0,2})배치|옮기|옮겨|명령|커맨드|방법|어떻게\s*(?:해|하면|하나|바꿔|고|조치|설정)|조치|최적화|추천|권장|바꿔야|바꾸|계획|단계|스크립트|\bdowntime\b|다운타임|중단(?:이|해야|돼|되)|재시작(?:이|해야)|(?:재부팅|리부팅)(?:이|을|해야|필요)|\b(?:need|have) to (?:reboot|restart)\b|\breboot(?:ing)? (?:needed|required)\b|what (?:do|should|can|must) (?:i|we) do\b|how (?:do|should|can) (?:i|we) (?:deal|handle)|어떻게\s*해\b|어떻게\s*해야|어쩌|뭘\s*해야|무엇을\s*해야/i,
  ],
  [
    'ecc',
    /\becc\b|\bhealth|\bsafe to (?:keep )?(?:run|use)|\bkeep (?:running|using)\b|\bstill (?:usable|ok|safe)|계속\s*(?:써도|돌려도|사용해도)|\bxid\b|row.?remap|\bremap|retired page|\bfaulty\b|\bbroken\b|\bfailing\b|\bdying\b|\bdead\b|hardware (?:error|fault|problem|issue)|uncorrect|memory errors?|\berrors?\b|에러|오류|고장|건강|불량|결함|하드웨어\s*문제/i,
  ],
  [
    'pcie',
    /pci-?e|\bpci\b|link (?:width|speed)|\bgen ?[2-6]\b|\bx8\b|\bx16\b|\blanes?\b|downtrain|레인|링크\s*(?:폭|속도|너비)/i,
  ],
  [
    'clocks',
    /\bclocks?\b|throttl|thermal|\bheat|\bhot(?:test|ter)?\b|\bcool(?:est|er)\b|temperature|\btemps?\b|\bpower\b|\bwatts?\b|overheat|cooling|\bfans?\b|\bcooler\b|클럭|스로틀|발열|온도|뜨거|과열|전력|전원|쿨링|냉각|팬\b|와트/i,
  ],
  [
    'nic',
    /\bnics?\b|network|\brdma\b|gpudirect|\bgdr\b|infiniband|\bib\b|\bmlx|\broce\b|ethernet|multi-?node|inter-?node|connectx|across (?:hosts|nodes|servers)|네트워크|랜카드|인피니밴드|멀티\s*노드|노드 간/i,
  ],
  [
    'mig',
    /\bmig\b|vgpu|\bshar(?:e|ed|ing)\b|time-?slic|\bmps\b|partition|split (?:the|a|one|each) gpu|\bslices?\b|\b\dg\s*(?:slices?|instances?|profiles?)\b|\b(?:mig|gpu) instances?\b|consolidat|\bcombine\b|\bmerge\b|\bpack\b|onto one gpu|on one gpu|into one gpu|쪼개|쪼갤|나눠|나누|나눌|분할|공유|슬라이스|합치|합칠|합쳐|모으|모을|모아|한\s*장에|하나로|\b\d+g\.\d+gb\b/i,
  ],
  [
    'numa',
    /\bnuma\b|\bpinn|\bpin\b|\bpins\b|affinity|cpu (?:pin|list|set|placement)|\bsockets?\b|cpuset|taskset|numactl|wrong cpus?|피닝|고정|소켓|친화|어피니티|cpu\s*(?:배치|할당|설정)/i,
  ],
  [
    'nvlink',
    /nvlink|\bnv\d+\b|topolog|\btopo\b|\bconnected\b|connection|interconnect|\bp2p\b|peer-?to-?peer|all-?reduce|\bnccl\b|\blinks?\b|nvswitch|연결|토폴로지|인터커넥트|링크/i,
  ],
  [
    'memory',
    /memory|\bvram\b|\boom\b|out of memory|\bhbm\b|headroom|\bmem\b|메모리|\bvram|oom|용량|메모리\s*부족/i,
  ],
  [
    'idle',
    /\bidle\b|unused|not (?:being )?used|\bwast|\bspare\b|\bfree\b|reclaim|under-?us|doing nothing|sitting|leftover|unallocated|\bavailable\b|놀고|노는|놀아|유휴|낭비|안\s*쓰|안\s*쓰이|쓰지\s*않|사용\s*안|남는|남아|비어|빈\s*gpu|회수|놀리|아무것도\s*안|\butili[sz]ation\b.{0,20}\blow|\blow\b.{0,20}\butili[sz]ation|사용률이?\s*(?:왜\s*)?(?:낮|적)|활용률|가동률|\bbusiest\b|\bmost (?:busy|used|loaded)\b|바빠|바쁜|사용률이?\s*(?:제일|가장)?\s*높/i,
  ],
  [
    'score',
    /\bscores?\b|\bgrades?\b|\brating\b|efficien|\bwhy\b[\w ]{0,24}\b(?:an? )?[a-f]\s*[?!.]*$|\b[a-f][- ]grade\b|\bgrade [a-f]\b|how (?:good|bad|efficient) |점수|등급|효율|몇\s*점|왜\s*[a-f]\b|(?<![a-z])[a-f]\s*(?:야|예요|이야|인가요|인지|등급|학점)/i,
  ],
  [
    'slow',
    /\bslow|sluggish|bottleneck|\bperformance\b|\bperf\b|tak(?:es|ing) (?:so )?long|\blag|\bspeed\b|\bfast(?:er)?\b|throughput|느려|느린|느림|느리|병목|성능|오래\s*걸|속도|빠르게/i,
  ],
  [
    'entity',
    /what(?:'s| is| are)? (?:runs?|running|on)\b|what runs|which (?:vm|workload|job|process)s? (?:is |are )?(?:on|using|uses|runs)|who (?:is )?(?:using|uses)|뭐가?\s*(?:돌|실행)|무엇이\s*(?:돌|실행)|어떤\s*(?:vm|워크로드|작업|프로세스)(?:이|가)?\s*(?:돌|실행|쓰|사용)|누가\s*(?:쓰|사용)/i,
  ],
  [
    'inventory',
    /\bdriver\b|\bcuda\b|how many (?:gpus|cards)|what (?:gpus|hardware|cards|models?|kind of gpus?)|which (?:gpu )?models?|model names?|gpu models?|\bspecs?\b|드라이버|쿠다|몇\s*(?:장|대)|모델\s*명|모델\s*이름|(?:모델|사양|스펙)[이가은는]?\s*(?:뭐|무엇|어떻게)|(?:어떤|무슨)\s*gpu(?:가|를)?\s*(?:있|달려|꽂혀|써)|(?:무슨|어떤)\s*(?:카드|그래픽)|사양|스펙/i,
  ],
  [
    'compare',
    /\bcompar|\bversus\b|\bvs\.?\b|which (?:host|server|node|machine|one)s? (?:is|are|has|have|needs?|should)|better or worse|difference between|\b(?:worst|worse|best|better|healthiest) (?:host|server|node|machine)s?\b|\brank (?:the )?(?:hosts|servers)|\bfleet\b|(?:all|both|each|every) (?:of )?(?:the )?(?:hosts|servers|nodes|machines)|비교|어느\s*(?:서버|호스트|노드|쪽)|어떤\s*(?:서버|호스트)|더\s*(?:나쁜|좋은|심각)|차이|서버들|전체\s*서버|모든\s*서버|두\s*서버|각\s*서버|서버\s*(?:별|마다)/i,
  ],
];

/** Higher first: an action on a subject wins over the subject ("how do I fix NUMA" is a fix). */
const PRIORITY: Topic[] = [
  'report',
  'gains',
  'fix',
  'compare',
  'ecc',
  'pcie',
  'clocks',
  'nic',
  'mig',
  'numa',
  'nvlink',
  'memory',
  'idle',
  'score',
  'slow',
  'entity',
  'inventory',
];

export function topicsOf(question: string): Topic[] {
  const found = PATTERNS.filter(([, re]) => re.test(question)).map(([t]) => t);
  // "memory errors" are about ECC; "PCIe link" is no NVLink question
  let topics = found;
  if (topics.includes('ecc') && /memory errors?|메모리\s*(?:에러|오류)/i.test(question))
    topics = topics.filter((t) => t !== 'memory');
  if (topics.includes('pcie')) topics = topics.filter((t) => t !== 'nvlink' || /nvlink|topo/i.test(question));
  if (topics.includes('gains')) topics = topics.filter((t) => t !== 'slow');
  // "jobs that cross CPU sockets" is the topology's cross-socket finding, not CPU pinning
  if (
    /cross(?:es|ing)?\s+(?:the\s+)?(?:cpu\s+)?sockets?|across\s+(?:cpu\s+)?sockets|소켓을?\s*(?:넘|가로)/i.test(
      question,
    )
  )
    topics = [...topics.filter((t) => t !== 'numa'), 'nvlink'];
  // "a PCIe switch with a NIC" asks about the NICs
  if (topics.includes('nic') && /switch|스위치/i.test(question)) topics = topics.filter((t) => t !== 'pcie');
  // "추론 서버들", "the inference servers": the inference VMs of a host, not several hosts
  if (
    topics.includes('compare') &&
    /(?:추론|학습|inference|training|serving)\s*(?:서버들|servers|vms|jobs)/i.test(question) &&
    !/비교|compar|\bvs\b|어느\s*(?:서버|호스트)|which (?:host|server)/i.test(question)
  )
    topics = topics.filter((t) => t !== 'compare');
  // "is it safe to keep running jobs on it?", "고장났어?": the GPUs' health, not their speed
  if (topics.includes('ecc')) topics = topics.filter((t) => t !== 'slow');
  return PRIORITY.filter((t) => topics.includes(t));
}

/**
 * Common typos and shorthands, fixed before the question is read ("whcih vm is teh problem", "whats",
 * "slwo"): word for word, so names and numbers are never touched.
 */
const TYPOS: Record<string, string> = {
  whcih: 'which',
  wich: 'which',
  whihc: 'which',
  whic: 'which',
  teh: 'the',
  hte: 'the',
  th: 'the',
  waht: 'what',
  wat: 'what',
  whta: 'what',
  whats: "what's",
  wheres: "where's",
  hows: "how's",
  whos: "who's",
  isnt: "isn't",
  arent: "aren't",
  doesnt: "doesn't",
  dont: "don't",
  cant: "can't",
  wont: "won't",
  slwo: 'slow',
  slwoly: 'slowly',
  sloww: 'slow',
  problme: 'problem',
  porblem: 'problem',
  probelm: 'problem',
  prolbem: 'problem',
  proble: 'problem',
  idel: 'idle',
  memroy: 'memory',
  mmeory: 'memory',
  memeory: 'memory',
  gpuz: 'gpus',
  gpsu: 'gpus',
  gup: 'gpu',
  gpus2: 'gpus',
  nvlnik: 'nvlink',
  nvlikn: 'nvlink',
  numaa: 'numa',
  pinnig: 'pinning',
  pining: 'pinning',
  tempreature: 'temperature',
  temprature: 'temperature',
  bandwith: 'bandwidth',
  bandwdith: 'bandwidth',
  reboto: 'reboot',
  rebot: 'reboot',
  comands: 'commands',
  commnads: 'commands',
  comand: 'command',
  commnad: 'command',
  u: 'you',
  ur: 'your',
  r: 'are',
  pls: 'please',
  plz: 'please',
  thx: 'thanks',
  y: 'why',
};

export function normalise(question: string): string {
  return question.replace(/[A-Za-z']+/g, (w) => {
    const fix = TYPOS[w.toLowerCase()];
    return fix === undefined ? w : fix;
  });
}

/** Commands asked for by name ("give me the commands", "명령어"). */
export const asksCommands = (q: string) =>
  /\bcommands?\b|\bcmds?\b|\bscripts?\b|what (?:do|should) (?:i|we) (?:run|type)|\bqm set\b|명령|커맨드|스크립트/i.test(
    q,
  );

/** Everything of something: "all commands", "every finding", "전부", "명령어 전부", "전체 목록". */
export const wantsAll = (q: string) =>
  /\ball (?:the |of the |\d+ )?(?:commands?|findings?|steps?|moves?|problems?|issues?|details?|gpus?|of (?:it|them))\b|\bevery (?:command|finding|step|move|problem|issue|gpu)\b|\bfull (?:plan|list|details?|command)|\bcomplete (?:list|plan)|\bwhole (?:plan|list)|\blist (?:all|everything)|\beverything\b|전부|전체\s*(?:명령|목록|발견|문제|단계|다)|모든\s*(?:명령|발견|문제|단계|항목|gpu)|모두\s*(?:보여|알려)|다\s*(?:보여|알려)/i.test(
    q,
  );

/** "more detail", "explain", "자세히". */
export const wantsDetail = (q: string) =>
  /\bmore (?:detail|details|info|information)\b|\bin detail\b|\bdetails?\b|\belaborate\b|\bexplain\b|\btell me more\b|\bgo deeper\b|\bwhy\?$|자세히|상세|더\s*(?:알려|설명|자세)|설명해|구체적/i.test(
    q,
  );

/** A yes/no question: "Is …", "Are there …", "Any …", "… 있어?", "… 괜찮아?" (no wh-word). */
export function isYesNo(q: string): boolean {
  const s = q.trim().toLowerCase();
  if (/[가-힣]/.test(s)) {
    if (/왜|뭐|무엇|무슨|어떤|어느|어디|언제|몇|얼마|어떻게|누구|어때|알려|보여|해\s*줘|주세요|뭔지/.test(s))
      return false;
    // "GPU 5는?", "gpu-node-02는요?": "what about …", not yes/no
    if (/(?:은|는)(?:요)?\s*[?？]\s*$/.test(s)) return false;
    // a predicate ending ("있어?", "괜찮아?", "돼?", "맞나요?", "정상이야?", "있음?", "바빠?"); a bare noun
    // ("상태?") is no yes/no
    if (/(?:[아어야요까니냐지죠나해돼봐네대래음임됨함]|있|없|맞|괜찮|했|인가|일까)\s*[?？.]*\s*$/.test(s))
      return true;
    return endsInformal(s);
  }
  if (
    /^(?:and |so |but |then |ok,? |also )?(?:is|are|does|do|did|can|could|should|will|would|has|have|was|were|am|any|anything|isn't|aren't|doesn't|don't)\b/.test(
      s,
    )
  )
    return true;
  // "ecc mode on?", "all gpus busy?": a state asked about without its verb
  return (
    !/\b(?:what|which|why|how|where|when|who)\b/.test(s) &&
    /\b(?:on|off|enabled|disabled|ok|okay|fine|healthy|working|broken|busy|idle|full|right|correct|normal|active|safe|supported)\s*\?+\s*$/.test(
      s,
    )
  );
}

/** A 반말 ending in -아/-어 ("바빠?", "뜨거워?", "느려?"): the common verb and adjective endings, not nouns. */
const endsInformal = (s: string) =>
  /(?:빠|커|워|려|써|떠|꺼|켜|쳐|져|겨|여|파|따|싸|차)\s*[?？]+\s*$/.test(s);

/** A request to change a server (InfraLens only proposes): "delete VM 103", "apply the plan", "GPU 4 꺼줘", "재부팅해". */
export function isChangeRequest(q: string): boolean {
  const s = q.trim().toLowerCase();
  const VERB =
    '(?:apply|run|execute|delete|remove|destroy|kill|stop|shut ?down|reboot|restart|turn (?:off|on)|power (?:off|down|on)|disable|enable|migrate|move|reassign|reconfigure|change|set|create|install|fix|pin|do|start|reset|drain|assign|rearrange|re-?place)';
  if (/[가-힣]/.test(s)) {
    if (
      /방법|어떻게|알려|보여|뭐|무엇|할까|해야|하면|려면|나요\?|까\?|되나|돼\?|도 돼|도\s*괜찮|도\s*될|해도|가능|수 있|보고서|리포트|pdf|문서/.test(
        s,
      )
    ) {
      // "… 해 줄 수 있어?" is still a request
      if (!/(?:해|줘|줄)\s*(?:줄\s*수|주실\s*수)\s*있/.test(s)) return false;
    }
    return (
      /(?:꺼|끄|삭제|지워|지우|재부팅|재시작|리부팅|실행|적용|옮겨|바꿔|변경|설정|종료|중지|멈춰|켜|활성화|비활성화|설치|생성|할당|고쳐|이동|재배치|초기화|리셋|정리|반영|배포)\s*(?:해|하|시켜|줘|주|해라|하라|해봐|하세요|해요|해줘|해 줘|해주세요|해 주세요|줄래|줘요)/.test(
        s,
      ) || /(?:지워|꺼|옮겨|바꿔|고쳐|켜|삭제|재부팅|재시작|적용|실행)\s*[!.]*\s*$/.test(s)
    );
  }
  if (
    /\b(?:how|what|which|why|should i|should we|can i|can we|could i|do i|do we|is it safe|would it|report|pdf|analy[sz])/.test(
      s,
    )
  )
    return false;
  return (
    new RegExp(String.raw`^(?:please |pls |now |just |go ahead and |ok,? |then )*${VERB}\b`).test(s) ||
    new RegExp(String.raw`\b(?:can|could|would|will) you (?:please |just )?${VERB}\b`).test(s) ||
    new RegExp(String.raw`\b${VERB}\b.*\bfor (?:me|us)\b`).test(s) ||
    /\bgo ahead\b|\bdo it\b|\bmake it so\b/.test(s)
  );
}

/** Not about GPU servers at all: weather, jokes, lunch, general programming. */
export const isOffTopic = (q: string) =>
  /\bweather\b|\bjokes?\b|\bfunny\b|\blunch\b|\bdinner\b|\bbreakfast\b|\brecipe|\bmovie|\bsong\b|\bmusic\b|\bfootball\b|\bsoccer\b|\bcapital of\b|\btranslate\b|\bpoem\b|\bstocks?\b|\bbitcoin\b|\bnews\b|\bpython\b|\bjavascript\b|\btypescript\b|\bjava\b|\bregex\b|\bsql\b|\bhello world\b|\bsort(?:ing)? (?:an? )?(?:list|array)|\bfunction that\b|\bwrite (?:me )?(?:a |some )?code\b|\bbirthday\b|\bvacation\b|\btime is it\b|날씨|농담|웃긴|점심|저녁|아침\s*메뉴|메뉴\s*추천|맛집|영화|노래|음악|축구|주식|비트코인|번역|시를|파이썬|자바스크립트|자바\b|정규식|코드\s*(?:짜|작성)|생일|휴가|몇\s*시/i.test(
    q,
  );

/** "what can you do?", "help". */
export const isHelp = (q: string) =>
  /^\s*(?:help|\?|hi|hello|hey)\s*[?!.]*\s*$|what (?:can|do) you (?:do|answer|know)|what does (?:infralens|it|this(?: bot)?) (?:check|do|analy[sz]e|look at)|who are you|what are you|how do(?:es)? (?:this|it|you) work|도움말|사용법|뭘?\s*할\s*수\s*있|무엇을\s*할\s*수|넌\s*누구|누구(?:야|세요)|안녕/i.test(
    q,
  );

/** Words that refer back to the previous answer: "it", "that", "this one", "그거", "그건". */
export const refersBack = (q: string) =>
  /\b(?:it|its|that|this one|that one|those|them|these|the same)\b|그거|그건|그게|그것|이거|이건|이게|저거|저건|그\s*(?:문제|발견|워크로드|vm|gpu|서버)|해당/i.test(
    q,
  );

/** A short follow-up that keeps the previous topic: "and GPU 5?", "what about VM 102?", "그럼 GPU 5는?". */
export const continues = (q: string) =>
  /^\s*(?:and|what about|how about|and what about|also|same for|then|so|ok|okay|alright)\b|^\s*(?:그럼|그러면|그리고|그럼요|그래서|또)\b|^\s*(?:그럼|그러면)|(?:은|는)\s*[?？]?\s*$|(?:도|는요|은요)\s*[?？]\s*$/i.test(
    q,
  );

/** Vague status questions that want the short overview. */
export const isStatus = (q: string) =>
  /\bhow(?:'s| is| are| does)\b|\bstatus\b|\bstate\b|\bdoing\b|\bgoing\b|\boverview\b|\bsummar|\bdiagnos|\bwhat'?s (?:wrong|up|the problem)|\bproblems?\b|\bissues?\b|\bok(?:ay)?\b|\bfine\b|\balright\b|\bcheck\b|\blook\b|어때|상태|괜찮|요약|전반|진단|문제|어떤가|봐\s*줘|점검|이상/i.test(
    q,
  );

/** What a change request wants done: the plan applied, something deleted, stopped or rebooted, or moved. */
export type ChangeKind = 'apply' | 'delete' | 'stop' | 'reboot' | 'move';

export function changeKindOf(q: string): ChangeKind {
  const s = q.toLowerCase();
  if (/\b(?:delete|remove|destroy|erase|wipe)\b|삭제|지워|지우|없애/.test(s)) return 'delete';
  if (/\b(?:reboot|restart|reset|power.?cycle)\b|재부팅|재시작|리부팅|리셋|초기화/.test(s)) return 'reboot';
  if (
    /\b(?:stop|shut ?down|turn off|power (?:off|down)|disable|kill|drain)\b|꺼|끄|종료|중지|멈춰|비활성화/.test(
      s,
    )
  )
    return 'stop';
  if (/\b(?:move|migrate|reassign|pin|rearrange|re-?place)\b|옮겨|이동|재배치|고정/.test(s)) return 'move';
  return 'apply';
}

/** A yes/no question asking whether something is fine ("Are the links OK?", "괜찮아?", "문제 없어?"), not whether a problem exists. */
export const asksOk = (q: string) =>
  /\b(?:ok|okay|fine|healthy|good|right|correct|correctly|properly|well|normal|alright|optimal|efficient|sane|configured right)\b|정상|괜찮|제대로|최적|효율적|맞(?:아|나|게|는|습)|잘\s*(?:되|돼|쓰|하|배치|설정|잡|구성)|문제\s*없|이상\s*없|좋아|양호/i.test(
    q,
  );

// ---------------------------------------------------------------------------------------------------------
// questions that are not about a finding: definitions, data InfraLens does not have, room for a new job,
// rebooting, what comes first, and the follow-ups "why?" and "the other one?"

/** The terms the glossary defines (text.ts `define.terms`). */
export const TERMS = [
  'numa',
  'nvlink',
  'mig',
  'vgpu',
  'sys',
  'node',
  'phb',
  'pix',
  'pxb',
  'nv',
  'passthrough',
  'pstate',
  'ecc',
  'remap',
  'pcie',
  'rdma',
  'mps',
  'timeslice',
  'allreduce',
] as const;
export type Term = (typeof TERMS)[number];

const TERM_RE: Record<Term, string> = {
  vgpu: `v-?gpus?|브이지피유`,
  mig: String.raw`mig|multi-instance gpu|멀티\s*인스턴스\s*gpu`,
  nvlink: `nvlinks?|엔브이링크`,
  numa: `numa|누마`,
  sys: `sys`,
  node: `node`,
  phb: `phb`,
  pix: `pix`,
  pxb: `pxb`,
  nv: String.raw`nv\d+|nv#`,
  passthrough: String.raw`(?:pci(?:e)?\s*)?pass-?through|패스\s*스루|패스스루|패스쓰루`,
  pstate: String.raw`p-?states?|퍼포먼스\s*스테이트|p\d{1,2}\s*(?:state|상태)`,
  ecc: `ecc`,
  remap: String.raw`row\s*remap(?:ping)?s?|remap(?:ping)?s?|리맵|재매핑`,
  pcie: String.raw`pci-?e(?:\s*gen(?:eration)?)?`,
  rdma: String.raw`gpudirect(?:\s*rdma)?|rdma`,
  mps: `mps`,
  timeslice: String.raw`time-?slic(?:e|es|ing)|타임\s*슬라이싱`,
  allreduce: `all-?reduce|올리듀스`,
};

/** "what does NUMA mean?", "vGPU가 뭐야?", "what does SYS mean in topo", "MIG란?": the terms asked about. */
export function definitionTerms(question: string): Term[] {
  const q = question
    .trim()
    .toLowerCase()
    .replace(/[‘’“”`'"]/g, '');
  const found: Term[] = [];
  // "NUMA node", "MIG mode", "NVLink group": the term with the noun it usually comes with
  const noun = String.raw`(?:\s*(?:node|nodes|mode|link|links|group|groups|instance|instances|노드|모드|링크|그룹|인스턴스))?`;
  for (const term of TERMS) {
    const t = `(?:${TERM_RE[term]})${noun}`;
    const en = [
      // "what does SYS mean (in topo)?", "what do SYS and NODE stand for?"
      String.raw`\bwhat\s+(?:does|do|is|are)\b[^?]*?(?<![\w-])(?:${t})(?![\w-])[^?]*\b(?:mean|means|stand for|stands for|refer to)\b`,
      // "what is MIG?", "what's a vGPU?", "what is NVLink in topo -m?"
      String.raw`^\s*(?:so |and |ok,? )?(?:what(?:'s|s| is| are)|explain|define|tell me what)\s+(?:an?\s+|the\s+)?(?:${t})(?:\s+(?:mode|is|means?))?\s*(?:in\s+[\w -]+)?\s*\??\s*$`,
      String.raw`\b(?:meaning|definition)\s+of\s+(?:an?\s+|the\s+)?(?:${t})(?![\w-])`,
      String.raw`(?<![\w-])(?:${t})(?![\w-])\s*(?:means|meaning|stands for)\s*\?`,
    ];
    const ko = [
      // "vGPU가 뭐야?", "NUMA란?", "SYS는 무슨 뜻이야?", "패스스루가 뭔가요", "topo에서 SYS 뜻"
      String.raw`(?<![\w-])(?:${t})(?![\w-])\s*(?:이|가|은|는|란|이란|라는\s*(?:게|건|것은|거)|이라는\s*(?:게|건|것은|거))?\s*(?:뭐야|뭔가요|뭐예요|뭐에요|뭐지|뭐임|뭔데|뭐냐|뭔지|무엇|무슨\s*(?:뜻|의미|말)|뜻|의미|개념)`,
      String.raw`(?<![\w-])(?:${t})(?![\w-])\s*(?:란|이란)\s*[?？]?\s*$`,
    ];
    if ([...en, ...ko].some((re) => new RegExp(re, 'i').test(q))) found.push(term);
  }
  // "what does NV6 mean": the NVLink term, not NVLink and NV at once
  if (found.includes('nv') && found.includes('nvlink')) found.splice(found.indexOf('nvlink'), 1);
  // "what is GPUDirect RDMA over PCIe": the first-named concept only
  return found.slice(0, 3);
}

/** Data InfraLens does not collect, by what the question asks for. */
export type Absent = 'disk' | 'cpuTemp' | 'cpuLoad' | 'network' | 'money';

export function absentOf(question: string): Absent | null {
  const q = question.toLowerCase();
  if (
    /\bdisks?\b|\bstorage\b|\bssds?\b|\bnvme\b|\bhdds?\b|file ?systems?|disk space|free space on|\binodes?\b|디스크|스토리지|저장\s*(?:공간|용량)|파일\s*시스템/.test(
      q,
    )
  )
    return 'disk';
  if (
    /\bcpus?\b.{0,20}(?:temp|temperature|heat|hot|°c|celsius)|(?:temp|temperature|heat)s?\b.{0,20}\bcpus?\b|cpu.{0,10}(?:온도|몇\s*도|뜨거|발열)|(?:온도|발열).{0,10}cpu|프로세서\s*온도/.test(
      q,
    )
  )
    return 'cpuTemp';
  if (
    /\bcpus?\s*(?:usage|load|utili[sz]ation|busy|consumption)|\bload average\b|\bload avg\b|cpu\s*(?:사용률|사용량|부하|점유율|로드)/.test(
      q,
    )
  )
    return 'cpuLoad';
  const net = String.raw`network|네트워크|inter-?node|between (?:our |the |my )?(?:nodes|hosts|servers|machines)|across (?:nodes|hosts|servers)|노드\s*(?:간|사이)|서버\s*(?:간|사이)|호스트\s*(?:간|사이)|ethernet|infiniband|\bib\b|\bnics?\b`;
  const speed = `bandwidth|throughput|speed|latency|gbps|gb/s|대역폭|속도|지연|레이턴시`;
  if (new RegExp(`(?:${net}).{0,40}(?:${speed})|(?:${speed}).{0,40}(?:${net})`, 'i').test(q))
    return 'network';
  if (
    /\bmoney\b|\bprices?\b|\bpricing\b|\$|\bdollars?\b|\bbudget\b|\bspend(?:ing)?\b|\bbills?\b|\busd\b|\beuros?\b|\bhow much (?:does|do|did|will) (?:it|this|that|they|the \w+) cost\b|\bcosts? (?:us|me|per|a month|a year|an hour)|\bcloud cost|돈|가격|요금|달러|원어치|청구|비싸|금액|(?<!중단\s*)비용/.test(
      q,
    )
  )
    return 'money';
  return null;
}

/** "can I put another training job here?", "where should a new 2-GPU job go?", "어느 서버에 새 학습 잡?". */
export const asksCapacity = (q: string) =>
  /\b(?:put|run|add|fit|start|schedule|place|launch|deploy|host|squeeze|spin up)\b.{0,30}\b(?:another|a new|new|one more|more|extra|additional|a second|a bigger)\b.{0,25}\b(?:jobs?|workloads?|training|model|vms?|runs?|experiments?|containers?|tasks?)\b|\broom for\b|\b(?:spare|free|remaining|available|left) capacity\b|\bcapacity (?:left|for)\b|\bwhere (?:should|can|could|do|would) (?:i|we) (?:put|run|place|start|schedule|launch|deploy)\b|\bwhere (?:should|would|can|could|does|do) (?:a|the|my|our) (?:new )?[\w-]*\s*(?:jobs?|workloads?|training|runs?|vms?)\b.{0,10}\bgo\b|\bwhich (?:gpus?|host|server|node|machine)s? (?:should|can|could|do|would) (?:i|we) (?:use|pick|take|choose|put|run|place)\b|\bnew\b.{0,25}\b(?:jobs?|workloads?|training run|vms?)\b.{0,25}\b(?:go|fit|land|run)\b|(?:새|새로운|추가|다른|또)\s*(?:학습|추론|작업|잡|job|vm|모델|워크로드|실험).{0,25}(?:올리|올릴|돌리|돌릴|넣|배치|띄우|띄울|추가|실행|어디|어느|어떤|가능|될까|돼|나아|좋아)|(?:올릴|돌릴|넣을|띄울)\s*(?:수|자리|곳|여유|만한)|여유\s*(?:gpu|자원|있|가\s*있)|(?:gpu|자리)(?:가)?\s*(?:남아|남는|비어|여유)|어느\s*(?:gpu|서버|호스트)(?:에|를|가)?.{0,15}(?:올리|돌리|써야|쓰면|넣|배치)|(?:몇\s*번|어떤)\s*gpu(?:를|에)?\s*(?:써야|쓰면|써|골라|고르)|gpu\s*몇\s*번(?:을|를)?\s*(?:써야|쓰면|써|골라|고르)/i.test(
    q,
  );

/** "is it safe to reboot?", "리부팅해도 돼?" (not "do I need to reboot?", the plan's downtime). */
export const asksReboot = (q: string) =>
  /\b(?:safe|ok|okay|fine|alright|possible|a good idea)\b.{0,25}\b(?:reboot|restart|power.?cycle|shut ?down|turn (?:it |the \w+ )?off|take (?:it|the \w+) down)\b|\bcan (?:i|we) (?:reboot|restart|shut ?down|power.?cycle|take (?:it|the \w+) down)\b|\b(?:reboot|restart)(?:ing)?\b.{0,25}\b(?:safe|ok|okay|fine|alright|risky|break)\b|\bwhat (?:happens|breaks) if (?:i|we) (?:reboot|restart|shut)|(?:재부팅|리부팅|재시작|리붓|껐다\s*켜|전원(?:을)?\s*(?:끄|꺼|내리))(?:을|를)?\s*(?:해도|하면\s*(?:안|돼|되|어떻|뭐)|시켜도|가능|괜찮|할\s*수)|(?:꺼도|내려도)\s*(?:돼|되|괜찮)/i.test(
    q,
  );

/** "what should I change first?", "제일 급한 거 뭐야?", "뭐부터 해야 돼?". */
export const asksFirst = (q: string) =>
  /\b(?:what|which|where)\b.{0,40}\bfirst\b|\bfirst\b.{0,25}\b(?:do|fix|change|tackle|address|handle|look at|work on)\b|\bprioriti|\bpriority\b|\bmost (?:urgent|important|pressing|critical)\b|\burgent(?:ly)?\b|\bwhere (?:do|should|can) (?:i|we) start\b|\bstart with\b|\bbiggest (?:problem|issue|win)\b|\btop (?:issue|problem|priority)\b|(?:제일|가장)\s*(?:급|시급|중요|먼저|큰\s*문제|심각)|급한|시급|(?:뭐|무엇|뭘|어디|어떤\s*거)\s*(?:부터|먼저)|먼저\s*(?:뭘|무엇|뭐|해야|고쳐|할|손)|우선\s*(?:순위|적으로|뭘|무엇|뭐)|최우선/i.test(
    q,
  );

/** A bare "why?" that asks the cause of the previous answer. */
export const asksWhy = (q: string) =>
  /^\s*(?:but |and |so |ok,? |hmm,? )?(?:why|how come|why(?: is| was)? (?:that|it|this)(?: so)?|why so|why not|what(?:'s| is) the (?:reason|cause)|reason|cause|because of what|why does it(?: happen)?)\s*[?!.]*\s*$|^\s*(?:그럼\s*|근데\s*|그런데\s*)?(?:왜|왜요|왜지|왜야|왜죠|왜 그래|왜 그래요|왜 그런데|왜 그런 거야|왜 그런거야|왜 그럴까|이유는|이유는요|이유가 뭐야|이유가 뭔데|이유가 뭐예요|원인은|원인이 뭐야|어째서|어째서요)\s*[?？!.]*\s*$/i.test(
    q,
  );

/** "and the other one?", "나머지는?": the items of the previous answer other than its main one. */
export const asksOther = (q: string) =>
  /\b(?:the )?other (?:one|ones|vms?|gpus?|jobs?|workloads?|hosts?|servers?|findings?|issues?|problems?)\b|\bthe others\b|\bthe rest\b|\bwhat else\b|\banything else\b|\bthe next (?:one|ones)\b|나머지|다른\s*(?:하나|거|것|애|vm|gpu|작업|문제)|또\s*다른|남은\s*(?:거|것|하나)|그\s*다음|다음\s*(?:거|것|은|는)/i.test(
    q,
  );

/** "fix 103 only", "VM 103만": this subject alone. */
export const asksOnly = (q: string) =>
  /\bonly\b|\balone\b|\bjust (?:the |vm |gpu )?\w+\s*\??$|(?:[0-9a-z)]|vm|gpu)\s*만(?![가-힣])|만\s*(?:고치|해결|옮기|하|적용|보여)/i.test(
    q,
  );

/** The number of GPUs a new job needs: "a 2 gpu job", "2-GPU", "GPU 2개", "2장짜리". */
export function gpuCountOf(q: string): number | null {
  const m =
    /\b(\d+)\s*-?\s*gpus?\b|\bgpus?\s*(\d+)\s*(?:개|장)|(\d+)\s*(?:개|장)\s*(?:의\s*)?(?:gpu|짜리)|\b(one|two|four|eight)[- ]gpus?\b/i.exec(
      q,
    );
  if (!m) return null;
  const word = m[4]?.toLowerCase();
  if (word) return { one: 1, two: 2, four: 4, eight: 8 }[word] ?? null;
  const n = Number(m[1] ?? m[2] ?? m[3]);
  return n > 0 && n <= 64 ? n : null;
}
