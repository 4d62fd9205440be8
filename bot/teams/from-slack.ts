/**
 * The fleet's posts (daily digests, alerts, recoveries: jobs/fleet/) are written once, as Slack Block Kit
 * with mrkdwn, because jobs/ knows no surface. For a Teams channel the transport turns such a message into
 * an Adaptive Card here: header → a large bold TextBlock, section / context → TextBlocks (context small
 * and subtle), divider → a separator on the next element; mrkdwn becomes the Markdown subset Teams renders
 * (`*bold*` → `**bold**`, `<url|label>` → `[label](url)`, Slack's `&amp;`/`&lt;`/`&gt;` escapes decoded,
 * the few emoji short codes the fleet uses → their characters). Unknown blocks are skipped; the message's
 * plain `text` stays the fallback. Pure.
 */

const EMOJI: Record<string, string> = {
  warning: '⚠️',
  rotating_light: '🚨',
  white_check_mark: '✅',
  chart_with_downwards_trend: '📉',
  chart_with_upwards_trend: '📈',
  information_source: 'ℹ️',
  x: '❌',
};

/** Slack mrkdwn → the Markdown subset of Adaptive Card TextBlocks in Teams. */
export function mrkdwnToMarkdown(s: string): string {
  return (
    s
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '')
      .replace(/<(https?:\/\/[^|>\s]+)\|([^>]+)>/g, (_, url: string, label: string) => `[${label}](${url})`)
      .replace(/<(https?:\/\/[^|>\s]+)>/g, (_, url: string) => `[${url}](${url})`)
      .replace(/:([a-z_]+):/g, (m, name: string) => EMOJI[name] ?? m)
      // bold: *x* → **x** (only pairs within a line, not a lone asterisk)
      .replace(/(^|[\s(•—-])\*([^*\n]+)\*(?=$|[\s).,:;!?—-])/gm, '$1**$2**')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&')
  );
}

type SlackBlock = { type?: unknown; text?: unknown; elements?: unknown; fields?: unknown };

const textOf = (t: unknown): string | null => {
  if (!t || typeof t !== 'object') return null;
  const x = t as { type?: unknown; text?: unknown };
  if (typeof x.text !== 'string') return null;
  // a Slack line break is a line of its own (a table row, a news item): in a TextBlock's Markdown a single
  // newline may be folded into the paragraph, a blank line never is
  return (x.type === 'mrkdwn' ? mrkdwnToMarkdown(x.text) : x.text).replace(/\n+/g, '\n\n');
};

/**
 * A Slack message's blocks as an Adaptive Card (1.5); null when none of its blocks has text (the
 * transport then posts the plain text).
 */
export function cardFromSlack(
  blocks: readonly unknown[],
): (Record<string, unknown> & { type: 'AdaptiveCard' }) | null {
  const body: Record<string, unknown>[] = [];
  let separator = false;
  const push = (el: Record<string, unknown>) => {
    body.push(separator ? { ...el, separator: true, spacing: 'Medium' } : el);
    separator = false;
  };
  for (const raw of blocks) {
    if (!raw || typeof raw !== 'object') continue;
    const b = raw as SlackBlock;
    if (b.type === 'divider') {
      separator = true;
      continue;
    }
    if (b.type === 'header') {
      const t = textOf(b.text);
      if (t) push({ type: 'TextBlock', text: t, size: 'Large', weight: 'Bolder', wrap: true });
      continue;
    }
    if (b.type === 'section') {
      const t = textOf(b.text);
      if (t) push({ type: 'TextBlock', text: t, wrap: true });
      if (Array.isArray(b.fields)) {
        const lines = b.fields.map(textOf).filter((x): x is string => !!x);
        if (lines.length) push({ type: 'TextBlock', text: lines.join('\n\n'), wrap: true });
      }
      continue;
    }
    if (b.type === 'context' && Array.isArray(b.elements)) {
      const t = b.elements
        .map(textOf)
        .filter((x): x is string => !!x)
        .join(' · ');
      if (t) push({ type: 'TextBlock', text: t, wrap: true, size: 'Small', isSubtle: true });
    }
  }
  if (body.length === 0) return null;
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body,
  };
}
