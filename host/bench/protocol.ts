// protocol.fuzzFrames / protocol.fuzzViolations: a million inputs (two streams of 500 000 from
// seeds of their own, one per core) from a host that holds real sessions (signed frames among
// mutated, replayed, escalated and random ones, the virtual clock moving between them) against
// a pump whose whole state is compared after every input with a twin that got only what the
// spec allows (host/protocol/fuzz.ts has the oracle).
// What it proves: over these inputs no frame that was not authentic for a role allowed to send
// it changed the pump's state, no refused frame used up a sequence number, no key changed and
// no wrong CRC was answered OK. What it does not: it covers one link and the example keys,
// never opens the provisioning window, and finds only what its generator reaches (a seed, not
// a proof); the twin runs the same firmware, so a fault in a frame the spec allows is not seen
// here (the protocol tests check those answers).
import library from '../../firmware/app/examples/library.example.json';
import { fuzzProtocol } from '../protocol/fuzz';

/** The million frames as two streams of their own seeds, one per core (index.ts's pool). */
export const FUZZ_SHARDS = 2;
const FUZZ_FRAMES = 1_000_000;
const FUZZ_SEED = 20261122;

/** One stream: shard `i` of FUZZ_SHARDS, FUZZ_FRAMES / FUZZ_SHARDS frames from seed FUZZ_SEED + i. */
export function benchProtocolShard(i: number): Record<string, number> {
  const started = performance.now();
  const r = fuzzProtocol(library, FUZZ_FRAMES / FUZZ_SHARDS, FUZZ_SEED + i);
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  for (const v of r.firstViolations) console.error(`protocol fuzz violation (stream ${i + 1}): ${v}`);
  if (r.violations > 0) console.error(`protocol fuzz violations by kind (stream ${i + 1}): ${JSON.stringify(r.violationKinds)}`);
  return {
    'protocol.fuzzFrames': r.frames,
    'protocol.fuzzViolations': r.violations,
    // Of them, the firmware throwing (on a frame, or as time passed after allowed frames).
    'protocol.fuzzExceptions': r.exceptions,
    // The longest stream's wall time (the streams run side by side).
    'protocol.fuzzSeconds': seconds,
    // Signed frames the oracle let act, and those it held back (bad MAC, old number, wrong role, ended session).
    'protocol.fuzzAuthentic': r.authentic,
    'protocol.fuzzRefusedSigned': r.refusedSigned,
    'protocol.fuzzLoginsWon': r.host.loginsWon,
    'protocol.fuzzSimulatedDays': r.simulatedMs / 86_400_000,
  };
}

/** The streams' figures as one run's: counts and simulated days add up, the seconds are the longest. */
export function combineProtocolShards(shards: readonly Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of shards) for (const [k, v] of Object.entries(s)) out[k] = k === 'protocol.fuzzSeconds' ? Math.max(out[k] ?? 0, v) : (out[k] ?? 0) + v;
  out['protocol.fuzzSimulatedDays'] = Math.round(10 * (out['protocol.fuzzSimulatedDays'] ?? 0)) / 10;
  return out;
}

/** The whole fuzz on this thread, the streams one after the other. */
export function benchProtocol(): Record<string, number> {
  return combineProtocolShards(Array.from({ length: FUZZ_SHARDS }, (_, i) => benchProtocolShard(i)));
}
