/**
 * Alerts after each collection of a host, and a recovery message when the condition clears:
 * - `score-drop`: the score fell by more than `alerts.scoreDrop` points against the previous scored record;
 *   it clears when the score is back within that many points of the score before the drop;
 * - `critical-<fingerprint>`: a critical finding the host did not have an active alert for; it clears when
 *   a collection no longer finds it;
 * - `unreachable`: the last `alerts.unreachableAfter` collections failed; it clears when one succeeds.
 * A failed collection neither raises nor clears score and finding alerts (nothing is known about them).
 *
 * Each alert is posted to every channel that sees the host and has alerts on, at most once per (channel,
 * alert) within the cooldown (SET NX PX): a condition that flaps does not post again until the cooldown
 * lapses. A recovery goes to the channels that got the alert. Messages go through the send queue (paced per
 * channel, retried). The host's active alerts are kept in Redis (`<prefix>:fleet-alerts:<host>`).
 */
import type { HistoryFinding, HistoryRecord } from '../../scoring/history.ts';
import { jobId, type OutMessage } from '../queue/contracts.ts';
import { ALERT_TEXT } from './texts.ts';
import { type AlertSettings, covers, type FleetDeps, type HostEntry, langOf } from './types.ts';

export type AlertKind = 'score-drop' | 'critical' | 'unreachable';

/** An alert that was raised and has not cleared. */
export interface ActiveAlert {
  /** `score-drop`, `unreachable` or `critical-<fingerprint>`. */
  id: string;
  kind: AlertKind;
  since: number;
  /** score-drop: the score before the drop. */
  baseline?: number;
  finding?: HistoryFinding;
  /** the channels (`surface:id`) it was posted to. */
  channels: string[];
}

export interface AlertEvent {
  type: 'raised' | 'cleared';
  alert: ActiveAlert;
  /** the channels (`surface:id`) a message was queued for. */
  posted: string[];
}

/** What one collection changes in a host's active alerts. */
export interface AlertDecision {
  raise: Omit<ActiveAlert, 'channels'>[];
  clear: ActiveAlert[];
}

/**
 * Decide which alerts a new record raises and clears. Pure. `previous`: the host's records before this one,
 * newest first (at least `unreachableAfter − 1` of them for the unreachable rule; the first scored one is
 * the score-drop baseline).
 */
export function decideAlerts(
  current: HistoryRecord,
  previous: readonly HistoryRecord[],
  active: Readonly<Record<string, ActiveAlert>>,
  settings: AlertSettings,
): AlertDecision {
  const raise: AlertDecision['raise'] = [];
  const clear: ActiveAlert[] = [];
  const at = current.at;

  // unreachable
  const down = active.unreachable;
  if (current.error) {
    const streak = [current, ...previous].findIndex((r) => !r.error);
    const failed = streak === -1 ? previous.length + 1 : streak;
    if (!down && failed >= settings.unreachableAfter)
      raise.push({ id: 'unreachable', kind: 'unreachable', since: at });
    // nothing is known about the score or the findings
    return { raise, clear };
  }
  if (down) clear.push(down);

  // score drop
  const drop = active['score-drop'];
  if (current.score !== null) {
    if (drop) {
      if ((drop.baseline ?? 0) - current.score <= settings.scoreDrop) clear.push(drop);
    } else {
      const before = previous.find((r) => !r.error && r.score !== null);
      if (before && before.score! - current.score > settings.scoreDrop)
        raise.push({ id: 'score-drop', kind: 'score-drop', since: at, baseline: before.score! });
    }
  }

  // critical findings
  const criticals = new Map(
    current.findings.filter((f) => f.severity === 'critical').map((f) => [`critical-${f.fingerprint}`, f]),
  );
  for (const [id, finding] of criticals)
    if (!active[id]) raise.push({ id, kind: 'critical', since: at, finding });
  for (const a of Object.values(active)) if (a.kind === 'critical' && !criticals.has(a.id)) clear.push(a);
  return { raise, clear };
}

const activeKey = (host: string) => `fleet-alerts:${host}`;
const sentKey = (channel: string, host: string, id: string) => `fleet-alert-sent:${channel}:${host}:${id}`;
/** how long a host's active alerts are remembered without a collection. */
const ACTIVE_TTL_MS = 90 * 86_400_000;

