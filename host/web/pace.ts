// The virtual board's speed in words, for the dashboard's server replies and its page alike
// (no imports: both compile it, with and without the DOM).

/** The speeds the page offers (virtual ms per wall ms); a board started with another --speed shows its own too. */
export const SPEED_CHOICES = [0, 1, 60, 600, 3_600, 86_400] as const;

/** "standing still", "real time", "x3600: 1 h each second" (of board time). */
export function paceText(speed: number): string {
  if (speed === 0) return 'standing still';
  if (speed === 1) return 'real time';
  const s = speed;
  const [n, unit] = s < 60 ? [s, 's'] : s < 3_600 ? [s / 60, 'min'] : s < 86_400 ? [s / 3_600, 'h'] : [s / 86_400, 'd'];
  return `x${speed}: ${Number(n.toFixed(2))} ${unit} each second`;
}
