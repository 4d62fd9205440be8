/**
 * The words the Teams bot understands as commands (typed alone, or after its @mention) and offers in the
 * compose box's command menu. The app manifest's `commandLists` (manifests/teams/manifest.json) must list
 * exactly these; a test holds the two together.
 */
import type { TurnJob } from '../../jobs/queue/contracts.ts';

export interface TeamsCommand {
  /** what the user types (the first word); a host name may follow. */
  title: string;
  /** the manifest's description (English; Teams shows it in the command menu). */
  description: string;
  intent: TurnJob['intent'];
}

export const TEAMS_COMMANDS: readonly TeamsCommand[] = [
  { title: 'help', description: 'What InfraLens can do and which files it reads', intent: 'help' },
  {
    title: 'hosts',
    description: 'How are my servers? The score of every host, worst first',
    intent: 'hosts',
  },
  { title: 'score', description: 'The efficiency score of a host (score gpu-a)', intent: 'score' },
  { title: 'report', description: 'The PDF report of a host (report gpu-a)', intent: 'report' },
  { title: 'plan', description: 'The placement plan and its expected gain (plan gpu-a)', intent: 'plan' },
  { title: 'recheck', description: 'Collect a host again and compare (recheck gpu-a)', intent: 'recheck' },
];

/** A message that is a command: its intent and the host after it; null for a question in words. */
export function parseCommand(text: string): { intent: TurnJob['intent']; host?: string } | null {
  const m = /^\s*\/?([a-z-]+)\b\s*(\S*)\s*$/i.exec(text);
  if (!m) return null;
  const cmd = TEAMS_COMMANDS.find((c) => c.title === m[1]!.toLowerCase());
  if (!cmd) return null;
  const host = m[2]!.slice(0, 200);
  return host && cmd.intent !== 'help' && cmd.intent !== 'hosts'
    ? { intent: cmd.intent, host }
    : { intent: cmd.intent };
}
