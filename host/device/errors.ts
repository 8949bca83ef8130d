// Numbered errors of the device build (`npm run build:esp32`, `npm run flash`): what is missing
// or wrong on the build machine, and how to get it. A host-side table of its own (E7xx), apart
// from the firmware's E100-E612 in firmware/core/errors.ts, since none of these can happen on
// the pump. Each has its own process exit code so a script can tell them apart.

export interface DeviceErrorSpec {
  readonly code: number;
  /** The process exit code: distinct per error, never 1 (which a crash would give). */
  readonly exit: number;
  readonly meaning: string;
  /** How to get what is missing, or what to change. */
  readonly action: string;
}

/** The SDK version this project is built and checked with, and the ESP-IDF that SDK expects. */
export const SDK_VERSION = '8.2.3';
export const IDF_VERSION = 'v6.0';
const SDK_DOC = '$MODDABLE/documentation/Moddable SDK - Getting Started.md';
const ESP32_DOC = '$MODDABLE/documentation/devices/esp32.md';

export const DEVICE_ERRORS = {
  MODDABLE_UNSET: {
    code: 701,
    exit: 71,
    meaning: 'The MODDABLE environment variable is not set: the Moddable SDK is not installed, or not set up in this shell.',
    action: `Clone the Moddable SDK (${SDK_VERSION}) from github.com/Moddable-OpenSource/moddable, build its tools (cd $MODDABLE/build/makefiles/lin && make), then export MODDABLE=<its folder> and add $MODDABLE/build/bin/lin/release to PATH (${SDK_DOC}).`,
  },
  MODDABLE_INVALID: {
    code: 702,
    exit: 72,
    meaning: 'MODDABLE does not point at a Moddable SDK checkout (no tools/mcconfig.js under it).',
    action: 'Set MODDABLE to the folder the SDK was cloned into (the one holding build/, modules/, tools/ and xs/).',
  },
  MCCONFIG_MISSING: {
    code: 703,
    exit: 73,
    meaning: "The SDK's build tools (mcconfig, xsc, xsl, mcrez) are not built or not on PATH.",
    action: `Build them: cd $MODDABLE/build/makefiles/lin && make (Debian/Ubuntu needs gcc, make and libgtk-3-dev, see ${SDK_DOC}); then add $MODDABLE/build/bin/lin/release to PATH.`,
  },
  IDF_PATH_UNSET: {
    code: 704,
    exit: 74,
    meaning: 'The IDF_PATH environment variable is not set: ESP-IDF, which compiles and links the ESP32 image, is not installed or not set up in this shell.',
    action: `Install ESP-IDF ${IDF_VERSION} as ${ESP32_DOC} says (git clone -b ${IDF_VERSION} --recursive of espressif/esp-idf, then ./install.sh), and export IDF_PATH=<its folder>. Without it, \`npm run build:esp32 -- --xs-only\` still runs the TypeScript, xsc and xsl stages.`,
  },
  IDF_PATH_INVALID: {
    code: 705,
    exit: 75,
    meaning: 'IDF_PATH does not point at an ESP-IDF checkout (no export.sh or tools/idf.py under it).',
    action: `Set IDF_PATH to the ESP-IDF ${IDF_VERSION} folder (the one holding export.sh), and run its ./install.sh once.`,
  },
  BOARD_UNKNOWN: {
    code: 707,
    exit: 77,
    meaning: 'The --board option names no board in hardware/pinmap.json.',
    action: 'Give a board name from hardware/pinmap.json (esp32-devkitc, esp32-s3-devkitc-1) or its mcconfig target (esp32, esp32/esp32s3).',
  },
  ARGUMENT: {
    code: 708,
    exit: 78,
    meaning: 'An option is not one the command knows, or lacks its value.',
    action: 'Use --board <name>, --port <serial device>, --debug or --xs-only (see README.md, "Flashing a board").',
  },
  BUNDLE_FAILED: {
    code: 709,
    exit: 79,
    meaning: 'The firmware bundle did not build (a type error, or an import XS cannot satisfy).',
    action: 'Fix what the message names; `npm run build` shows the same error.',
  },
  SDK_STAGE_FAILED: {
    code: 710,
    exit: 80,
    meaning: "A stage of the SDK's build (mcconfig, xsc, xsl, ESP-IDF or the flash tool) exited with an error.",
    action: 'Read its output above the message; for a flash, check the cable and --port (UPLOAD_PORT), and hold BOOT while it connects if the board does not enter its downloader.',
  },
} as const satisfies Record<string, DeviceErrorSpec>;

export type DeviceErrorName = keyof typeof DEVICE_ERRORS;

/** One problem found: which error, and the detail that names what is missing. */
export interface DeviceProblem {
  readonly name: DeviceErrorName;
  readonly detail: string;
}

/** `E704 IDF_PATH is not set ...` then how to fix it, as the commands print it. */
export function formatDeviceProblem(p: DeviceProblem): string {
  const spec = DEVICE_ERRORS[p.name];
  return `E${spec.code} ${spec.meaning}${p.detail === '' ? '' : ` (${p.detail})`}\n  What to do: ${spec.action}`;
}
