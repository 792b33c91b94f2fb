/**
 * Stop-reason codes of the transaction record (0x3B/0x3D byte "停止原因"), from one list
 * (docs/protocols/ykc.md §5, spec [S4] §13.1). Codes in a category's range without an entry are reserved.
 */

export type StopReasonCategory = 'completed' | 'startFailed' | 'abnormal' | 'unknown';

const REASONS: readonly (readonly [code: number, text: string])[] = [
  [0x40, 'app remote stop'],
  [0x41, 'SOC reached 100 %'],
  [0x42, 'energy target reached'],
  [0x43, 'amount target reached'],
  [0x44, 'time target reached'],
  [0x45, 'manual stop'],
  [0x4a, 'charger control system fault'],
  [0x4b, 'control pilot disconnected'],
  [0x4c, 'circuit breaker tripped'],
  [0x4d, 'meter communication lost'],
  [0x4e, 'insufficient balance'],
  [0x4f, 'charging module fault'],
  [0x50, 'emergency stop'],
  [0x51, 'surge arrester fault'],
  [0x52, 'BMS not ready'],
  [0x53, 'temperature abnormal'],
  [0x54, 'battery polarity reversed'],
  [0x55, 'electronic lock fault'],
  [0x56, 'contactor closing failed'],
  [0x57, 'insulation fault'],
  [0x59, 'BHM timeout'],
  [0x5a, 'BRM timeout'],
  [0x5b, 'BCP timeout'],
  [0x5c, 'BRO AA timeout'],
  [0x5d, 'BCS timeout'],
  [0x5e, 'BCL timeout'],
  [0x5f, 'BSM timeout'],
  [0x60, 'battery voltage present at BHM (GB/T 2015)'],
  [0x61, 'BRO AA battery voltage differs from BCP by more than 5 % (GB/T 2015)'],
  [0x62, 'BRO AA changed to BRO 00 during pre-charge (GB/T 2015)'],
  [0x63, 'host configuration timeout'],
  [0x64, 'charger not ready, no CRO AA (old GB/T)'],
  [0x6a, 'system lock'],
  [0x6b, 'control pilot disconnected'],
  [0x6c, 'circuit breaker tripped'],
  [0x6d, 'meter communication lost'],
  [0x6e, 'balance exhausted'],
  [0x6f, 'AC protection'],
  [0x70, 'DC protection'],
  [0x71, 'charging module fault'],
  [0x72, 'emergency stop'],
  [0x73, 'surge arrester fault'],
  [0x74, 'temperature abnormal'],
  [0x75, 'output abnormal'],
  [0x76, 'no current'],
  [0x77, 'electronic lock fault'],
  [0x79, 'total voltage abnormal'],
  [0x7a, 'total current abnormal'],
  [0x7b, 'cell voltage abnormal'],
  [0x7c, 'battery pack over-temperature'],
  [0x7d, 'highest cell voltage abnormal'],
  [0x7e, 'highest pack temperature'],
  [0x7f, 'BMV cell voltage abnormal'],
  [0x80, 'BMT pack over-temperature'],
  [0x81, 'battery state abnormal'],
  [0x82, 'vehicle forbids charging'],
  [0x83, 'charger power loss'],
  [0x84, 'BCS timeout'],
  [0x85, 'BCL timeout'],
  [0x86, 'BSM timeout'],
  [0x87, 'BST timeout'],
  [0x88, 'BSD timeout'],
  [0x89, 'CCS timeout'],
  [0x90, 'unknown'],
];

const BY_CODE = new Map<number, string>(REASONS);

export interface StopReasonInfo {
  readonly code: number;
  readonly category: StopReasonCategory;
  /** English text of the spec entry, `reserved` inside a range, undefined outside every range. */
  readonly text: string | undefined;
}

/** Category of a code: 0x40-0x49 completed, 0x4A-0x69 start failed, 0x6A-0x8F abnormal, else unknown. */
function stopReasonCategory(code: number): StopReasonCategory {
  if (code >= 0x40 && code <= 0x49) return 'completed';
  if (code >= 0x4a && code <= 0x69) return 'startFailed';
  if (code >= 0x6a && code <= 0x8f) return 'abnormal';
  return 'unknown';
}

export function stopReasonInfo(code: number): StopReasonInfo {
  const category = stopReasonCategory(code);
  const text = BY_CODE.get(code) ?? (category === 'unknown' ? undefined : 'reserved');
  return { code, category, text };
}
