/**
 * binary-parser's generated root function sets `vars.$parent` and `vars.$root` and deletes them
 * before returning. The delete turns the result into a dictionary-mode object and, measured on the
 * 10 x M_ME_NC_1 frame, costs more than half the decode throughput. The parsers compiled here (IEC
 * 104 ASDUs, CP56Time2a, YKC messages) use no context variables, so their root is generated without
 * them: same fields, same code for every element.
 *
 * This replaces one private method (`addRawCode`) of binary-parser 2.x on the given instance only;
 * the fixture and property tests of both codecs cover the result. If a future version renames what is relied
 * on here, the parser is compiled as the library would (slower, same output).
 */
import type { Parser } from 'binary-parser';

interface Context {
  pushCode(code: string): void;
}
interface ParserInternals {
  addRawCode?: (ctx: Context) => void;
  generate?: (ctx: Context) => void;
  resolveReferences?: (ctx: Context) => void;
}

/** Compiles `parser` with a root that carries no context variables. Returns the parser. */
export function compileLean(parser: Parser): Parser {
  const internals = parser as unknown as ParserInternals;
  const generate = internals.generate;
  const resolve = internals.resolveReferences;
  if (typeof internals.addRawCode === 'function' && typeof generate === 'function' && typeof resolve === 'function') {
    Object.defineProperty(parser, 'addRawCode', {
      value(this: ParserInternals, ctx: Context): void {
        ctx.pushCode('var offset = 0;');
        ctx.pushCode('var vars = {};');
        generate.call(this, ctx);
        resolve.call(this, ctx);
        ctx.pushCode('return vars;');
      },
    });
  }
  parser.compile();
  return parser;
}
