/**
 * Checks a device-model value (always a string on the wire) against its variable's dataType,
 * limits and valuesList, and brings it to one canonical spelling.
 *
 * Reason codes are those of OCPP 2.0.1 Part 2 Appendix "Reason codes": `InvalidValue` for a value
 * of the wrong form or outside the valuesList, `ValueTooLow` / `ValueTooHigh` for numbers outside
 * [minLimit, maxLimit].
 */
import type { VariableDef } from './device-model-types.js';

export type ValueCheck = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly reasonCode: 'InvalidValue' | 'ValueTooLow' | 'ValueTooHigh'; readonly info: string };

type Limits = Pick<VariableDef, 'dataType' | 'minLimit' | 'maxLimit' | 'valuesList' | 'pattern'>;

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
// RFC 3339 with an explicit zone (OCPP 2.0.1 Part 2, dateTime: RFC 3339).
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Checks `raw` for a variable; on success `value` is the canonical form to store and report. */
export function checkValue(def: Limits, raw: string): ValueCheck {
  switch (def.dataType) {
    case 'integer': {
      if (!INTEGER.test(raw)) return invalid(`"${clip(raw)}" is not an integer`);
      const n = Number(raw);
      if (n < INT32_MIN || n > INT32_MAX) return invalid(`${clip(raw)} is outside the 32-bit integer range`);
      return range(def, n);
    }
    case 'decimal': {
      if (!DECIMAL.test(raw)) return invalid(`"${clip(raw)}" is not a decimal`);
      return range(def, Number(raw));
    }
    case 'boolean': {
      const lower = raw.toLowerCase();
      return lower === 'true' || lower === 'false' ? { ok: true, value: lower } : invalid(`"${clip(raw)}" is not true or false`);
    }
    case 'dateTime':
      return DATE_TIME.test(raw) && !Number.isNaN(Date.parse(raw)) ? { ok: true, value: raw } : invalid(`"${clip(raw)}" is not an RFC 3339 date-time with zone`);
    case 'string':
      if (def.pattern !== undefined && !new RegExp(def.pattern).test(raw)) return invalid('contains characters that are not allowed');
      return length(def, raw);
    case 'OptionList':
      return allowed(def).includes(raw) ? { ok: true, value: raw } : invalid(`"${clip(raw)}" is not one of ${def.valuesList ?? ''}`);
    case 'MemberList':
    case 'SequenceList': {
      const members = raw.trim() === '' ? [] : raw.split(',').map((m) => m.trim());
      if (members.length === 0 && def.dataType === 'SequenceList') return invalid('a SequenceList needs at least one member');
      const values = allowed(def);
      const unknown = members.find((m) => !values.includes(m));
      if (unknown !== undefined) return invalid(`"${clip(unknown)}" is not one of ${def.valuesList ?? ''}`);
      const dup = members.find((m, i) => members.indexOf(m) !== i);
      if (dup !== undefined) return invalid(`"${dup}" is listed twice`);
      return length(def, members.join(','));
    }
  }
}

/** The members of a valuesList (empty for none). */
export function listValues(valuesList: string | undefined): string[] {
  return valuesList === undefined || valuesList === '' ? [] : valuesList.split(',');
}

function allowed(def: Limits): string[] {
  return listValues(def.valuesList);
}

function range(def: Limits, n: number): ValueCheck {
  if (def.minLimit !== undefined && n < def.minLimit) return { ok: false, reasonCode: 'ValueTooLow', info: `${n} is below the minimum ${def.minLimit}` };
  if (def.maxLimit !== undefined && n > def.maxLimit) return { ok: false, reasonCode: 'ValueTooHigh', info: `${n} is above the maximum ${def.maxLimit}` };
  return { ok: true, value: String(n) };
}

function length(def: Limits, value: string): ValueCheck {
  if (def.minLimit !== undefined && value.length < def.minLimit) return invalid(`shorter than ${def.minLimit} characters`);
  if (def.maxLimit !== undefined && value.length > def.maxLimit) return invalid(`longer than ${def.maxLimit} characters`);
  return { ok: true, value };
}

function invalid(info: string): ValueCheck {
  return { ok: false, reasonCode: 'InvalidValue', info };
}

/** Keeps the CSMS's input short inside additionalInfo (max 512 chars). */
function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
