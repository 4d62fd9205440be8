/** Payloads for the jobs tests. */
import type { z } from 'zod';
import type { SendJob, TurnJob } from '../../jobs/queue/contracts.ts';

export const turnJob = (
  text = 'why is GPU 3 slow?',
  conversationId = 'slack-T1-C1-1700000000.000100',
): z.input<typeof TurnJob> => ({
  conversationId,
  channelKey: null,
  text,
  user: { id: 'U1' },
  files: [],
  intent: 'ask',
  to: { surface: 'slack', channel: 'C1', thread: '1700000000.000100' },
  receivedAt: Date.now(),
});

export const sendJob = (texts: string[], channel = 'C1', done = 0): z.input<typeof SendJob> => ({
  to: { surface: 'slack', channel, thread: null },
  messages: texts.map((text) => ({ kind: 'message' as const, text })),
  done,
});
