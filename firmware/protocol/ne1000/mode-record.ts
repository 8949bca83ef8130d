// The NE-1000 mode's own NVS record (`ne1000.a`/`.b` through the RecordStore, as StoredKeys
// keeps the role keys): whether the mode is on, and the pump settings an NE-1000 keeps across
// power cycles (settings.ts). Off on a new board and whenever the record cannot be read, so a
// damaged record can only ever bring back the native, authenticated protocol.

import type { RecordStore } from '../../storage/records';
import { jsonBytes, parseJsonBytes } from '../../storage/records';
import type { NeSettings } from './settings';
import { readSettings } from './settings';

const NAME = 'ne1000';
const VERSION = 1;

export type LinkMode = 'native' | 'ne1000';

export class StoredNeMode {
  readonly #records: RecordStore;
  #mode: LinkMode = 'native';
  #settings: unknown;

  constructor(records: RecordStore) {
    this.#records = records;
    const r = records.load(NAME, VERSION);
    if (!r.ok || r.value === 'missing') return;
    const parsed = parseJsonBytes(r.value.payload);
    if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null) return;
    const v = parsed.value as { mode?: unknown; settings?: unknown };
    this.#mode = v.mode === 'ne1000' ? 'ne1000' : 'native';
    this.#settings = v.settings;
  }

  get mode(): LinkMode {
    return this.#mode;
  }

  /** The stored settings, each field checked; `defaults` for what is missing or wrong. */
  settings(defaults: NeSettings): NeSettings {
    return readSettings(this.#settings, defaults);
  }

  setMode(mode: LinkMode): void {
    if (mode === this.#mode) return;
    this.#mode = mode;
    this.#write();
  }

  saveSettings(s: NeSettings): void {
    this.#settings = s;
    this.#write();
  }

  #write(): void {
    this.#records.save(NAME, VERSION, jsonBytes({ mode: this.#mode, settings: this.#settings ?? null }));
  }
}
