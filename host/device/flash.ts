// `npm run flash`: builds the firmware and flashes a connected board (host/device/cli.ts).
import { main } from './cli';

main('flash');
