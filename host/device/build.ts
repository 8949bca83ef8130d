// `npm run build:esp32`: the firmware for an ESP32 board through the Moddable SDK (host/device/cli.ts).
import { main } from './cli';

main('build');
