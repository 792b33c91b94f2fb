/** The canonical model: the only contract between codecs and the station engine. */
export * from './events.js';
export * from './commands.js';
export * from './capabilities.js';
export * from './units.js';
