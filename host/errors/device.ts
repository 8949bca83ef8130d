// Numbered errors of the device build (`npm run build:esp32`, E701-E710) and of flashing an
// image (`npm run flash`, E720-E727): what is missing or wrong on the build machine, and how to
// get it. Apart from the firmware's E100-E6xx (firmware/core/errors.ts), since none of these can
// happen on the pump. Each has its own exit status (exit.ts) so a script can tell them apart.
// docs/flashing.md lists them (generated, host/docs/host-errors-md.ts).

import type { HostErrorSpec } from './host-error';
import { errorTable } from './host-error';

/** The SDK version this project is built and checked with, and the ESP-IDF that SDK expects. */
export const SDK_VERSION = '8.2.3';
export const IDF_VERSION = 'v6.0';
const SDK_DOC = '$MODDABLE/documentation/Moddable SDK - Getting Started.md';
const ESP32_DOC = '$MODDABLE/documentation/devices/esp32.md';

export const DEVICE_ERRORS = errorTable({
  MODDABLE_UNSET: {
    code: 701,
    exit: 'moddableUnset',
    meaning: 'The MODDABLE environment variable is not set: the Moddable SDK is not installed, or not set up in this shell.',
    action: `Clone the Moddable SDK (${SDK_VERSION}) from github.com/Moddable-OpenSource/moddable, build its tools (cd $MODDABLE/build/makefiles/lin && make), then export MODDABLE=<its folder> and add $MODDABLE/build/bin/lin/release to PATH (${SDK_DOC}).`,
  },
  MODDABLE_INVALID: {
    code: 702,
    exit: 'moddableInvalid',
    meaning: 'MODDABLE does not point at a Moddable SDK checkout (no tools/mcconfig.js under it).',
    action: 'Set MODDABLE to the folder the SDK was cloned into (the one holding build/, modules/, tools/ and xs/).',
  },
  MCCONFIG_MISSING: {
    code: 703,
    exit: 'sdkTools',
    meaning: "The SDK's build tools (mcconfig, xsc, xsl, mcrez) are not built or not on PATH.",
    action: `Build them: cd $MODDABLE/build/makefiles/lin && make (Debian/Ubuntu needs gcc, make and libgtk-3-dev, see ${SDK_DOC}); then add $MODDABLE/build/bin/lin/release to PATH.`,
  },
  IDF_PATH_UNSET: {
    code: 704,
    exit: 'idfUnset',
    meaning: 'The IDF_PATH environment variable is not set: ESP-IDF, which compiles and links the ESP32 image, is not installed or not set up in this shell.',
    action: `Install ESP-IDF ${IDF_VERSION} as ${ESP32_DOC} says (git clone -b ${IDF_VERSION} --recursive of espressif/esp-idf, then ./install.sh), and export IDF_PATH=<its folder>. Without it, \`npm run build:esp32 -- --xs-only\` still runs the TypeScript, xsc and xsl stages.`,
  },
  IDF_PATH_INVALID: {
    code: 705,
    exit: 'idfInvalid',
    meaning: 'IDF_PATH does not point at an ESP-IDF checkout (no export.sh or tools/idf.py under it).',
    action: `Set IDF_PATH to the ESP-IDF ${IDF_VERSION} folder (the one holding export.sh), and run its ./install.sh once.`,
  },
  BOARD_UNKNOWN: {
    code: 707,
    exit: 'boardUnknown',
    meaning: 'The --board option names no board in hardware/pinmap.json.',
    action: 'Give a board name from hardware/pinmap.json (esp32-devkitc, esp32-s3-devkitc-1) or its mcconfig target (esp32, esp32/esp32s3).',
  },
  ARGUMENT: {
    code: 708,
    exit: 'deviceUsage',
    meaning: 'An option is not one the command knows, or lacks its value.',
    action:
      'Use --board <name>, --port <serial device>, --debug or --xs-only; flash also takes --image <folder>, --baud <rate> and --no-reset (see README.md, "Flashing a board", and docs/flashing.md).',
  },
  BUNDLE_FAILED: {
    code: 709,
    exit: 'bundleFailed',
    meaning: 'The firmware bundle did not build (a type error, or an import XS cannot satisfy).',
    action: 'Fix what the message names; `npm run build` shows the same error.',
  },
  SDK_STAGE_FAILED: {
    code: 710,
    exit: 'sdkStageFailed',
    meaning: "A stage of the SDK's build (mcconfig, xsc, xsl, ESP-IDF or the flash tool) exited with an error.",
    action: 'Read its output above the message; for a flash, check the cable and --port (UPLOAD_PORT), and hold BOOT while it connects if the board does not enter its downloader.',
  },
  // Flashing a built image with esptool-js (`npm run flash -- --image DIR`, flasher.ts): E720-E727.
  IMAGE_MISSING: {
    code: 720,
    exit: 'imageMissing',
    meaning: 'The image folder, or a file it needs (bootloader, partition table, application), is not there.',
    action:
      "Give --image the folder the image workflow (.github/workflows/image.yml) uploads, unzipped: bootloader.bin, partition-table.bin and the application .bin, or ESP-IDF's build folder with flasher_args.json (docs/flashing.md).",
  },
  IMAGE_INVALID: {
    code: 721,
    exit: 'imageInvalid',
    meaning:
      'A file in the image folder is not an ESP32 image: wrong magic byte, a partition table whose MD5 does not match, or an application whose SHA-256 does not match (truncated or corrupted download).',
    action: 'Download or build the image again; do not edit the .bin files. The file and what failed are named in the message.',
  },
  IMAGE_OVERLAP: {
    code: 722,
    exit: 'imageOverlap',
    meaning: "The image's parts would overlap in flash, or the application is larger than its partition.",
    action: 'Rebuild: the partition table (firmware/app/partitions.csv) and the application do not belong together, or flasher_args.json names wrong offsets.',
  },
  CHIP_SILENT: {
    code: 723,
    exit: 'chipSilent',
    meaning: 'No ESP32 ROM loader answered on the port (no SYNC reply).',
    action:
      'Check --port and the USB cable (a charge-only cable has no data lines); close any serial monitor on the port; if the board does not enter its downloader by itself, hold BOOT, tap EN (RST), release BOOT, and run again with --no-reset.',
  },
  CHIP_WRONG: {
    code: 724,
    exit: 'chipWrong',
    meaning: 'The chip on the port is not the chip the image was built for.',
    action: 'Use the image built for this board (--board of build:esp32, or the matching artifact of the image workflow), or connect the board the image is for.',
  },
  FLASH_FAILED: {
    code: 725,
    exit: 'flashFailed',
    meaning: 'The chip stopped answering, or refused a command, while the image was written.',
    action: 'Check the cable and power (a hub with too little current resets the board), try a lower --baud (115200), and run again: flashing starts over from the beginning.',
  },
  VERIFY_FAILED: {
    code: 726,
    exit: 'verifyFailed',
    meaning: 'The flash content read back (MD5 over each part) differs from the image: the write did not land intact.',
    action: 'Run the flash again at a lower --baud; if it fails again at the same address, the flash chip may be worn or the board faulty.',
  },
  PORT_FAILED: {
    code: 727,
    exit: 'flashPort',
    meaning: 'The serial port could not be opened.',
    action: 'Check the path (`pumpctl ports` lists them), that no other program holds it, and that you may open it (on Linux, membership of the dialout group).',
  },
});

export type DeviceErrorName = keyof typeof DEVICE_ERRORS;

/** One problem found: which error, and the detail that names what is missing. */
export interface DeviceProblem {
  readonly name: DeviceErrorName;
  readonly detail: string;
}

/** `E704 IDF_PATH is not set ...` then how to fix it, as the device tools print it. */
export function formatDeviceProblem(p: DeviceProblem): string {
  const spec: HostErrorSpec = DEVICE_ERRORS[p.name];
  return `E${spec.code} ${spec.meaning}${p.detail === '' ? '' : ` (${p.detail})`}\n  What to do: ${spec.action}`;
}
