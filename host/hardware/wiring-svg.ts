// The wiring diagram of a board, as SVG built from strings, from hardware/pinmap.json and
// hardware/wiring.json: the board on the left with the GPIO and header pin of every signal, each
// peripheral on the right with its terminals, one labelled wire per signal, the power wiring
// below. `npm run docs` writes hardware/wiring.svg (the first board in pinmap.json, the DevKitC)
// and hardware/wiring-<board>.svg for the others; a test regenerates them and compares bytes.

import type { Hardware } from './model';
import { boardNames, fitFor, HARDWARE, headerPosition, signalNames } from './model';

const WIDTH = 1040;
const BOARD_X = 30;
const BOARD_W = 300;
const PERIPH_X = 690;
const PERIPH_W = 320;
const TOP = 118;
const GROUP_HEAD = 40;
/** Room at the top of the board box for its title, above the first wire. */
const BOARD_HEAD = 56;
const ROW = 46;
const GROUP_GAP = 18;
const LINE = 21;
const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';
const COLOURS = ['#1f5fa8', '#c0392b', '#2e7d4f', '#7d3c98', '#a0522d', '#b35900', '#555555', '#0e7c86'];

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const units = (s: string): string =>
  s
    .replace(/ ?kOhm\b/g, ' kΩ')
    .replace(/ ?Ohm\b/g, ' Ω')
    .replace(/\buF\b/g, 'µF');

interface TextOptions {
  readonly size?: number;
  readonly weight?: 'bold';
  readonly anchor?: 'start' | 'middle' | 'end';
  readonly fill?: string;
  readonly italic?: boolean;
}

function text(x: number, y: number, content: string, o: TextOptions = {}): string {
  const attrs = [
    `x="${x}"`,
    `y="${y}"`,
    `font-size="${o.size ?? 14}"`,
    ...(o.weight ? [`font-weight="${o.weight}"`] : []),
    ...(o.italic ? ['font-style="italic"'] : []),
    ...(o.anchor && o.anchor !== 'start' ? [`text-anchor="${o.anchor}"`] : []),
    ...(o.fill ? [`fill="${o.fill}"`] : []),
  ];
  return `  <text ${attrs.join(' ')}>${esc(units(content))}</text>`;
}

/** An arrowhead at (x, y) pointing right (+1) or left (-1). */
function arrow(x: number, y: number, towards: 1 | -1, colour: string): string {
  const back = x - towards * 11;
  return `  <polygon points="${x},${y} ${back},${y - 5} ${back},${y + 5}" fill="${colour}"/>`;
}

