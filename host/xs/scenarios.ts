// Scenarios shared by Node and XS (host-tests/xs-parity.test.ts). Each one drives a virtual
// pump with the virtual clock only and returns a compact, JSON-serialisable stream: every
// event the firmware published, each command's answer, and the rig's final position. The same
// function runs on Node (imported directly) and inside the XS engine of @agoric/xsnap's
// worker (bundled by host/xs/bundle.ts), and the two streams must be identical.
//
// No Node imports and nothing from the host's own clock: no Date, no Math.random, no timers.
// Noise comes from the rig's seeded PRNG. A later capability adds its scenarios to the file
// for its kind (the shared rigs and recorder are in scenario-kit.ts).

import type { Scenario } from './scenario-kit';
import { ALARMS_SCENARIOS } from './scenarios-alarms';
import { DELIVERY_SCENARIOS } from './scenarios-delivery';
import { PROTOCOL_SCENARIOS } from './scenarios-protocol';

export { PROTOCOL_COMMANDS, type Scenario, type ScenarioLib, type Stream, type StreamRow, type StreamValue } from './scenario-kit';

export const SCENARIOS: Readonly<Record<string, Scenario>> = { ...DELIVERY_SCENARIOS, ...ALARMS_SCENARIOS, ...PROTOCOL_SCENARIOS };

export const SCENARIO_NAMES = Object.keys(SCENARIOS);
