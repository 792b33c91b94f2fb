/**
 * A JSON reader that reports what `JSON.parse` hides: an object that names a key twice (the last
 * one silently wins there). Log lines are checked with it, since a log pipeline may keep either
 * value, or reject the line.
 */

/** Keys named more than once in one object, as `path.key` (`$` is the top level). */
export function duplicateKeys(text: string): string[] {
  const found: string[] = [];
  let at = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at ${at} in ${text.slice(0, 200)}`);
  };
  const space = (): void => {
    while (at < text.length && /\s/.test(text[at] ?? '')) at++;
  };
  const string = (): string => {
    if (text[at] !== '"') fail('expected a string');
    const start = at;
    at++;
    while (at < text.length && text[at] !== '"') at += text[at] === '\\' ? 2 : 1;
    if (at >= text.length) fail('unterminated string');
    at++;
    return JSON.parse(text.slice(start, at)) as string;
  };
  const value = (path: string): void => {
    space();
    const c = text[at];
    if (c === '{') {
      at++;
      const seen = new Set<string>();
      space();
      if (text[at] === '}') {
        at++;
        return;
      }
      for (;;) {
        space();
        const key = string();
        if (seen.has(key)) found.push(`${path}.${key}`);
        seen.add(key);
        space();
        if (text[at] !== ':') fail('expected :');
        at++;
        value(`${path}.${key}`);
        space();
        if (text[at] === ',') {
          at++;
          continue;
        }
        if (text[at] === '}') {
          at++;
          return;
        }
        fail('expected , or }');
      }
    }
    if (c === '[') {
      at++;
      space();
      if (text[at] === ']') {
        at++;
        return;
      }
      for (let i = 0; ; i++) {
        value(`${path}[${i}]`);
        space();
        if (text[at] === ',') {
          at++;
          continue;
        }
        if (text[at] === ']') {
          at++;
          return;
        }
        fail('expected , or ]');
      }
    }
    if (c === '"') {
      string();
      return;
    }
    const m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(at, at + 40));
    if (m === null) fail('unexpected character');
    at += m?.[0].length ?? 0;
  };
  value('$');
  space();
  if (at !== text.length) fail('trailing text');
  return found;
}
