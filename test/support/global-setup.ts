/**
 * Vitest global setup: the suite needs `redis-server` on the PATH (test/support/redis-server.ts
 * spawns private servers for the Redis store, registry and fleet tests). Without it the run stops
 * before any test with one line saying what to install, instead of dozens of spawn failures.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The executable `name` found in the directories of `path` (a PATH value), if any. */
export function findOnPath(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export const REDIS_MISSING =
  'npm test needs redis-server on the PATH (the Redis store and fleet tests start their own on a free port): install Redis (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) and run the tests again';

export default function setup(): void {
  if (findOnPath('redis-server', process.env['PATH']) !== undefined) return;
  process.stderr.write(`${REDIS_MISSING}\n`);
  process.exit(1);
}
