/**
 * What the chat front doors (bot/slack/app.ts, bot/teams/app.ts) share about a request's Redis work: a
 * bound on how long it may take, and the per-user / per-channel question limits (a counter per minute in
 * Redis, so every bot process on the same Redis counts together).
 */
import type { Backbone } from '../jobs/queue/backbone.ts';

/** How long a request's Redis work may take: Slack waits 3 s for the answer before it retries. */
export const REQUEST_REDIS_MS = 2_500;

/**
 * A request's Redis work, failed after REQUEST_REDIS_MS. Redis commands wait while Redis is away (they
 * are sent when it is back), so without a bound the request would hang — no 500, no retry by the
 * platform, and a shutdown waiting on the open connection. The work may still land once Redis is back:
 * under the event's own job id, so the platform's retry then adds nothing.
 */
export function inTime<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Redis did not answer within ${REQUEST_REDIS_MS} ms`)),
      REQUEST_REDIS_MS,
    );
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

export interface RateDeps {
  backbone: Pick<Backbone, 'kv'>;
  rate: { userPerMin: number; channelPerMin: number };
}

/** Allow a question under the per-user and per-channel limits (a counter per minute in Redis). */
export async function allowed(deps: RateDeps, user: string, channel: string): Promise<boolean> {
  const minute = Math.floor(Date.now() / 60_000);
  const [u, c] = await inTime(
    Promise.all([
      deps.backbone.kv.incrWindow(`rl-user-${user}-${minute}`, 120),
      deps.backbone.kv.incrWindow(`rl-chan-${channel}-${minute}`, 120),
    ]),
  );
  return u <= deps.rate.userPerMin && c <= deps.rate.channelPerMin;
}