async function loadActive(deps: FleetDeps, host: string): Promise<Record<string, ActiveAlert>> {
  const raw = await deps.state.get(activeKey(host));
  if (!raw) return {};
  try {
    const v = JSON.parse(raw) as Record<string, ActiveAlert>;
    return v && typeof v === 'object' ? v : {};
  } catch {
    return {};
  }
}

function message(text: string): OutMessage {
  return { kind: 'message', text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

function alertText(
  host: string,
  a: Omit<ActiveAlert, 'channels'>,
  lang: 'en' | 'ko',
  current: HistoryRecord,
  previous: readonly HistoryRecord[],
  settings: AlertSettings,
): string {
  switch (a.kind) {
    case 'score-drop': {
      const before = previous.find((r) => !r.error && r.score !== null);
      const grades =
        before?.grade && current.grade && before.grade !== current.grade
          ? lang === 'ko'
            ? `, 등급 ${before.grade} → ${current.grade}`
            : `, grade ${before.grade} → ${current.grade}`
          : '';
      return ALERT_TEXT.scoreDrop(lang, host, a.baseline ?? 0, current.score ?? 0, grades);
    }
    case 'critical':
      return ALERT_TEXT.critical(lang, host, a.finding!);
    case 'unreachable': {
      const streak = [current, ...previous].findIndex((r) => !r.error);
      const n = streak === -1 ? previous.length + 1 : streak;
      return ALERT_TEXT.unreachable(lang, host, Math.max(n, settings.unreachableAfter), current.error);
    }
  }
}

function recoveryText(host: string, a: ActiveAlert, lang: 'en' | 'ko', current: HistoryRecord): string {
  switch (a.kind) {
    case 'score-drop':
      return ALERT_TEXT.scoreBack(lang, host, a.baseline ?? 0, current.score);
    case 'critical':
      return ALERT_TEXT.criticalGone(lang, host, a.finding!);
    case 'unreachable':
      return ALERT_TEXT.answering(lang, host);
  }
}

/**
 * Evaluate a host's alerts after its record `current` was written, post what was raised or cleared, and
 * store the host's active alerts. `previous`: the records before `current`, newest first.
 */
export async function evaluateAlerts(
  deps: FleetDeps,
  host: HostEntry,
  current: HistoryRecord,
  previous: readonly HistoryRecord[],
): Promise<AlertEvent[]> {
  const settings = deps.inventory.alerts;
  const active = await loadActive(deps, host.name);
  const decision = decideAlerts(current, previous, active, settings);
  if (decision.raise.length === 0 && decision.clear.length === 0) return [];
  const channels = deps.inventory.channels.filter((c) => c.alerts && covers(c, host));
  const cooldownMs = settings.cooldownMinutes * 60_000;
  const events: AlertEvent[] = [];

  for (const a of decision.raise) {
    const posted: string[] = [];
    for (const c of channels) {
      const ch = `${c.surface}:${c.id}`;
      // once per (channel, alert) within the cooldown
      if (
        cooldownMs > 0 &&
        !(await deps.state.setOnce(sentKey(ch, host.name, a.id), String(a.since), cooldownMs))
      )
        continue;
      const text = alertText(host.name, a, langOf(c), current, previous, settings);
      await deps.outbox.enqueueSend(
        { to: { surface: c.surface, channel: c.id, thread: null }, messages: [message(text)], done: 0 },
        jobId('alert', c.surface, c.id, host.name, a.id, a.since),
      );
      posted.push(ch);
    }
    const alert: ActiveAlert = { ...a, channels: posted };
    active[a.id] = alert;
    events.push({ type: 'raised', alert, posted });
  }

  for (const a of decision.clear) {
    const posted: string[] = [];
    for (const c of channels) {
      const ch = `${c.surface}:${c.id}`;
      if (!a.channels.includes(ch)) continue;
      const text = recoveryText(host.name, a, langOf(c), current);
      await deps.outbox.enqueueSend(
        { to: { surface: c.surface, channel: c.id, thread: null }, messages: [message(text)], done: 0 },
        jobId('recovered', c.surface, c.id, host.name, a.id, a.since),
      );
      posted.push(ch);
    }
    delete active[a.id];
    events.push({ type: 'cleared', alert: a, posted });
  }

  if (Object.keys(active).length === 0) await deps.state.del(activeKey(host.name));
  else await deps.state.set(activeKey(host.name), JSON.stringify(active), ACTIVE_TTL_MS);
  for (const e of events)
    deps.log.info(`fleet: alert ${e.type}`, {
      host: host.name,
      alert: e.alert.id,
      channels: e.posted.length,
    });
  return events;
}
