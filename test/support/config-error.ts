import { expect } from 'vitest';
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

/** The CONFIG_INVALID error `fn` throws, having checked that it has an issue at `pointer` whose reason contains `reason`. */
export function expectConfigIssue(fn: () => unknown, pointer: string, reason: string): ConfigError {
  const e = configError(fn);
  expect(e.code).toBe('CONFIG_INVALID');
  const issue = e.issues.find((i) => i.pointer === pointer);
  expect(issue, JSON.stringify(e.issues)).toBeDefined();
  expect(issue?.reason).toContain(reason);
  return e;
}
