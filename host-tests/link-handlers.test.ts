// The command handlers beside the schema (firmware/protocol/handlers.ts): one entry per command,
// and none runs before the checks its schema entry names. A command added to the schema without
// a handler does not compile; these tests hold the same at run time, and for every role.
import { describe, expect, it } from 'vitest';
import type { Role } from '../firmware/protocol/auth';
import { HANDLERS } from '../firmware/protocol/handlers';
import type { CommandName, CommandSpec } from '../firmware/protocol/schema';
import { COMMANDS, RANK } from '../firmware/protocol/schema';
import { crc16Hex } from '../firmware/shared/crc';
import { createLinkedPump, exampleKey } from '../host/protocol/virtual-link';
import { continuous, LIBRARY_JSON, PATIENT } from './fixtures';

const RIG = { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };
const linked = () => createLinkedPump({ mechanics: RIG, library: LIBRARY_JSON, reservoirNl: 8_000_000, prescription: continuous(1_000_000, { patientBolus: PATIENT }) });
const entries = Object.entries(COMMANDS as Record<CommandName, CommandSpec>) as [CommandName, CommandSpec][];
/** Commands that need a session of some role (not read-only, not STOP). */
const roleCommands = entries.filter(([, s]) => s.access !== 'read' && s.access !== 'anyone-framed');

describe('the handler table', () => {
  it('has one entry for every command of the schema and none besides', () => {
    expect(Object.keys(HANDLERS).sort()).toEqual(Object.keys(COMMANDS).sort());
  });

  it('lets only KEY come unsigned to a role command (provisioning, checked by its handler)', () => {
    expect(entries.filter(([name]) => HANDLERS[name].unsigned === true).map(([name]) => name)).toEqual(['KEY']);
  });
});

describe('no handler runs before the checks of its schema entry', () => {
  it.each(roleCommands.filter(([name]) => HANDLERS[name].unsigned !== true).map(([name]) => name))('%s framed without a session: E505, nothing changed', (name) => {
    const { client, vp } = linked();
    const before = JSON.stringify(vp.controller.status());
    const r = client().raw(`5 ${name} *${crc16Hex(`5 ${name}`)}`);
    expect(r.code).toBe(505);
    expect(JSON.stringify(vp.controller.status())).toBe(before);
  });

  it.each(roleCommands.filter(([, s]) => s.access !== 'patient').map(([name, s]) => [name, s.access] as const))('%s (%s) from the role below: E506, nothing changed', (name, access) => {
    const below = (Object.keys(RANK) as (keyof typeof RANK)[]).find((r) => RANK[r] === RANK[access as keyof typeof RANK] - 1) as Role;
    const { client, vp } = linked();
    const c = client();
    expect(c.login(below, exampleKey(below)).ok).toBe(true);
    const before = JSON.stringify(vp.controller.status());
    expect(c.send(name).code).toBe(506);
    expect(JSON.stringify(vp.controller.status())).toBe(before);
  });
});
