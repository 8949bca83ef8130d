// What authentication draws on from below: random bytes, the role keys and the AUTH lockout's
// memory. Ports, not protocol types, so the drivers that give entropy and the storage that
// keeps keys and the lockout need not import the protocol (firmware/protocol/auth.ts uses them
// and re-exports them for its callers).

/** The roles a key can open a session for (ROLES and isRole, the values, are in protocol/auth). */
export type Role = 'patient' | 'clinician' | 'service';

/** Random bytes (on the ESP32 its hardware RNG; in tests a fixed sequence). */
export interface Entropy {
  bytes(n: number): Uint8Array;
}

/** The role keys, 32 bytes each (firmware/storage/persistence.ts keeps them in NVS). */
export interface KeyStore {
  get(role: Role): Uint8Array | undefined;
  set(role: Role, key: Uint8Array): void;
}

/**
 * The AUTH lockout as kept across resets (firmware/storage/auth-lock.ts keeps it in NVS):
 * without it a power cycle cleared the lock, and three more guesses came at once.
 */
export interface LockoutMemory {
  /** Failed AUTHs in a row. */
  readonly failures: number;
  /** Pump time (ms) the lock ends at; 0 when none was set. */
  readonly lockedUntilMs: number;
  /** The lock's length when it was set: a restored lock never runs longer than this. */
  readonly lockMs: number;
}

/** Where the lockout is kept. `load` gives `lost` for a record that is there but unreadable. */
export interface LockoutStore {
  load(): LockoutMemory | 'lost' | undefined;
  save(memory: LockoutMemory): void;
}
