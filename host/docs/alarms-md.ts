// Renders docs/alarms.md from the firmware's alarm table (`npm run docs`); a test fails when
// the committed file differs, so the document always says what the code does.
import { ALARMS } from '../../firmware/core/alarms';

const yes = (b: boolean): string => (b ? 'yes' : 'no');

export function renderAlarmsMarkdown(): string {
  const entries = Object.entries(ALARMS).sort((a, b) => a[1].code - b[1].code);
  return [
    '# Alarms',
    '',
    'Every alarm the controller raises, from the table in `firmware/core/alarms.ts` (generated',
    'by `npm run docs`; do not edit by hand). Each alarm is an `alarm` event whose reason code is',
    "the alarm's name and whose text says what the detector saw.",
    '',
    '- **Stops delivery**: the alarm goes through the single fault path (`Pump.#enterSafeState`):',
    '  the motor stops and is disabled, steps owed are dropped (never caught up), running boluses',
    '  end as interrupted, and a `safe-state` event is recorded. After an occlusion the plunger',
    '  backs off by the volume the line holds, so little is released when the blockage clears.',
    '- **Latching**: the alarm stays active after its condition clears, until acknowledged.',
    '- **Ack first**: until acknowledged, only acknowledge, pause, status and reads are accepted',
    '  (other commands get E430).',
    '- When the last alarm that stops delivery clears, delivery resumes by itself without catching',
    '  up (or stays paused if the operator paused it). An occlusion cleared while its back-off still',
    '  runs holds delivery (state `alarm`, resume refused with E431) until the back-off is done, and',
    '  resumes from then: resumed at once, the basal of the back-off time would come as a burst.',
    '- Annunciator: the buzzer and LED sound the pattern of the highest-priority unacknowledged',
    '  alarm (high: a burst of 10 pulses every 5 s; medium: 3 pulses every 8 s; low: 2 pulses',
    '  every 16 s).',
    '',
    '- **Momentary**: raised by an event (a detector verdict, a fault edge, a reset) rather than a',
    '  level the controller can watch: acknowledging clears it, and if the cause persists the',
    '  detector raises it again (stall and driver-fault lines are re-read at acknowledgement).',
    '  The others clear only once their condition is gone (a refill, a sensor answering again).',
    '',
    '| Code | Alarm | Priority | Stops delivery | Latching | Ack first | Momentary | Raised by | Clears |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...entries.map(
      ([name, a]) => `| A${a.code} | \`${name}\` | ${a.priority} | ${yes(a.stopsDelivery)} | ${yes(a.latching)} | ${yes(a.ackBeforeChange)} | ${yes(a.momentary)} | ${a.raisedBy} | ${a.clears} |`,
    ),
    '',
  ].join('\n');
}
