/**
 * Understanding a question: its words, the known hosts and workloads, and the previous answer's focus →
 * what to answer (the topic), about what (host, GPUs, VMs → workloads, rules), and in which form (yes/no,
 * everything or the short answer, a request to change a server, off-topic). Pure: text and data in, data out.
 */
import { type Entities, entitiesOf, type Known } from './entities.ts';
import type { Focus, FocusItem, Topic } from './focus.ts';
import {
  type Absent,
  absentOf,
  asksCapacity,
  asksCommands,
  asksFirst,
  asksOk,
  asksOnly,
  asksOther,
  asksReboot,
  asksWhy,
  type ChangeKind,
  changeKindOf,
  continues,
  definitionTerms,
  gpuCountOf,
  isChangeRequest,
  isHelp,
  isOffTopic,
  isStatus,
  isYesNo,
  normalise,
  refersBack,
  type Term,
  topicsOf,
  wantsAll,
  wantsDetail,
} from './topics.ts';

export type { Known, KnownWorkload } from './entities.ts';

export interface Understanding {
  /** the question as asked (trimmed). */
  question: string;
  /** what to answer. */
  topic: Topic;
  /** every topic the question mentions, most specific action first. */
  topics: Topic[];
  /** the host the answer is about (named, implied by a VM or workload, the only one, or the previous one). */
  host: string | null;
  /** true when the question itself named the host (or "this server"). */
  hostNamed: boolean;
  /** host-like names that are not loaded ("gpu-node-99"). */
  unknownHosts: string[];
  gpus: number[];
  vms: number[];
  /** VM ids that no loaded workload carries. */
  unknownVms: number[];
  /** workloads named, or carried by the VMs named. */
  workloads: string[];
  /** the finding rules the question is about (from its topic, or the previous answer's). */
  rules: string[];
  yesNo: boolean;
  /** a yes/no question about whether something is fine ("Are the links OK?"): a problem found answers "No". */
  asksOk: boolean;
  /** "this GPU" when it could not be resolved here (the composer takes the host's only GPU). */
  thisGpu: boolean;
  /** asks to change a server ("delete VM 103", "apply the plan", "GPU 4 꺼줘"). */
  change: boolean;
  /** what a change request wants done (null when it is none). */
  changeKind: ChangeKind | null;
  offTopic: boolean;
  /** "what can you do?" (answered like off-topic: what InfraLens answers). */
  help: boolean;
  /** "all commands", "every finding", "전부". */
  wantsAll: boolean;
  /** "more detail", "자세히". */
  wantsDetail: boolean;
  /** asks for the commands by name. */
  commands: boolean;
  /** how the question leans on the previous answer ("why?": its cause; "the other one?": its other items). */
  followUp: 'none' | 'reference' | 'ordinal' | 'continue' | 'why' | 'other';
  /** the terms a definition question asks about ("what does NUMA mean?"). */
  terms: Term[];
  /** what a question about data InfraLens does not collect asks for (disk, CPU temperature, …). */
  absent: Absent | null;
  /** the question asks for a cause ("why", "왜", "how come"). */
  why: boolean;
  /** "fix 103 only", "VM 103만": this subject alone. */
  only: boolean;
  /** the GPUs a new job needs ("a 2-GPU job", "GPU 2개"), for capacity questions. */
  gpuCount: number | null;
  /** asks which VM / workload / job is the problem ("which vm is the problem?"). */
  whichWorkload: boolean;
  /** "the other one?" when the previous answer named nothing else: the GPUs it was about, to leave out. */
  exclude: number[];
  /** the previous answer's topic and items, for "why?" (its answer keeps them for "the other one?"). */
  previous: { topic: Topic; items: FocusItem[] } | null;
  /** the item of the previous answer an ordinal points to ("the second one"). */
  item: FocusItem | null;
}

