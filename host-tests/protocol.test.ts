// The programming protocol end to end, through the host's own codec and client: every command,
// the errors a bad frame gets, two-phase programming, refill, roles, replay and expiry.
import { describe, expect, it } from 'vitest';
import { FIRMWARE_VERSION } from '../firmware/app/assemble';
import { crc16Hex } from '../firmware/shared/crc';
import { COMMANDS } from '../firmware/protocol/schema';
import { parseEvent } from '../host/protocol/codec';
import { createLinkedPump, exampleKey } from '../host/protocol/virtual-link';
import { continuous, LIBRARY_JSON, PATIENT } from './fixtures';

const MIN = 60_000;
const RIG = { syringe: 'bd-10ml', leadUm: 2000, fullStepsPerRev: 200, microsteps: 16 };

function linked(extra = {}) {
  return createLinkedPump({ mechanics: RIG, library: LIBRARY_JSON, reservoirNl: 8_000_000, prescription: continuous(1_000_000, { patientBolus: PATIENT }), ...extra });
}

describe('read-only queries', () => {
  it('answer bare lines a person can type, each with a CRC', () => {
    const { client } = linked();
    const c = client();
    for (const q of ['HELP', 'VERSION', 'STATUS', 'RX', 'ALARMS']) expect(c.query(q).ok).toBe(true);
    expect(c.query('VERSION').fields).toEqual({ fw: FIRMWARE_VERSION, proto: '1' });
    expect(c.query('STATUS').fields['state']).toBe('running');
    expect(c.query('RX').fields['drug']).toBe('water-bench');
    expect(c.query('HELP').fields['commands']!.split(',')).toEqual(Object.keys(COMMANDS));
  });
});

describe('bad frames get the documented error and change nothing', () => {
  it.each([
    ['garbage', 'x$%^', 502],
    ['an unknown command', 'LAUNCH', 502],
    ['a wrong CRC', '5 PAUSE *0000', 501],
    ['a CRC in lower case', '5 PAUSE *abcd', 501],
    ['a state change without framing', 'PAUSE', 504],
    ['a sequence number without a CRC', '5 PAUSE', 504],
    ['a role command without a session', `5 BOLUS *${crc16Hex('5 BOLUS')}`, 505],
    ['a bad argument', `5 SUB 7 *${crc16Hex('5 SUB 7')}`, 503],
    ['a missing argument', 'EVENTS', 503],
    ['two spaces', 'STATUS  x', 503],
  ])('%s', (_what, line, code) => {
    const { client, vp } = linked();
    const c = client();
    const before = JSON.stringify(vp.controller.status());
    const r = c.raw(line);
    expect(r.ok).toBe(false);
    expect(r.code).toBe(code);
    expect(JSON.stringify(vp.controller.status())).toBe(before);
  });

  it('an overlong line is refused and the next line is read', () => {
    const { link, written } = linked();
    link.receive(new TextEncoder().encode(`${'A'.repeat(300)}\nVERSION\n`));
    expect(written[0]).toMatch(/^ERR 500 /);
    expect(written[1]).toMatch(/^OK fw=0.1.0/);
  });
});

