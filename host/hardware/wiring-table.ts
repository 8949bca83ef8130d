// The wiring table in hardware/README.md, generated from hardware/pinmap.json and
// hardware/wiring.json (`npm run docs`): it replaces everything between the two marker lines,
// and a test fails when the committed README differs from what this renders.

import type { Hardware } from './model';
import { boardNames, HARDWARE, headerPosition, signalNames } from './model';

export const TABLE_BEGIN = '<!-- wiring-table:begin (generated from hardware/pinmap.json and hardware/wiring.json by `npm run docs`; do not edit) -->';
export const TABLE_END = '<!-- wiring-table:end -->';

const DIRECTION_TEXT: Readonly<Record<string, string>> = { out: 'out', in: 'in', analog: 'analog in', i2c: 'I2C (both)' };

/** "Ohm" in the data (plain ASCII in JSON) as the symbol in the document. */
const ohm = (s: string): string =>
  s
    .replace(/ ?kOhm\b/g, ' kΩ')
    .replace(/ ?Ohm\b/g, ' Ω')
    .replace(/\buF\b/g, 'µF');
const cell = (s: string): string => ohm(s).replace(/\|/g, '\\|');

export function renderWiringTable(hw: Hardware = HARDWARE): string {
  const boards = boardNames(hw);
  const groups = new Map(hw.wiring.groups.map((g) => [g.id, g]));
  const head = ['Signal', 'Connects to', 'Direction', ...boards.map((b) => `${hw.pinmap.boards[b]!.title}: GPIO (header pin)`), 'Fit on the line'];
  const rows = signalNames(hw).map((name) => {
    const s = hw.wiring.signals[name]!;
    const gpios = boards.map((b) => {
      const pin = hw.pinmap.boards[b]!.pins[name];
      if (pin === undefined) return '—';
      const where = headerPosition(hw, b, pin.gpio);
      return `${pin.gpio}${where ? ` (${where})` : ''}`;
    });
    const active = (() => {
      const pin = hw.pinmap.boards[hw.pinmap.default]!.pins[name];
      if (pin?.activeLow === true) return ', active low';
      if (pin?.activeLow === false) return ', active high';
      return '';
    })();
    const optional = hw.pinmap.boards[hw.pinmap.default]!.pins[name]?.fitted === false ? ' (set `fitted` to true when built in)' : '';
    const extras = boards.flatMap((b) => {
      const extra = hw.wiring.boards[b]?.fit[name];
      return extra ? [`${hw.pinmap.boards[b]!.title} only: ${extra}`] : [];
    });
    const fit = [...(s.fit ? [s.fit] : []), ...extras].join('; ');
    return [`\`${name}\``, `${groups.get(s.group)?.title ?? s.group}: ${s.terminal}${optional}`, `${DIRECTION_TEXT[s.direction] ?? s.direction}${active}`, ...gpios, fit].map(cell);
  });
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  const reasons = boards.flatMap((b) => {
    const board = hw.pinmap.boards[b]!;
    return [
      '',
      `<details><summary>Why these pins: ${board.title}</summary>`,
      '',
      `Board \`${b}\` in pinmap.json, chip \`${board.chip}\`, \`mcconfig -p ${board.mcconfig}\`; module: ${ohm(board.module)}.`,
      '',
      ...signalNames(hw).map((name) => {
        const pin = board.pins[name];
        return pin ? `- \`${name}\`, GPIO ${pin.gpio}: ${ohm(pin.why)}` : `- \`${name}\`: no pin`;
      }),
      ...board.reserved.map((r) => `- GPIO ${r.gpio.join(', ')} left alone: ${ohm(r.why)}`),
      '',
      '</details>',
    ];
  });
  const power = hw.wiring.power.map((p) => `- ${ohm(p.from)} → ${ohm(p.to)}`);
  return [
    TABLE_BEGIN,
    '',
    line(head),
    line(head.map(() => '---')),
    ...rows.map(line),
    '',
    'Power wiring:',
    '',
    ...power,
    ...boards.map((b) => `- ${hw.pinmap.boards[b]!.title}: ${ohm(hw.wiring.boards[b]?.power ?? '')}`),
    ...reasons,
    '',
    TABLE_END,
  ].join('\n');
}

/** The README with its wiring block replaced; the markers must each appear once, in order. */
export function withWiringTable(readme: string, hw: Hardware = HARDWARE): string {
  const begin = readme.indexOf(TABLE_BEGIN);
  const end = readme.indexOf(TABLE_END);
  if (begin < 0 || end < 0 || end < begin) throw new Error('hardware/README.md: the wiring-table markers are missing or out of order');
  if (readme.indexOf(TABLE_BEGIN, begin + 1) >= 0 || readme.indexOf(TABLE_END, end + 1) >= 0) throw new Error('hardware/README.md: a wiring-table marker appears twice');
  return readme.slice(0, begin) + renderWiringTable(hw) + readme.slice(end + TABLE_END.length);
}
