// A device at the far end of a serial line, emulated in process: the virtual board puts each
// one behind its own pseudo-terminal (the pump's protocol, a lab balance). Pure: time comes in
// as the virtual clock's ms, so the same emulator runs in tests without a port.

export interface SerialDevice {
  /** Bytes received from the host (as latin1 text) at virtual time `nowMs`; returns bytes to send back. */
  receive(text: string, nowMs: number): string;
  /** Bytes the device sends unprompted by `nowMs` (a continuous output mode); '' when none. */
  poll?(nowMs: number): string;
}
