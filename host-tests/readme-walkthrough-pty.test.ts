// The README's walkthrough and the hardware guide's First drop, run as written against the
// virtual board (issue 21): every step of host/bench/newcomer.ts, the same code that gives
// the bench's newcomer.readmeStepsFailing, must pass. The documents mark the blocks to run
// (`<!-- walkthrough ... -->`) and say in backticks what each command prints; a step that
// fails names the document, the line and what was seen instead. The boards run on their
// manual clocks, so nothing here depends on how fast this machine is.
import { describe, expect, it } from 'vitest';
import { readWalkthrough, runWalkthrough } from '../host/bench/newcomer';

describe('the README walkthrough, as written', () => {
  it('reads the marked steps from both documents', () => {
    const steps = readWalkthrough();
    expect(new Set(steps.map((s) => s.doc))).toEqual(new Set(['README.md', 'hardware/README.md']));
    expect(steps.filter((s) => s.kind === 'board').length).toBeGreaterThanOrEqual(2);
    expect(steps.some((s) => s.watchUntil !== undefined)).toBe(true);
    expect(steps.some((s) => s.kind === 'file')).toBe(true);
    // Every program line commits without a terminal, or says it is refused.
    for (const s of steps.filter((x) => / program /.test(x.text))) expect(s.text.includes('--yes') || s.exit !== 0).toBe(true);
  });

  it('runs every step with the output the documents show', async () => {
    const log: string[] = [];
    const results = await runWalkthrough({ log: (l) => log.push(l) });
    const failing = results.filter((r) => !r.ok);
    expect(failing.map((r) => `${r.step.doc}:${r.step.line} ${r.step.text}: ${r.why}`)).toEqual([]);
    expect(results.length).toBeGreaterThanOrEqual(15);
  }, 600_000);
});
