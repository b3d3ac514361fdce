// Registers the test ventilator driver. Import this before anything that loads the vehicle config schema (it is
// built from the driver list when src/config is first imported).
import { registerDriver } from '../../drivers/index.js';
import { writableVentDriver } from './writable-vent.js';

registerDriver(writableVentDriver);
