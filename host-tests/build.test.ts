// The device build and the layer rules: rollup.config.mjs makes one ES module whose imports
// XS on the ESP32 can satisfy, and no file in firmware/ reaches past its layer (only
// firmware/drivers touches `embedded:*`, nothing imports Node, core stays pure, nothing imports
// host/); between host/ folders, only the imports the host table names.

import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RollupOptions } from 'rollup';
import { rollup } from 'rollup';
import { parseAst } from 'rollup/parseAst';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Modules the Moddable SDK provides by name. Deliberately a list of its own, not the one in
 * rollup.config.mjs: widening what the bundle may import takes a change here too. crypt and
 * hmac are the SDK's modules/crypt (SHA-256 in C, HMAC over it): the device's Digest;
 * entropy-native is ours (firmware/native/entropy): the hardware source that seeds the nonces.
 */
const MODDABLE_BUILTINS = new Set(['timer', 'time', 'preference', 'instrumentation', 'flash', 'mc/config', 'crypt', 'hmac', 'crc', 'entropy-native']);

const isRelative = (spec: string): boolean => spec.startsWith('./') || spec.startsWith('../');
const isNode = (spec: string): boolean => spec.startsWith('node:') || builtinModules.includes(spec);
const isDevice = (spec: string): boolean => spec.startsWith('embedded:') || MODDABLE_BUILTINS.has(spec);

async function sourceFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) files.push(...(await sourceFiles(path)));
    else if (/\.[cm]?[tj]s$/.test(e.name) && !e.name.endsWith('.d.ts')) files.push(path);
  }
  return files.sort();
}

/**
 * Which firmware layers each layer may import (relative imports; every layer may import its
 * own). Bottom to top: shared and ports import nothing else; core only the port types; drivers
 * add core and shared; storage sits below protocol (protocol reads the log; storage never
 * imports protocol); app, the composition root, wires them all (and reads hardware/pinmap.json). docs/architecture.md says the
 * same in words. Widening a layer takes a change here, where the review sees it.
 */
const LAYER_IMPORTS: Readonly<Record<string, readonly string[]>> = {
  shared: [],
  ports: [],
  core: ['ports'],
  drivers: ['ports', 'core', 'shared'],
  storage: ['ports', 'core', 'shared'],
  protocol: ['ports', 'core', 'shared', 'storage'],
  app: ['ports', 'core', 'shared', 'drivers', 'storage', 'protocol', 'hardware'],
};

/** npm packages of plain ES2022 JavaScript that rollup bundles in (no Node, no platform). */
const PURE_PACKAGES = ['@noble/hashes/'];

/**
 * The layer rules over `<root>/firmware`, one line per breach: `file:line: what, and the rule`.
 * Declaration files are skipped: they carry no runtime imports.
 */
async function layerViolations(root: string): Promise<string[]> {
  const firmware = join(root, 'firmware');
  const found: string[] = [];
  for (const file of await sourceFiles(firmware)) {
    const rel = relative(root, file).split('\\').join('/');
    const layer = rel.split('/')[1]!;
    const text = await readFile(file, 'utf8');
    for (const { fileName: spec, pos } of ts.preProcessFile(text, true, true).importedFiles) {
      const at = `${rel}:${text.slice(0, pos).split('\n').length}`;
      if (isNode(spec)) found.push(`${at}: imports the Node module ${spec}`);
      else if (isRelative(spec)) {
        const target = relative(firmware, resolve(dirname(file), spec))
          .split('\\')
          .join('/');
        // Outside firmware/ only hardware/ (the pin map, data bundled in) has a name in the table.
        const to = target.startsWith('../hardware/') ? 'hardware' : target.startsWith('../host/') ? 'host' : target.startsWith('../') ? 'outside firmware/' : target.split('/')[0]!;
        if (to === 'host') {
          found.push(`${at}: ${layer} imports ${spec} (host); firmware never imports host/, the host imports firmware`);
          continue;
        }
        const allowed = LAYER_IMPORTS[layer];
        if (to === layer || allowed?.includes(to)) continue;
        const rule = allowed ? `firmware/${layer} may import ${allowed.length ? allowed.join(', ') : 'nothing else'}` : `firmware/${layer} is not in the layer table`;
        found.push(`${at}: ${layer} imports ${spec} (${to}); ${rule}`);
      } else if (layer === 'protocol' && PURE_PACKAGES.some((p) => spec.startsWith(p))) {
        // Pure-JS packages bundled into the firmware (HMAC-SHA256 for the protocol).
      } else if (layer !== 'drivers') {
        found.push(`${at}: imports ${spec}; only firmware/drivers may import platform modules`);
      } else if (!isDevice(spec)) {
        found.push(`${at}: imports ${spec}, which is neither embedded:* nor a Moddable module`);
      }
    }
  }
  return found;
}

