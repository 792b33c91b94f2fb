/** binary-parser formatters that pick bit fields out of one octet. */

/** Formatter: true when any bit of `mask` is set. */
export const bit = (mask: number) =>
  function (this: unknown, b: number): boolean {
    return (b & mask) !== 0;
  };

/** Formatter: `(b >> shift) & mask`. */
export const masked = (mask: number, shift = 0) =>
  function (this: unknown, b: number): number {
    return (b >> shift) & mask;
  };
