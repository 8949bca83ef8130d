// The pump's outgoing events, oldest first. The app drains them after every call into the core;
// when nothing happened it gets one shared, frozen empty list, so the steady loop allocates
// nothing (garbage means GC pauses on the ESP32's fixed heap).

import type { EventData, EventType, PumpEvent, Reason } from './events';

const NO_EVENTS: PumpEvent[] = Object.freeze([]) as unknown as PumpEvent[];

export class EventQueue {
  #events: PumpEvent[] = [];

  get length(): number {
    return this.#events.length;
  }

  push(at: number, type: EventType, why: Reason, data: EventData): void {
    this.#events.push({ at, type, reason: why, data });
  }

  /** Events since the last call, oldest first. */
  take(): PumpEvent[] {
    const e = this.#events;
    if (e.length === 0) return NO_EVENTS;
    this.#events = [];
    return e;
  }
}