describe('authentication and roles', () => {
  it('logs in per role and refuses what the role may not do', () => {
    const { client } = linked();
    const patient = client();
    expect(patient.login('patient', exampleKey('patient')).ok).toBe(true);
    expect(patient.session?.role).toBe('patient');
    expect(patient.send('BOLUS').ok).toBe(true);
    const wrong = patient.send('PAUSE');
    expect(wrong.code).toBe(506);
    const clinician = client();
    expect(clinician.login('clinician', exampleKey('clinician')).ok).toBe(true);
    expect(clinician.send('PAUSE').ok).toBe(true);
  });

  it('refuses a wrong key with E510, logs each failure as an event, and locks after three', () => {
    const { client, vp } = linked();
    const c = client();
    for (let i = 0; i < 3; i++) expect(c.login('clinician', exampleKey('patient')).code).toBe(510);
    expect(c.login('clinician', exampleKey('clinician')).code).toBe(511);
    const security = vp.events.filter((e) => e.type === 'security');
    expect(security.map((e) => e.reason.code)).toEqual(['AUTH_FAILED', 'AUTH_FAILED', 'AUTH_FAILED']);
    expect(security[2]!.data['lockMs']).toBe(10_000);
  });

  it('executes a retried frame once and answers it the same; a replay in a new session fails', () => {
    const { client, vp } = linked();
    const c = client();
    c.login('patient', exampleKey('patient'));
    const first = c.send('BOLUS');
    expect(first.ok).toBe(true);
    const again = c.raw(first.frame);
    expect(again.line).toBe(first.line);
    expect(vp.controller.status().boluses).toHaveLength(1);
    c.login('patient', exampleKey('patient'));
    const replay = c.raw(first.frame);
    expect(replay.ok).toBe(false);
    expect([507, 509]).toContain(replay.code);
  });

  it('refuses a frame with a wrong MAC (E507) and a reused sequence number with other content (E509)', () => {
    const { client, vp } = linked();
    const c = client();
    c.login('clinician', exampleKey('clinician'));
    const forged = `9 PAUSE #0123456789abcdef`;
    expect(c.raw(`${forged} *${crc16Hex(forged)}`).code).toBe(507);
    const first = c.send('LOWRES', 100_000);
    expect(first.ok).toBe(true);
    const seq = first.frame.split(' ')[0];
    const other = `${seq} PAUSE #0123456789abcdef`;
    expect(c.raw(`${other} *${crc16Hex(other)}`).code).toBe(509);
    expect(vp.controller.status().state).toBe('running');
  });

  it('expires a session after 5 minutes idle', () => {
    const { client, vp } = linked();
    const c = client();
    c.login('clinician', exampleKey('clinician'));
    vp.runFor(5 * MIN + 1000);
    expect(c.send('PAUSE').code).toBe(508);
  });

  it('never lets a KEY without a MAC through because a service session was open before', () => {
    const { client } = linked();
    const service = client();
    expect(service.login('service', exampleKey('service')).ok).toBe(true);
    const intruder = client(); // same link, no MAC
    expect(intruder.send('KEY', 'patient', '55'.repeat(32)).code).toBe(514);
    expect(service.send('KEY', 'patient', '55'.repeat(32)).ok).toBe(true);
  });

  it('sets keys only in the provisioning window or from a service session', () => {
    const { client, auth, vp } = linked({ keys: false });
    const c = client();
    const key = '44'.repeat(32);
    const closed = c.send('KEY', 'patient', key);
    expect(closed.code).toBe(514);
    auth.openProvisioning(vp.controller.now());
    expect(c.send('KEY', 'patient', key).ok).toBe(true);
    expect(c.login('patient', new Uint8Array(32).fill(0x44)).ok).toBe(true);
  });
});

describe('two-phase programming', () => {
  it('stages, reads back the difference, and runs only what COMMIT names', () => {
    const { client, vp } = linked();
    const c = client();
    c.login('clinician', exampleKey('clinician'));
    const rx = continuous(1_100_000, { name: 'next', patientBolus: PATIENT });
    const { crc32, reply } = c.stage(rx);
    expect(reply.ok).toBe(true);
    const show = c.send('SHOW');
    expect(show.fields['diff']).toBe('name,basal');
    expect(vp.controller.status().prescription).toBe('test'); // nothing ran yet
    expect(c.send('COMMIT', '00000000').code).toBe(512);
    expect(c.send('COMMIT', crc32).ok).toBe(true);
    expect(vp.controller.status().prescription).toBe('next');
  });

  it('keeps a name beyond ASCII intact through staging (the JSON is sent ASCII-escaped)', () => {
    const { client, vp } = linked();
    const c = client();
    c.login('clinician', exampleKey('clinician'));
    expect(c.program(continuous(1_050_000, { name: 'Müller µ', patientBolus: PATIENT })).ok).toBe(true);
    expect(vp.controller.pump.prescription?.name).toBe('Müller µ');
  });

  it('refuses an incomplete or corrupt staging, and a tenfold increase without big=1', () => {
    const { client, vp } = linked();
    const c = client();
    c.login('clinician', exampleKey('clinician'));
    expect(c.send('STAGE', 100, 'deadbeef').ok).toBe(true);
    expect(c.send('CHUNK', 0, 'AAAA').ok).toBe(true);
    expect(c.send('COMMIT', 'deadbeef').code).toBe(513);
    expect(c.send('CHUNK', 50, 'AAAA').code).toBe(513);
    const big = c.program(continuous(10_000_000, { patientBolus: PATIENT }));
    expect(big.code).toBe(124);
    const { crc32 } = c.stage(continuous(10_000_000, { patientBolus: PATIENT }));
    expect(c.send('COMMIT', crc32, 'big=1').ok).toBe(true);
    expect(vp.controller.status().basalRateNlPerDay).toBe(10_000_000);
  });
});

