// Buzzer and status LED. The core says which priority of alarm is sounding; the driver turns
// it into the pattern for that priority (after IEC 60601-1-8: high priority a fast burst of
// pulses, medium a slower burst of three, low one or two pulses), repeated until silenced.

export type AnnunciatorPriority = 'high' | 'medium' | 'low' | 'none';

export interface AnnunciatorPort {
  /** Sound the pattern of `priority` ('none' is silent, LED shows normal running). */
  show(priority: AnnunciatorPriority): void;
  /** Silence the buzzer for the current alarm (the LED keeps its pattern). */
  silence(): void;
}
