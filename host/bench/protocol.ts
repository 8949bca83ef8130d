// protocol.fuzzFrames / protocol.fuzzViolations: a million inputs from a host that holds real
// sessions (signed frames among mutated, replayed, escalated and random ones, the virtual
// clock moving between them) against a pump whose whole state is compared after every input
// with a twin that got only what the spec allows (host/protocol/fuzz.ts has the oracle).
// What it proves: over these inputs no frame that was not authentic for a role allowed to send
// it changed the pump's state, no refused frame used up a sequence number, no key changed and
// no wrong CRC was answered OK. What it does not: it covers one link and the example keys,
// never opens the provisioning window, and finds only what its generator reaches (a seed, not
// a proof); the twin runs the same firmware, so a fault in a frame the spec allows is not seen
// here (the protocol tests check those answers).
import library from '../../firmware/app/examples/library.example.json';
import { fuzzProtocol } from '../protocol/fuzz';

export function benchProtocol(): Record<string, number> {
  const started = performance.now();
  const r = fuzzProtocol(library, 1_000_000, 20261122);
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  for (const v of r.firstViolations) console.error(`protocol fuzz violation: ${v}`);
  if (r.violations > 0) console.error(`protocol fuzz violations by kind: ${JSON.stringify(r.violationKinds)}`);
  return {
    'protocol.fuzzFrames': r.frames,
    'protocol.fuzzViolations': r.violations,
    // Of them, the firmware throwing (on a frame, or as time passed after allowed frames).
    'protocol.fuzzExceptions': r.exceptions,
    'protocol.fuzzSeconds': seconds,
    // Signed frames the oracle let act, and those it held back (bad MAC, old number, wrong role, ended session).
    'protocol.fuzzAuthentic': r.authentic,
    'protocol.fuzzRefusedSigned': r.refusedSigned,
    'protocol.fuzzLoginsWon': r.host.loginsWon,
    'protocol.fuzzSimulatedDays': Math.round(r.simulatedMs / 8_640_000) / 10,
  };
}