/** The SVG for one board of the pin map. */
export function renderWiringSvg(boardName: string, hw: Hardware = HARDWARE): string {
  const board = hw.pinmap.boards[boardName];
  if (board === undefined) throw new Error(`hardware/pinmap.json has no board ${boardName}`);
  const names = signalNames(hw);
  const groups = hw.wiring.groups.filter((g) => names.some((n) => hw.wiring.signals[n]!.group === g.id));

  const body: string[] = [];
  const wires: string[] = [];
  let y = TOP + BOARD_HEAD;
  const rowYs: number[] = [];
  groups.forEach((g, gi) => {
    const colour = COLOURS[gi % COLOURS.length]!;
    const members = names.filter((n) => hw.wiring.signals[n]!.group === g.id);
    const optional = members.every((n) => board.pins[n]?.fitted === false);
    const height = GROUP_HEAD + members.length * ROW;
    body.push(
      `  <rect x="${PERIPH_X}" y="${y}" width="${PERIPH_W}" height="${height}" rx="6" fill="#fbfbf8" stroke="${colour}" stroke-width="2"${optional ? ' stroke-dasharray="7 4"' : ''}/>`,
      text(PERIPH_X + 12, y + 17, g.title, { weight: 'bold', size: 14, fill: colour }),
      text(PERIPH_X + 12, y + 34, g.part, { size: 12, fill: '#444444' }),
    );
    members.forEach((name, i) => {
      const s = hw.wiring.signals[name]!;
      const pin = board.pins[name];
      const ry = y + GROUP_HEAD + i * ROW + ROW / 2;
      rowYs.push(ry);
      const dash = pin?.fitted === false ? ' stroke-dasharray="7 4"' : '';
      body.push(`  <circle cx="${PERIPH_X}" cy="${ry}" r="4" fill="${colour}"/>`, text(PERIPH_X + 12, ry + 4, s.terminal));
      const where = pin ? headerPosition(hw, boardName, pin.gpio) : undefined;
      body.push(`  <rect x="${BOARD_X + BOARD_W - 4}" y="${ry - 4}" width="8" height="8" fill="${colour}"/>`);
      body.push(text(BOARD_X + BOARD_W - 12, ry + 4, pin ? `GPIO ${pin.gpio}${where ? ` · ${where}` : ''}` : 'no pin', { anchor: 'end', weight: 'bold' }));
      const x0 = BOARD_X + BOARD_W + 4;
      const x1 = PERIPH_X - 4;
      wires.push(`  <line x1="${x0}" y1="${ry}" x2="${x1}" y2="${ry}" stroke="${colour}" stroke-width="2"${dash}/>`);
      if (s.direction === 'out' || s.direction === 'i2c') wires.push(arrow(x1, ry, 1, colour));
      if (s.direction === 'in' || s.direction === 'analog' || s.direction === 'i2c') wires.push(arrow(x0, ry, -1, colour));
      const active = pin?.activeLow === true ? ' (active low)' : '';
      wires.push(text((x0 + x1) / 2, ry - 7, `${name}${active} — GPIO ${pin?.gpio ?? '?'}`, { anchor: 'middle', size: 12, weight: 'bold', fill: colour }));
      const fit = fitFor(hw, boardName, name);
      if (fit.length > 0) wires.push(text((x0 + x1) / 2, ry + 16, `fit ${fit.join(' + ')}`, { anchor: 'middle', size: 12, italic: true, fill: '#333333' }));
    });
    y += height + GROUP_GAP;
  });
  const boardTop = TOP;
  const boardBottom = y - GROUP_GAP;
  const boardBox = [
    `  <rect x="${BOARD_X}" y="${boardTop}" width="${BOARD_W}" height="${boardBottom - boardTop}" rx="10" fill="#eef3f8" stroke="#1b2a3a" stroke-width="2.5"/>`,
    text(BOARD_X + 14, boardTop + 26, board.title, { weight: 'bold', size: 14 }),
    text(BOARD_X + 14, boardTop + 46, `chip ${board.chip} · mcconfig -p ${board.mcconfig}`, { size: 12, fill: '#333333' }),
    text(BOARD_X + 14, boardTop + 63, `pinmap.json board: ${boardName}`, { size: 12, fill: '#333333' }),
  ];

  // Power, below everything.
  const powerLines = [...hw.wiring.power.map((p) => `${p.from} → ${p.to}`), hw.wiring.boards[boardName]?.power ?? ''].filter((l) => l !== '');
  const powerTop = boardBottom + 28;
  const headers = Object.keys(hw.wiring.boards[boardName]?.headers ?? {});
  const legendLines = [
    'Arrows show which way each signal goes; a dashed part is optional (pinmap.json "fitted": false). Fit the resistors marked "fit".',
    `Header pins as "${headers[0] ?? 'J1'}-5": header ${headers[0] ?? 'J1'}, pin 5, counted from pin 1 as printed in the board's guide (${headers.map((h) => `${h}-1 is ${String(hw.wiring.boards[boardName]!.headers[h]![0])}`).join(', ')}).`,
  ];
  const powerHeight = 34 + (powerLines.length + legendLines.length) * LINE + 14;
  const power = [
    `  <rect x="${BOARD_X}" y="${powerTop}" width="${PERIPH_X + PERIPH_W - BOARD_X}" height="${powerHeight}" rx="6" fill="#fffaf0" stroke="#8a6d1f" stroke-width="2"/>`,
    text(BOARD_X + 14, powerTop + 22, 'Power and ground (motor supply and logic share ground at the driver only)', { weight: 'bold', fill: '#6b5210' }),
    ...powerLines.map((l, i) => text(BOARD_X + 14, powerTop + 34 + (i + 1) * LINE - 4, `• ${l}`, { size: 13 })),
    ...legendLines.map((l, i) => text(BOARD_X + 14, powerTop + 34 + (powerLines.length + i + 1) * LINE, l, { size: 12, italic: true, fill: '#444444' })),
  ];
  const height = powerTop + powerHeight + 20;

  const others = boardNames(hw).filter((b) => b !== boardName);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="${FONT}">`,
    `  <title>${esc(`Wiring of the pump rig on the ${board.title}`)}</title>`,
    `  <rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    text(BOARD_X, 36, `Pump rig wiring: ${board.title}`, { weight: 'bold', size: 20 }),
    text(BOARD_X, 58, `Module: ${board.module}`, { size: 12, fill: '#333333' }),
    text(BOARD_X, 76, 'Generated from hardware/pinmap.json and hardware/wiring.json by host/hardware/wiring-svg.ts (npm run docs); do not edit.', { size: 12, fill: '#333333' }),
    text(
      BOARD_X,
      94,
      others.length > 0 ? `Other boards: ${others.map((b) => wiringSvgName(b, hw)).join(', ')}. Reasons for each pin: hardware/README.md.` : 'Reasons for each pin: hardware/README.md.',
      { size: 12, fill: '#333333' },
    ),
    ...boardBox,
    ...wires,
    ...body,
    ...power,
    '</svg>',
    '',
  ].join('\n');
}

/** File name (under hardware/) of a board's diagram: the first board's (the DevKitC) is wiring.svg. */
export function wiringSvgName(boardName: string, hw: Hardware = HARDWARE): string {
  return boardName === boardNames(hw)[0] ? 'wiring.svg' : `wiring-${boardName}.svg`;
}

/** Every board's diagram, keyed by its file name under hardware/. */
export function renderAllWiringSvgs(hw: Hardware = HARDWARE): Map<string, string> {
  return new Map(boardNames(hw).map((b) => [wiringSvgName(b, hw), renderWiringSvg(b, hw)]));
}