/**
 * Which host units each may import, by relative import: a unit is a folder of host/, or a file
 * at host/'s top named without its extension (json-file, tests-load, debian). Every unit may also import
 * firmware/ (any layer: the host runs the same code, mocked IO passed in) and hardware/ (the pin
 * map); firmware never imports host/ (checked above). Anything else outside host/ is refused.
 * Non-relative imports (Node, npm) are not checked here: the host is Node.
 *
 * This is the graph as it stands, cycles included (board with cli, serial, sim, web and xs;
 * accuracy with balance; protocol with storage): issue 20's one composition root and one
 * console are to cut them. Until then a new edge between host folders takes a change here,
 * where the review sees it; chart and device import no other host folder.
 */
const HOST_IMPORTS: Readonly<Record<string, readonly string[]>> = {
  accuracy: ['balance', 'chart', 'csv', 'errors', 'serial', 'sim'],
  balance: ['accuracy', 'errors', 'serial', 'sim'],
  // cli: newcomer.ts runs the README's pumpctl steps through pumpctl's own entry point;
  // station: station.ts runs the test station's engine over virtual boards.
  bench: ['accuracy', 'board', 'cli', 'errors', 'lin', 'protocol', 'serial', 'sim', 'station', 'storage', 'web', 'xs'],
  board: ['accuracy', 'balance', 'cli', 'errors', 'json-file', 'protocol', 'serial', 'sim', 'storage', 'web', 'xs'],
  chart: [],
  cli: ['accuracy', 'balance', 'board', 'chart', 'csv', 'errors', 'json-file', 'protocol', 'serial', 'station', 'web'],
  csv: [],
  debian: [],
  device: ['errors'],
  docs: ['accuracy', 'chart', 'cli', 'errors', 'hardware', 'protocol'],
  errors: [],
  hardware: [],
  'json-file': ['json-position'],
  'json-position': [],
  lin: ['device', 'errors', 'sim', 'xs'],
  protocol: ['serial', 'sim', 'storage'],
  serial: ['board', 'debian', 'errors'],
  sim: [],
  station: ['accuracy', 'balance', 'board', 'chart', 'cli', 'csv', 'device', 'errors', 'protocol', 'serial', 'sim'],
  storage: ['protocol', 'sim'],
  'tests-load': ['bench', 'board'],
  web: ['accuracy', 'board', 'chart', 'cli', 'debian', 'errors', 'protocol'],
  xs: ['board', 'protocol', 'sim', 'storage'],
};

/** Outside host/, what every host unit may import: the firmware and the pin map. */
const HOST_MAY_ALSO = ['firmware', 'hardware'];

const hostUnit = (pathInHost: string): string => pathInHost.split('/')[0]!.replace(/\.[cm]?[tj]s$/, '');

/** The host table over `<root>/host`, one line per breach, as layerViolations. */
async function hostViolations(root: string): Promise<string[]> {
  const host = join(root, 'host');
  const found: string[] = [];
  for (const file of await sourceFiles(host)) {
    const rel = relative(root, file).split('\\').join('/');
    const unit = hostUnit(relative(host, file).split('\\').join('/'));
    const allowed = HOST_IMPORTS[unit];
    const text = await readFile(file, 'utf8');
    for (const { fileName: spec, pos } of ts.preProcessFile(text, true, true).importedFiles) {
      if (!isRelative(spec)) continue;
      const at = `${rel}:${text.slice(0, pos).split('\n').length}`;
      const target = relative(root, resolve(dirname(file), spec))
        .split('\\')
        .join('/');
      const top = target.split('/')[0]!;
      if (top === 'host') {
        const to = hostUnit(target.slice('host/'.length));
        if (to === unit || allowed?.includes(to)) continue;
        const rule = allowed ? `host/${unit} may import ${allowed.length ? allowed.join(', ') : 'no other host folder'}` : `host/${unit} is not in the host table`;
        found.push(`${at}: ${unit} imports ${spec} (host/${to}); ${rule}`);
      } else if (!HOST_MAY_ALSO.includes(top)) {
        found.push(`${at}: ${unit} imports ${spec} (${top}/); the host may import host/, firmware/ and hardware/ only`);
      }
    }
  }
  return found;
}

type AstNode = { type: string; [key: string]: unknown };

function* walk(node: unknown): Generator<AstNode> {
  if (Array.isArray(node)) for (const n of node) yield* walk(n);
  else if (node !== null && typeof node === 'object' && typeof (node as AstNode).type === 'string') {
    yield node as AstNode;
    for (const value of Object.values(node)) if (typeof value === 'object') yield* walk(value);
  }
}

