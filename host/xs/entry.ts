// The script evaluated inside XS (bundled by bundle.ts into one plain script, no modules):
// the virtual rig, the firmware and the shared scenarios, behind the worker's global
// `handleCommand`. host/xs/runner.ts sends a scenario's name as the bytes of a `?` command;
// the reply is the UTF-8 JSON of `{ stream }`, returned from handleCommand as an ArrayBuffer so
// the worker sends it back as the body of its OK reply. An exception becomes the worker's `!`
// reply (its text), which the runner raises as an error.

import library from '../../firmware/app/examples/library.example.json';
import { createVirtualPump } from '../sim/virtual-pump';
import { SCENARIO_NAMES, SCENARIOS } from './scenarios';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function handleCommand(message: ArrayBuffer): ArrayBuffer {
  const name = decoder.decode(new Uint8Array(message));
  if (name === '') return encoder.encode(JSON.stringify({ scenarios: SCENARIO_NAMES })).buffer as ArrayBuffer;
  const scenario = SCENARIOS[name];
  if (scenario === undefined) throw new Error(`no scenario named ${name}`);
  try {
    const stream = scenario(createVirtualPump, { library });
    return encoder.encode(JSON.stringify({ stream })).buffer as ArrayBuffer;
  } catch (e) {
    const err = e as Error;
    throw new Error(`scenario ${name} threw on XS: ${String(err)}\n${err.stack ?? ''}`);
  }
}

(globalThis as unknown as { handleCommand: typeof handleCommand }).handleCommand = handleCommand;
