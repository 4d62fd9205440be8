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
    /\bfix|\bsolve|\bresolv|\bremed|\bplan\b|placement|re-?arrang|re-?balanc|re-?organi[sz]|\bre-?place\b|optimi[sz]|\bimprove\b|what should (?:i|we) (?:do|change)|how (?:do|can|should|could|would) (?:i|we) (?:fix|solve|get|improve|make|reach|change|correct|repair|avoid|move|pin|use|enable|set|apply|deal|handle)|\brecommend|\bsuggest|\bcommands?\b|\bcmds?\b|\bsteps?\b|what to do|\binstructions?\b|\bqm set\b|what (?:do|should) i (?:run|type)|고치|고쳐|해결|개선|(?<!cpu\s{0,2})배치|옮기|옮겨|명령|커맨드|방법|어떻게\s*(?:해|하면|하나|바꿔|고|조치|설정)|조치|최적화|추천|권장|바꿔야|바꾸|계획|단계|스크립트|(?:뭐|무엇|뭘)부터|\bdowntime\b|다운타임|중단(?:이|해야|돼|되)|재시작(?:이|해야)|먼저\s*(?:뭘|무엇|뭐)|우선순위|\bpriorit|\bfirst\b.{0,20}\b(?:do|fix|change)\b/i,
  ],
  [
    'ecc',
    /\becc\b|\bhealth|\bxid\b|row.?remap|\bremap|retired page|\bfaulty\b|\bbroken\b|\bfailing\b|hardware (?:error|fault|problem|issue)|uncorrect|memory errors?|\berrors?\b|에러|오류|고장|건강|불량|결함|하드웨어\s*문제/i,
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
    /\bmig\b|vgpu|\bshar(?:e|ed|ing)\b|time-?slic|\bmps\b|partition|split (?:the|a|one|each) gpu|\bslices?\b|쪼개|쪼갤|나눠|나누|나눌|분할|공유|슬라이스|\b\d+g\.\d+gb\b/i,
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
    /\bdriver\b|\bcuda\b|how many (?:gpus|cards)|what (?:gpus|hardware|cards|models?)|which (?:gpu )?models?|\bspecs?\b|드라이버|쿠다|몇\s*(?:장|대)|(?:모델|사양|스펙)[이가은는]?\s*(?:뭐|무엇|어떻게)|(?:어떤|무슨)\s*gpu(?:가|를)?\s*(?:있|달려|꽂혀|써)|사양|스펙/i,
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
  return PRIORITY.filter((t) => topics.includes(t));
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
    // a predicate ending ("있어?", "괜찮아?", "돼?", "맞나요?", "정상이야?"); a bare noun ("상태?") is no yes/no
    return /(?:[아어야요까니냐지죠나해돼봐네대래]|있|없|맞|괜찮|했|인가|일까)\s*[?？.]*\s*$/.test(s);
  }
  return /^(?:and |so |but |then |ok,? |also )?(?:is|are|does|do|did|can|could|should|will|would|has|have|was|were|am|any|anything|isn't|aren't|doesn't|don't)\b/.test(
    s,
  );
}

/** A request to change a server (InfraLens only proposes): "delete VM 103", "apply the plan", "GPU 4 꺼줘", "재부팅해". */
export function isChangeRequest(q: string): boolean {
  const s = q.trim().toLowerCase();
  const VERB =
    '(?:apply|run|execute|delete|remove|destroy|kill|stop|shut ?down|reboot|restart|turn (?:off|on)|power (?:off|down|on)|disable|enable|migrate|move|reassign|reconfigure|change|set|create|install|fix|pin|do|start|reset|drain|assign|rearrange|re-?place)';
  if (/[가-힣]/.test(s)) {
    if (
      /방법|어떻게|알려|보여|뭐|무엇|할까|해야|하면|려면|나요\?|까\?|되나|돼\?|도 돼|가능|수 있|보고서|리포트|pdf|문서/.test(
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
  /^\s*(?:and|what about|how about|and what about|also|same for|then)\b|^\s*(?:그럼|그러면|그리고|그럼요|그래서|또)\b|^\s*(?:그럼|그러면)|(?:은|는)\s*[?？]?\s*$|(?:도|는요|은요)\s*[?？]\s*$/i.test(
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
