// The virtual board as one plain ES module, for the processes that start boards by the dozen
// (the test station's batches, the tests' board fixture, the pty and NE-1000 benches).
//
// Why: a board started as `node --import tsx host/board/main.ts` spends about a second of CPU
// having tsx load and transform its 175 source files before it prints its ready line; the
// station bench starts 36 of them, two cores' worth of half a minute. esbuild bundles the same
// files in a tenth of a second, and the bundle starts in a third of a second. Nothing else
// changes: the same sources, the same tsconfig, no type check in either (tsx has none), npm
// packages left as imports (they resolve from build/board/ as from host/board/).
//
// `import.meta.url` is replaced in each file by that file's own URL, so paths a module finds
// next to itself (the example prescriptions, the page's entry, @agoric/xsnap, rollup.config.mjs)
// resolve as they do from source, wherever the bundle lies. The bundle is built once a process,
// from the sources as they are then, and written under a hash of its text: processes that
// start boards at once each write the same file, or find it there.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Each module's `import.meta.url` as the URL of the file it was bundled from. */
const ownUrl: Plugin = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.[cm]?ts$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
      loader: 'ts',
    }));
  },
};

let built: Promise<string> | undefined;

/** The path of the board's bundle (build/board/main-HASH.mjs), built on the first call. */
export function boardBundle(): Promise<string> {
  built ??= (async () => {
    const r = await build({
      entryPoints: [join(ROOT, 'host/board/main.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: `node${process.versions.node.split('.')[0]}`,
      packages: 'external',
      write: false,
      logLevel: 'silent',
      plugins: [ownUrl],
    });
    const text = r.outputFiles[0]!.contents;
    const dir = join(ROOT, 'build', 'board');
    const file = join(dir, `main-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.mjs`);
    if (!existsSync(file)) {
      mkdirSync(dir, { recursive: true });
      // Written whole, then renamed: a process starting a board meanwhile never runs half a file.
      const part = `${file}.${process.pid}.part`;
      writeFileSync(part, text);
      renameSync(part, file);
      // Bundles of sources since changed: a day old is long past any process that started with one.
      for (const f of readdirSync(dir)) {
        const old = join(dir, f);
        const st = statSync(old, { throwIfNoEntry: false });
        if (old !== file && st && Date.now() - st.mtimeMs > 86_400_000) rmSync(old, { force: true });
      }
    }
    return file;
  })();
  return built;
}
