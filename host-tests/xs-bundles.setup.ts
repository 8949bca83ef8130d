// Global setup of the xs and pty projects (vitest.config.ts): builds the XS bundles their files
// use once, before any file starts. A cold rollup build type-checks the whole program (5-10 s of
// CPU); without this, the pty files that start boards with `--engine xs` would each build the
// same bundle at once, on a loaded machine, inside a board's start-up time. Afterwards the
// bundles come from build/xs/ (host/xs/bundle.ts).

import type { TestProject } from 'vitest/node';
import type { XsEntry } from '../host/xs/bundle';
import { bundleForXs } from '../host/xs/bundle';

const ENTRIES: Readonly<Record<string, readonly XsEntry[]>> = { xs: ['scenarios', 'steady'], pty: ['board'] };

export default async function setup(project: TestProject): Promise<void> {
  for (const entry of ENTRIES[project.name] ?? []) {
    // A failed build (a type error, say) is left to the tests that use the bundle: they build
    // again and fail with its message, and the pty files that never start XS still run.
    await bundleForXs(entry).catch(() => undefined);
  }
}