/** The finding rules behind each topic (the subject a fix, a gain or a detail narrows to). */
export const TOPIC_RULES: Partial<Record<Topic, string[]>> = {
  slow: [
    'nvlink-split',
    'cross-socket',
    'numa-mismatch',
    'io-bound',
    'pcie-downtrained',
    'clock-throttle',
    'memory-pressure',
  ],
  idle: ['gpu-idle', 'mig-candidate', 'share-candidate', 'memory-underuse'],
  mig: ['mig-candidate', 'share-candidate'],
  nvlink: ['nvlink-split', 'cross-socket'],
  numa: ['numa-mismatch'],
  memory: ['memory-pressure', 'memory-underuse'],
  ecc: ['ecc-errors'],
  pcie: ['pcie-downtrained'],
  clocks: ['clock-throttle'],
  nic: ['nic-far'],
};

/** The topic a finding's rule belongs to (to answer "the second one" about its subject). */
export function topicOfRule(rule: string): Topic {
  const order: Topic[] = ['nvlink', 'numa', 'mig', 'ecc', 'pcie', 'clocks', 'nic', 'memory', 'idle', 'slow'];
  return order.find((t) => TOPIC_RULES[t]?.includes(rule)) ?? 'finding';
}

/** Topics whose answer can be narrowed to other GPUs or workloads in a follow-up ("and GPU 5?"). */
const CARRIES: Topic[] = [
  'slow',
  'score',
  'idle',
  'mig',
  'nvlink',
  'numa',
  'memory',
  'ecc',
  'pcie',
  'clocks',
  'nic',
  'fix',
  'gains',
  'entity',
  'finding',
];

const uniq = <T>(xs: T[]): T[] => [...new Set(xs)];

function hostOf(
  e: Entities,
  known: Known,
  workloads: string[],
  focus: Focus | null,
): [string | null, boolean] {
  if (e.hosts.length > 0) return [e.hosts[0]!, true];
  const owners = uniq(known.workloads.filter((w) => workloads.includes(w.name)).map((w) => w.host));
  if (owners.length === 1) return [owners[0]!, false];
  if (known.hosts.length === 1) return [known.hosts[0]!, e.thisServer];
  if (focus?.host && known.hosts.includes(focus.host)) return [focus.host, false];
  return [null, false];
}

