// What the dependency graph (.dependency-cruiser.cjs) cannot see: configuration enters once, at the entry
// points. Only bin/ and the bot's and worker's main modules (bot/main.ts, jobs/main.ts) may read
// process.env; everything else gets its configuration passed in. Fails naming the file and line.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const ENTRY = /^(bin\/|bot\/main\.ts$|jobs\/main\.ts$)/;

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (p.endsWith('.ts')) yield p;
  }
}

const problems = [];
for (const layer of ['bin', 'bot', 'jobs', 'tools', 'scoring']) {
  let list;
  try {
    list = [...files(join(root, layer))];
  } catch {
    continue;
  }
  for (const file of list) {
    const rel = relative(root, file);
    if (ENTRY.test(rel)) continue;
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (/\bprocess\.env\b/.test(line) && !/^\s*(\/\/|\*)/.test(line))
          problems.push(`${rel}:${i + 1}: reads process.env (configuration enters at bin/ or a main module)`);
      });
  }
}
if (problems.length) {
  console.error(`configuration read outside an entry point:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('configuration read only at entry points');
