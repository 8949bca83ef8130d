// protocol.fuzzFrames / protocol.fuzzViolations: a million random and mutated frames against
// the parser and dispatcher on a live virtual pump (host/protocol/fuzz.ts has the oracle).
import library from '../../firmware/app/examples/library.example.json';
import { fuzzProtocol } from '../protocol/fuzz';

export function benchProtocol(): Record<string, number> {
  const started = performance.now();
  const r = fuzzProtocol(library, 1_000_000, 20261122);
  for (const v of r.firstViolations) console.error(`protocol fuzz violation: ${v}`);
  return {
    'protocol.fuzzFrames': r.frames,
    'protocol.fuzzViolations': r.violations,
    'protocol.fuzzSeconds': Math.round((performance.now() - started) / 100) / 10,
  };
}