describe('device bundle (rollup.config.mjs)', () => {
  let dir = '';
  let file = '';
  let code = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pump-build-'));
    file = join(dir, 'main.js');
    // The config is plain JS outside the host tsconfig; import it by URL and type it here.
    const configUrl = pathToFileURL(join(ROOT, 'rollup.config.mjs')).href;
    const config = ((await import(/* @vite-ignore */ configUrl)) as { default: RollupOptions }).default;
    const bundle = await rollup(config);
    try {
      await bundle.write({ ...config.output, file });
    } finally {
      await bundle.close();
    }
    code = await readFile(file, 'utf8');
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes one non-empty file', async () => {
    expect((await stat(file)).size).toBeGreaterThan(0);
  });

  it('is an ES module that imports only what XS on the ESP32 provides', () => {
    // parseAst reads the module goal: CommonJS wrappers or Node-only syntax would not pass.
    const nodes = [...walk(parseAst(code))];
    const specs: string[] = [];
    for (const n of nodes) {
      const source = n['source'] as { value?: unknown } | null | undefined;
      if (/^(Import|ExportNamed|ExportAll)Declaration$/.test(n.type) && typeof source?.value === 'string') specs.push(source.value);
      if (n.type === 'ImportExpression') specs.push(typeof source?.value === 'string' ? source.value : '<computed import()>');
    }
    expect(nodes.some((n) => n.type === 'ImportDeclaration')).toBe(true);
    expect(specs).toContain('embedded:io/digital');
    expect(specs.filter((s) => !isRelative(s) && !isDevice(s))).toEqual([]);

    const nodeGlobals = nodes.filter((n) => {
      const callee = n['callee'] as AstNode | undefined;
      const object = n['object'] as AstNode | undefined;
      if (n.type === 'CallExpression' && callee?.type === 'Identifier') return callee['name'] === 'require';
      if (n.type === 'MemberExpression' && object?.type === 'Identifier') {
        return ['process', 'module', 'exports', 'Buffer'].includes(object['name'] as string);
      }
      return false;
    });
    expect(nodeGlobals).toEqual([]);
  });
});

