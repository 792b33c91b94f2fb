/**
 * What a codec writes to describe a private ASDU type (see `private-types.ts`): the shapes of a
 * decoded private ASDU and of a layout. Types only, so that the describer and the table can both
 * name them without importing each other.
 */
import type { RecordReader, RecordWriter } from './record-io.js';
import type { Asdu, AsduParameters } from './types.js';

/** One object of a private ASDU: the element's fields, flattened beside the IOA when the layout has one. */
export type PrivateObject<E extends object> = E & { readonly ioa?: number };

/**
 * A decoded ASDU of a registered private type: the standard header (as `Asdu` has it, with any TI
 * 0..255; SQ applies only when the layout has an IOA) and the layout's objects.
 */
export interface PrivateAsdu<E extends object = Record<string, unknown>> extends Omit<Asdu, 'typeId' | 'objects'> {
  readonly typeId: number;
  readonly objects: readonly PrivateObject<E>[];
}

/** The header of a private ASDU, as a layout sees it while reading or writing an element. */
export type PrivateAsduHeader = Omit<PrivateAsdu, 'objects'>;

/** Where an element sits: its ASDU's header, its index among the objects, the field widths. */
export interface ElementContext {
  readonly asdu: PrivateAsduHeader;
  readonly index: number;
  readonly params: AsduParameters;
}

/** How a codec's private type is laid out after the ASDU header. */
export interface PrivateTypeLayout<E extends object> {
  /** The type's mnemonic as its dialect names it (`M_RE_NA`): what describe and JSON show for the TI. */
  readonly name: string;
  /**
   * True when each object starts with an IOA of `AsduParameters.ioaSize` octets (the first object
   * alone when SQ = 1), as in the standard types; false when the element follows the common address.
   */
  readonly hasIoa: boolean;
  /**
   * Reads one element (after its IOA, if any). Reading past the end of the ASDU stops the decoding
   * with IEC104_RECORD_TRUNCATED; `r.unknownRecord(why)` stops it with IEC104_UNKNOWN_RECORD.
   */
  decode(r: RecordReader, at: ElementContext): E;
  /** Writes one element, the inverse of `decode`; a value the layout cannot carry throws an `EncodeError`. */
  encode(element: E, w: RecordWriter, at: ElementContext): void;
  /** One line for one element (without its IOA); by default each field as `name=value`. */
  describe?(element: E, timeZone?: string): string;
}

/** What describe and JSON renderings need of a table. */
export interface PrivateTypes {
  layoutOf(typeId: number): PrivateTypeLayout<object> | undefined;
}
