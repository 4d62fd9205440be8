// Build once at install (`npm ci` runs `prepare`): the CLI and the bot entry points are bundled by esbuild
// into dist/ (ESM, code-split so each command loads only what it uses: `formats` never loads the PDF
// renderer or the Anthropic SDK). Packages with their own assets (pdf-lib, subset-font's
// WebAssembly, the Anthropic SDK, Slack's SDKs, BullMQ with its Lua scripts, ioredis, ssh2 with its optional native addons, the Microsoft 365 Agents SDK with its optional telemetry peers) stay external; assets of ours are found from the project root
// (tools/paths.ts), so dist/ needs no copies. bin/infralens runs dist/ when it is newer than every source,
// else the sources through tsx (development). No type checking here: that is `npm run typecheck`.
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'dist');
export const ENTRIES = ['bin/cli.ts', 'bot/worker-thread.ts', 'jobs/placement/solve-worker.ts'];

const t0 = performance.now();
rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: ENTRIES.map((e) => join(root, e)),
  outdir: out,
  outbase: root,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: [
    'pdf-lib',
    'subset-font',
    '@anthropic-ai/sdk',
    '@slack/*',
    '@microsoft/*',
    'bullmq',
    'ioredis',
    'ssh2',
  ],
  // bundled CommonJS packages (yaml) call require(): give the ESM output one
  banner: {
    js: "import { createRequire as __infralensRequire } from 'node:module'; const require = __infralensRequire(import.meta.url);",
  },
  sourcemap: false,
  logLevel: 'warning',
});
// the PDF renderer finds its fonts next to its own module (a chunk at the top of dist/)
cpSync(join(root, 'jobs/report/fonts'), join(out, 'fonts'), { recursive: true });
writeFileSync(join(out, '.stamp'), `${new Date().toISOString()}\n`);
console.log(`build: ${ENTRIES.join(', ')} → dist/ in ${Math.round(performance.now() - t0)} ms`);
