// binary-parser's package.json "exports" maps "import" to an .mjs file with no typings beside it, so
// NodeNext resolution finds no types; its declarations ship next to the CommonJS build.
declare module 'binary-parser' {
  export * from 'binary-parser/dist/binary_parser.js';
}