describe('clinician commands', () => {
  it('refill records removed volume and flags a discrepancy; another drug while delivering is refused', () => {
    const { client, vp } = linked();
    const c = client();
    c.login('clinician', exampleKey('clinician'));
    // About 8 mL should be left; drawing out 6 mL is a 2 mL discrepancy.
    expect(c.send('REFILL', 6_000_000, 9_000_000, 1_000_000).ok).toBe(true);
    expect(vp.events.filter((e) => e.type === 'refill').map((e) => e.reason.code)).toEqual(['REFILL_DISCREPANCY']);
    expect(c.send('REFILL', 9_000_000, 9_000_000, 500_000).code).toBe(121); // not a concentration of water
    expect(c.send('REFILL', 9_000_000, 9_000_000, 500, 'baclofen').code).toBe(423); // running: pause first
    expect(c.send('REFILL', 9_000_000, 9_500_000, 1_000_000).ok).toBe(true);
    expect(vp.events.filter((e) => e.type === 'refill').map((e) => e.reason.code)).toEqual(['REFILL_DISCREPANCY', 'REFILLED']);
  });

  it('carries out every clinician command', () => {
    const { client, vp } = linked();
    const c = client();
    c.login('clinician', exampleKey('clinician'));
    expect(c.send('CBOLUS', 10_000, 60_000, 0).ok).toBe(true);
    expect(c.send('CLOCK', 3_600_000).ok).toBe(true);
    expect(c.send('LOWRES', 1_000_000).ok).toBe(true);
    expect(c.send('PAUSE').ok).toBe(true);
    expect(vp.controller.status().state).toBe('paused');
    expect(c.send('RESUME').ok).toBe(true);
    expect(c.send('PRIME').code).toBe(115); // no priming in this prescription
    expect(c.send('ACK').code).toBe(432);
    expect(c.send('BYE').ok).toBe(true);
    expect(c.send('PAUSE').code).toBe(505);
  });
});

describe('STOP and events', () => {
  it('STOP works for anyone who frames it, and goes before lines queued with it', () => {
    const { link, written, vp } = linked();
    const stop = `9 STOP *${crc16Hex('9 STOP')}`;
    link.receive(new TextEncoder().encode(`STATUS\n${stop}\n`));
    expect(written[0]).toMatch(/^9 OK state=paused/);
    expect(vp.controller.status().state).toBe('paused');
  });

  it('sends numbered event lines to a subscriber, and replays missed ones', () => {
    const { client, written, vp } = linked();
    const c = client();
    c.query('SUB', 1);
    c.login('clinician', exampleKey('clinician'));
    c.send('PAUSE');
    const events = [...c.received, ...written].map(parseEvent).filter((e) => e !== undefined);
    expect(events.some((e) => e!.type === 'pause')).toBe(true);
    const seqs = events.map((e) => e!.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const replayed = c.query('EVENTS', 1);
    expect(Number(replayed.fields['last'])).toBeGreaterThanOrEqual(seqs[seqs.length - 1]!);
    void vp;
  });
});

describe('service commands', () => {
  it('MECH changes the mechanics only while delivery is paused, and only for the service role', () => {
    const { client, vp } = linked();
    // One programming link carries one session at a time: the clinician first, then service.
    const clinician = client();
    clinician.login('clinician', exampleKey('clinician'));
    expect(clinician.send('MECH', 'bd-20ml', 2000, 200, 16).code).toBe(506);
    const service = client();
    service.login('service', exampleKey('service'));
    expect(service.send('MECH', 'bd-20ml', 2000, 200, 16).code).toBe(403);
    expect(service.send('PAUSE').ok).toBe(true);
    const set = service.send('MECH', 'bd-20ml', 2000, 200, 16, 205_000);
    expect(set.ok).toBe(true);
    expect(set.fields['flPerMicrostep']).toBe('205000000');
    expect(vp.controller.pump.mechanics.calibrated).toBe(true);
    expect(service.send('MECH', '14000x9000000', 2000, 200, 16).fields['syringe']).toBe('custom');
    expect(service.send('MECH', 'bd-7ml', 2000, 200, 16).code).toBe(200);
  });
});
