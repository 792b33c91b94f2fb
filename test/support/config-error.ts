import { ConfigError } from '../../src/config/errors.js';

/** The ConfigError `fn` throws; fails the test when it throws something else or nothing. */
export function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('no ConfigError thrown');
}
