/**
 * The project's root folder (the one with package.json), found from this module's own location, so the
 * sources run by tsx and the build in dist/ read the same samples and scripts.
 */
import { existsSync } from 'node:fs';

let root: URL | null = null;

export function projectRoot(): URL {
  if (root) return root;
  let dir = new URL('./', import.meta.url);
  for (let i = 0; i < 8; i++) {
    if (existsSync(new URL('package.json', dir))) {
      root = dir;
      return dir;
    }
    dir = new URL('../', dir);
  }
  throw new Error('InfraLens: cannot find the project root (package.json) above tools/paths');
}
