/**
 * Regenerate the golden files under test/golden/ from samples/. Run explicitly after a deliberate
 * change of parser output (`npm run goldens:update`), then review the diff before committing.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { goldenInputs, goldenOf, goldenPath, serialize } from '../test/helpers/golden.ts';

let changed = 0;
for (const input of goldenInputs()) {
  const path = goldenPath(input);
  const next = serialize(goldenOf(input));
  let prev = '';
  try {
    prev = readFileSync(path, 'utf8');
  } catch {}
  if (prev !== next) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, next);
    changed++;
    console.log(`updated ${path}`);
  }
}
console.log(`${changed} golden file(s) changed`);
