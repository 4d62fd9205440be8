// Dependency-direction gate: bot → jobs → tools → scoring (and bin may use anything).
// A module may import only from its own layer or the layers to its right; scoring imports nothing of ours
// with I/O. Fails with the offending import.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const order = ['bot', 'jobs', 'tools', 'scoring'];
const forbiddenInScoring =
  /^(node:)?(fs|child_process|net|http|https|dgram|tls|worker_threads)(\/|$)|^ssh2$|^ioredis$|^bullmq$|^@slack\/|^@anthropic-ai\/|^@microsoft\//;

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (p.endsWith('.ts')) yield p;
  }
}

const problems = [];
for (const layer of order) {
  let dirFiles;
  try {
    dirFiles = [...files(join(root, layer))];
  } catch {
    continue;
  }
  for (const file of dirFiles) {
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)) {
      const spec = m[1];
      if (layer === 'scoring' && forbiddenInScoring.test(spec))
        problems.push(`${relative(root, file)}: scoring/ is pure, but imports '${spec}'`);
      if (!spec.startsWith('.')) continue;
      const target = relative(root, join(file, '..', spec)).split('/')[0];
      const ti = order.indexOf(target);
      if (ti >= 0 && ti < order.indexOf(layer))
        problems.push(`${relative(root, file)}: ${layer}/ must not import ${target}/ ('${spec}')`);
    }
  }
}
if (problems.length) {
  console.error(`dependency direction (bot → jobs → tools → scoring) violated:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('dependency direction ok');