describe('pin map in the device bundle (one board, chosen at build time)', () => {
  type PinMap = { default: string; boards: Record<string, { mcconfig: string; pins: Record<string, { gpio: number; why?: string }> }> };
  type ConfigModule = { configFor(board: string | undefined): RollupOptions; selectBoard(p: PinMap, w: string | undefined): string | undefined };

  async function bundleFor(board: string): Promise<string> {
    const mod = (await import(/* @vite-ignore */ pathToFileURL(join(ROOT, 'rollup.config.mjs')).href)) as ConfigModule;
    const bundle = await rollup(mod.configFor(board));
    try {
      const { output } = await bundle.generate({ format: 'es' });
      return output[0].code;
    } finally {
      await bundle.close();
    }
  }

  it('selects a board by name or mcconfig target, and nothing else', async () => {
    const mod = (await import(/* @vite-ignore */ pathToFileURL(join(ROOT, 'rollup.config.mjs')).href)) as ConfigModule;
    const pinmap = JSON.parse(await readFile(join(ROOT, 'hardware/pinmap.json'), 'utf8')) as PinMap;
    expect(mod.selectBoard(pinmap, undefined)).toBe(pinmap.default);
    expect(mod.selectBoard(pinmap, 'esp32/esp32s3')).toBe('esp32-s3-devkitc-1');
    expect(mod.selectBoard(pinmap, 'esp32-devkitc')).toBe('esp32-devkitc');
    expect(mod.selectBoard(pinmap, 'esp8266')).toBeUndefined();
  });

  it("carries the chosen board's numbers only, without the other board or the reasons", async () => {
    const pinmap = JSON.parse(await readFile(join(ROOT, 'hardware/pinmap.json'), 'utf8')) as PinMap;
    const s3 = await bundleFor('esp32/esp32s3');
    expect(s3).toContain('"esp32-s3-devkitc-1"');
    expect(s3).not.toContain('"esp32-devkitc"');
    // Every reason written beside a pin stays in hardware/pinmap.json.
    for (const pin of Object.values(pinmap.boards['esp32-s3-devkitc-1']!.pins)) expect(s3).not.toContain(pin.why!.slice(0, 40));
    const step = /step:\s*\{\s*gpio:\s*(\d+)/.exec(s3);
    expect(Number(step?.[1])).toBe(pinmap.boards['esp32-s3-devkitc-1']!.pins['step']!.gpio);
  }, 60_000);
});

describe('layer rules over firmware/ (the table LAYER_IMPORTS)', () => {
  it('holds for the sources in the repository', async () => {
    expect(await layerViolations(ROOT)).toEqual([]);
  });

  it('catches Node, embedded:* and upward imports, with file:line and the rule', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pump-layers-'));
    const put = async (rel: string, text: string): Promise<void> => {
      await mkdir(dirname(join(root, rel)), { recursive: true });
      await writeFile(join(root, rel), text);
    };
    try {
      await put('firmware/core/leak.ts', "import fs from 'node:fs';\nexport const x = fs;\n");
      await put('firmware/core/pure.ts', "import { type StepSegment } from '../ports/stepper';\nimport { a } from './units';\n");
      await put('firmware/core/reach.ts', "import { Digital } from '../drivers/esp32-io';\n");
      await put('firmware/app/pin.ts', "import Digital from 'embedded:io/digital';\n");
      await put('firmware/drivers/io.ts', "import Digital from 'embedded:io/digital';\nimport Timer from 'timer';\nconst p = require('path');\n");
      await put('firmware/types/x.d.ts', "declare module 'embedded:storage/key-value' {}\n");
      await put('firmware/storage/up.ts', "import { crc16 } from '../shared/crc';\nimport { type Auth } from '../protocol/auth';\n");
      await put('firmware/protocol/app.ts', "import { type Controller } from '../app/controller';\n");
      await put('firmware/shared/x.ts', "import { ok } from '../core/errors';\n");
      await put('firmware/drivers/e.ts', "import { type Role } from '../protocol/auth';\n");
      await put('firmware/protocol/host.ts', "import { encodeFrame } from '../../host/protocol/codec';\n");
      expect(await layerViolations(root)).toEqual([
        'firmware/app/pin.ts:1: imports embedded:io/digital; only firmware/drivers may import platform modules',
        'firmware/core/leak.ts:1: imports the Node module node:fs',
        'firmware/core/reach.ts:1: core imports ../drivers/esp32-io (drivers); firmware/core may import ports',
        'firmware/drivers/e.ts:1: drivers imports ../protocol/auth (protocol); firmware/drivers may import ports, core, shared',
        'firmware/drivers/io.ts:3: imports the Node module path',
        'firmware/protocol/app.ts:1: protocol imports ../app/controller (app); firmware/protocol may import ports, core, shared, storage',
        'firmware/protocol/host.ts:1: protocol imports ../../host/protocol/codec (host); firmware never imports host/, the host imports firmware',
        'firmware/shared/x.ts:1: shared imports ../core/errors (core); firmware/shared may import nothing else',
        'firmware/storage/up.ts:2: storage imports ../protocol/auth (protocol); firmware/storage may import ports, core, shared',
      ]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('host folders (the table HOST_IMPORTS)', () => {
  it('holds for the sources in the repository', async () => {
    expect(await hostViolations(ROOT)).toEqual([]);
  });

  it('names every folder of host/ and nothing that is not one', async () => {
    const units = new Set((await readdir(join(ROOT, 'host'), { withFileTypes: true })).filter((e) => e.isDirectory() || /\.[cm]?[tj]s$/.test(e.name)).map((e) => hostUnit(e.name)));
    expect(Object.keys(HOST_IMPORTS).sort()).toEqual([...units].sort());
  });

  it('catches an import the table does not name, an unknown folder and a reach outside, with file:line', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pump-host-layers-'));
    const put = async (rel: string, text: string): Promise<void> => {
      await mkdir(dirname(join(root, rel)), { recursive: true });
      await writeFile(join(root, rel), text);
    };
    try {
      await put('host/web/fine.ts', "import { createBoard } from '../board/core';\nimport { MS_PER_DAY } from '../../firmware/core/units';\nimport http from 'node:http';\n");
      await put('host/web/reach.ts', "import { VirtualRig } from '../sim/rig';\n");
      await put('host/chart/svg.ts', "import { ok } from '../../firmware/core/errors';\nimport { fmt } from '../cli/format';\n");
      await put('host/json-file.ts', "import { jsonErrorOffset } from './json-position';\nimport { x } from '../host-tests/fixtures';\n");
      await put('host/newfolder/a.ts', "import { codec } from '../protocol/codec';\n");
      expect(await hostViolations(root)).toEqual([
        'host/chart/svg.ts:2: chart imports ../cli/format (host/cli); host/chart may import no other host folder',
        'host/json-file.ts:2: json-file imports ../host-tests/fixtures (host-tests/); the host may import host/, firmware/ and hardware/ only',
        'host/newfolder/a.ts:1: newfolder imports ../protocol/codec (host/protocol); host/newfolder is not in the host table',
        'host/web/reach.ts:1: web imports ../sim/rig (host/sim); host/web may import accuracy, board, chart, cli, debian, errors, protocol',
      ]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