export function understand(question: string, known: Known, focusIn: Focus | null): Understanding {
  const q = normalise(question.trim());
  const e = entitiesOf(q, known);
  const terms = definitionTerms(q);
  const absent = terms.length === 0 ? absentOf(q) : null;
  // questions that are not about a finding come first: rebooting, what to do first, room for a new job
  const matched = topicsOf(q);
  const special: Topic[] = [
    ...(asksReboot(q) ? (['reboot'] as const) : []),
    ...(asksFirst(q) && !matched.includes('report') ? (['first'] as const) : []),
    ...(asksCapacity(q) && !matched.includes('mig') ? (['capacity'] as const) : []),
  ];
  const topics = [...special, ...matched.filter((t) => !(special.includes('capacity') && t === 'compare'))];
  // a previous focus on a host that is no longer loaded says nothing
  const focus = focusIn && (focusIn.host === null || known.hosts.includes(focusIn.host)) ? focusIn : null;

  // VMs → workloads (on the named host when there is one)
  const onHost = (w: { host: string }) => e.hosts.length === 0 || e.hosts.includes(w.host);
  const vmWorkloads = e.vms.map((id) => known.workloads.find((w) => w.vmid === id && onHost(w)));
  let workloads = uniq([...e.workloads, ...vmWorkloads.filter((w) => w !== undefined).map((w) => w.name)]);
  const unknownVms = e.vms.filter((_, i) => vmWorkloads[i] === undefined);
  let gpus = e.gpus;
  // "this VM", "that GPU": the one the previous answer was about, or the only one there is
  let thisGpu = false;
  if (e.thisVm && workloads.length === 0 && e.vms.length === 0) {
    const vms = known.workloads.filter((w) => w.vmid !== null);
    if (focusIn?.workloads.length === 1) workloads = [...focusIn.workloads];
    else if (vms.length === 1) workloads = [vms[0]!.name];
  }
  if (e.thisGpu && gpus.length === 0 && workloads.length === 0) {
    if (focusIn?.gpus.length === 1) gpus = [...focusIn.gpus];
    else thisGpu = true;
  }
  const vms = e.vms;
  const named = gpus.length > 0 || vms.length > 0 || workloads.length > 0;

  let [host, hostNamed] = hostOf(e, known, workloads, focus);
  const help = topics.length === 0 && !named && isHelp(q);
  const offTopic = help || (topics.length === 0 && !named && e.hosts.length === 0 && isOffTopic(q));
  const change = !offTopic && !topics.includes('report') && isChangeRequest(q);

  let topic: Topic;
  let followUp: Understanding['followUp'] = 'none';
  let item: FocusItem | null = null;
  let rules = uniq(topics.flatMap((t) => TOPIC_RULES[t] ?? []));

  // "the worst one" after a list of hosts (listed worst first)
  const worst =
    /\bworst\b|가장\s*나쁜|제일\s*나쁜|최악/i.test(q) && focus?.items[0]?.kind === 'host' ? 1 : null;
  const ordinal = e.ordinal ?? worst;
  if (focus && ordinal !== null && focus.items.length > 0 && !named) {
    item = ordinal === -1 ? focus.items.at(-1)! : (focus.items[ordinal - 1] ?? null);
  }

  // a host named now that the previous answer was not about: its GPUs and workloads do not carry over
  const hostChanged = e.hosts.length > 0 && e.hosts[0] !== focus?.host;
  const carry = (): void => {
    followUp = 'reference';
    gpus = focus!.gpus;
    workloads = focus!.workloads;
    if (!hostNamed && focus!.host) host = focus!.host;
    if (rules.length === 0) rules = focus!.rules;
  };
  const canCarry = focus !== null && !named && !hostChanged;
  // "how is it?", "is it ok?": a fresh status question ("it" = the server), not the previous subject
  const freshStatus =
    topics.length === 0 &&
    isStatus(q) &&
    !wantsDetail(q) &&
    !/\b(?:that|this one|that one|those|them|these|the same)\b|그거|그건|그게|그것|이거|이건|이게|저거|저건|해당/i.test(
      q,
    );

  // "why?" / "and the other one?" after an answer: its main item's cause, or its other items
  const bareWhy = focus !== null && !named && asksWhy(q);
  const others =
    focus !== null && !named && !bareWhy && item === null && asksOther(q) ? otherItems(focus) : null;

  if (offTopic) topic = 'offtopic';
  else if (terms.length > 0 && !change) topic = 'define';
  else if (absent !== null && !change) topic = 'absent';
  else if (bareWhy) {
    followUp = 'why';
    topic = 'why';
    gpus = focus!.gpus;
    workloads = focus!.workloads;
    if (focus!.host) host = focus!.host;
    rules = focus!.rules;
    item = focus!.items[0] ?? null;
  } else if (others) {
    followUp = 'other';
    const prev = focus!.topic;
    topic =
      topics[0] ??
      (prev === 'why' || prev === 'offtopic' || prev === 'change' || prev === 'define' || prev === 'absent'
        ? 'overview'
        : prev === 'first'
          ? 'finding'
          : prev);
    gpus = uniq(others.flatMap((x) => x.gpus));
    workloads = uniq(others.flatMap((x) => x.workloads));
    if (focus!.host) host = focus!.host;
    const rs = uniq(others.map((x) => x.rule).filter((r): r is string => r !== null));
    rules = rs.length > 0 && topic === 'finding' ? rs : (TOPIC_RULES[topic] ?? rs);
    item = others[0] ?? null;
  } else if (item) {
    followUp = 'ordinal';
    gpus = item.gpus;
    workloads = item.workloads;
    if (item.host) host = item.host;
    if (item.rule) rules = [item.rule];
    const kindTopic: Topic =
      item.kind === 'move' || item.kind === 'command'
        ? 'fix'
        : item.rule
          ? 'finding'
          : item.kind === 'host'
            ? 'overview'
            : 'entity';
    topic = change ? 'change' : (topics[0] ?? kindTopic);
  } else if (change) {
    // "run it for me": the previous answer's subject
    topic = 'change';
    if (canCarry && refersBack(q)) carry();
  } else if (
    canCarry &&
    !freshStatus &&
    (refersBack(q) ||
      (topics.length === 0 && (wantsDetail(q) || continues(q))) ||
      // "그럼 어떻게 해?", "so what do I do?": the fix of what the previous answer was about
      ((topics[0] === 'fix' || topics[0] === 'gains') && topics.length === 1 && continues(q)))
  ) {
    // "how do I fix it?", "more detail", "is it bad?": the previous answer's subject
    carry();
    topic =
      topics[0] ?? (focus!.topic === 'offtopic' || focus!.topic === 'change' ? 'overview' : focus!.topic);
  } else if (named && topics.length === 0) {
    // "그럼 GPU 5는?", "what about VM 102?": the previous topic, about these
    if (focus && continues(q) && CARRIES.includes(focus.topic)) {
      followUp = 'continue';
      topic = focus.topic === 'finding' ? 'entity' : focus.topic;
      rules = focus.topic === 'finding' ? [] : (TOPIC_RULES[focus.topic] ?? []);
    } else topic = 'entity';
  } else if (topics.length > 0) topic = topics[0]!;
  else if (focus && continues(q) && CARRIES.includes(focus.topic)) {
    // "gpu-node-02는?" after an ECC answer: the same question about that host
    followUp = 'continue';
    topic = focus.topic;
    rules = TOPIC_RULES[focus.topic] ?? [];
  } else topic = thisGpu ? 'entity' : 'overview';

  // one host loaded: "compare" has nothing to compare unless the question asks something else too
  if (topic === 'compare' && known.hosts.length < 2 && topics.length > 1) topic = topics[1]!;
  // "compare train-llm-a and train-vision-b": the workloads (or GPUs) side by side, not the hosts
  if (topic === 'compare' && e.hosts.length < 2 && (workloads.length > 0 || gpus.length > 0))
    topic = 'entity';

  return {
    question: q,
    topic,
    topics,
    host,
    hostNamed,
    unknownHosts: e.unknownHosts,
    gpus: uniq(gpus),
    vms: uniq(vms),
    unknownVms,
    workloads: uniq(workloads),
    rules,
    yesNo: isYesNo(q),
    asksOk: asksOk(q),
    thisGpu,
    change,
    changeKind: change ? changeKindOf(q) : null,
    offTopic,
    help,
    wantsAll: wantsAll(q),
    wantsDetail: wantsDetail(q),
    commands: asksCommands(q),
    followUp,
    item,
    terms,
    absent,
    why: /\bwhy\b|\bhow come\b|\breason\b|\bcause[sd]?\b|왜|이유|원인|어째서/i.test(q),
    only: asksOnly(q),
    gpuCount: gpuCountOf(q),
    previous: followUp === 'why' && focus ? { topic: focus.topic, items: focus.items } : null,
    exclude:
      followUp === 'other' && gpus.length === 0 && workloads.length === 0
        ? (focus?.items[0]?.gpus ?? [])
        : [],
    whichWorkload:
      /\bwhich (?:vms?|workloads?|jobs?|process(?:es)?|containers?|guests?)\b|\bwhat (?:vm|workload|job)\b|(?:어떤|어느|무슨)\s*(?:vm|워크로드|작업|잡|프로세스)/i.test(
        q,
      ),
  };
}

/** The items of an answer other than its main one (items[0]), without repeating the main subject. */
function otherItems(focus: Focus): FocusItem[] {
  const main = focus.items[0];
  if (!main) return [];
  const same = (a: FocusItem) =>
    a.workloads.length > 0
      ? a.workloads.every((w) => main.workloads.includes(w))
      : a.gpus.length > 0 && a.gpus.every((g) => main.gpus.includes(g));
  return focus.items.slice(1).filter((x) => !same(x));
}
