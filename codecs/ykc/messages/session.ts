/** Bodies of the registration and heartbeat frames 0x01-0x04 (docs/protocols/ykc.md §4, spec §6.1-6.4). */

/** 0x01 charger -> platform. */
export interface Login {
  /** Pile code, 14 BCD digits. */
  readonly pileCode: string;
  /** 0 DC, 1 AC. */
  readonly pileType: number;
  readonly gunCount: number;
  /** Version x 10: 0x0F = v1.5, 0x10 = v1.6, 0x11 = v1.7. */
  readonly protocolVersion: number;
  /** ASCII, 8 bytes zero-padded. */
  readonly firmwareVersion: string;
  /** 0 SIM, 1 LAN, 2 WAN, 3 other. */
  readonly networkType: number;
  /** SIM field (10 bytes "BCD"), rendered as 20 hex digits: devices put an ICCID with hex digits there. */
  readonly sim: string;
  /** 0 China Mobile, 2 China Telecom, 3 China Unicom, 4 other (docs/protocols/ykc.md §9 #8). */
  readonly operator: number;
}

/** 0x02 platform -> charger. */
export interface LoginAnswer {
  readonly pileCode: string;
  /** 0 success, 1 failure. */
  readonly result: number;
}

/** 0x03 charger -> platform, every 10 s. */
export interface Heartbeat {
  readonly pileCode: string;
  /** Gun number, 2 BCD digits (`01`). */
  readonly gun: string;
  /** 0 normal, 1 fault. */
  readonly gunState: number;
}

/** 0x04 platform -> charger. */
export interface HeartbeatAnswer {
  readonly pileCode: string;
  readonly gun: string;
  /** Always 0 per the spec. */
  readonly answer: number;
}
