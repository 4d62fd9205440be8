/**
 * The bot's HTTP routes besides Slack's own: health (`/healthz`, `/readyz`), Prometheus metrics
 * (`/metrics`), and — added by bot/main.ts — Teams' `POST /api/messages` and the report links
 * (`GET /reports/:token`). One shape, Bolt's `CustomRoute`, so the same routes are served by Slack's
 * receiver on its port, or by a plain server (bot/teams/app.ts `serveRoutes`) when Slack is not configured.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from './metrics.ts';

export interface Route {
  /** a path, with `:name` segments (`/reports/:token`). */
  path: string;
  method: string[];
  /** `req.params` holds the path's `:name` segments. */
  handler: (req: IncomingMessage & { params?: Record<string, string> }, res: ServerResponse) => void;
}

export function healthRoutes(deps: { metrics: Metrics; notReady: () => Promise<string | null> }): Route[] {
  return [
    {
      path: '/healthz',
      method: ['GET'],
      handler: (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('ok\n');
      },
    },
    {
      path: '/readyz',
      method: ['GET'],
      handler: (_req, res) => {
        void deps.notReady().then((why) => {
          res.writeHead(why ? 503 : 200, { 'Content-Type': 'text/plain' });
          res.end(why ? `not ready: ${why}\n` : 'ready\n');
        });
      },
    },
    {
      path: '/metrics',
      method: ['GET'],
      handler: (_req, res) => {
        void deps.metrics.render().then((text) => {
          res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
          res.end(text);
        });
      },
    },
  ];
}
