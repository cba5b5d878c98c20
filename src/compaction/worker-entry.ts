// Where a worker thread's entry point lives. Workers load JavaScript: in the built package this
// module sits in dist/ next to the worker entry; when sett runs from TypeScript sources (vitest),
// the entry resolves to the built copy in dist/, which `npm test` builds first.

import { fileURLToPath, pathToFileURL } from 'node:url';
import { InternalError } from '../base/index.js';
import { nodeFS } from '../fs/index.js';

export function resolveWorkerEntry(fromUrl: string, relative: string): URL {
  const url = new URL(relative, fromUrl);
  const file = fileURLToPath(url);
  if (!fromUrl.endsWith('.ts')) return url;
  const built = file.replace(/([\\/])src([\\/])/, '$1dist$1src$2');
  if (built === file || !nodeFS.exists(built)) {
    throw new InternalError(`worker entry ${built} is missing: run "npm run build" first (sett's workers load the built JavaScript)`);
  }
  return pathToFileURL(built);
}
