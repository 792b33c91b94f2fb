/**
 * What `pilegate serve` says it serves, read from its JSON start-up line (`pilegate serving`):
 * the tests that spawn it find their charger ports here.
 */

export interface ServedListener {
  readonly host: string;
  readonly port: number;
  readonly codec: string;
  readonly mapping?: string;
}

/** The listeners of the start-up line in `stdout` (one per codec of a listener), or undefined before it is printed. */
export function servedListeners(stdout: string): ServedListener[] | undefined {
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{') || !line.includes('"pilegate serving"')) continue;
    const banner = JSON.parse(line) as { msg?: string; listeners?: { host: string; port: number; codecs: { codec: string; mapping?: string }[] }[] };
    if (banner.msg !== 'pilegate serving') continue;
    return (banner.listeners ?? []).flatMap((l) => l.codecs.map((c) => ({ host: l.host, port: l.port, ...c })));
  }
  return undefined;
}

/** The port of the first listener serving `codec` (and a mapping whose file name matches `mapping`), or undefined. */
export function servedPort(stdout: string, codec: string, mapping?: RegExp): number | undefined {
  return servedListeners(stdout)?.find((l) => l.codec === codec && (mapping === undefined || mapping.test(l.mapping ?? '')))?.port;
}
