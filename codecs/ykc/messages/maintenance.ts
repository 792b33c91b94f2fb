/** Bodies of the remote maintenance frames 0x92/0x91 (reboot) and 0x94/0x93 (firmware update) (docs/protocols/ykc.md §4, spec §11). */

/** 0x92 platform -> charger. */
export interface Reboot {
  readonly pileCode: string;
  /** 1 now, 2 when idle. */
  readonly mode: number;
}

/** 0x94 platform -> charger: fetch firmware over FTP. */
export interface FirmwareUpdate {
  readonly pileCode: string;
  /** 1 DC, 2 AC. */
  readonly pileModel: number;
  /** Pile power as sent (unit not given by the spec). */
  readonly pilePower: number;
  /** ASCII, 16 bytes. */
  readonly serverAddress: string;
  readonly serverPort: number;
  readonly username: string;
  readonly password: string;
  /** ASCII, 32 bytes. */
  readonly filePath: string;
  /** 1 now, 2 when idle. */
  readonly mode: number;
  readonly downloadTimeoutMin: number;
}

/** 0x93 charger -> platform. */
export interface FirmwareUpdateAnswer {
  readonly pileCode: string;
  /** 0 ok, 1 wrong pile code, 2 firmware does not match the model, 3 download timeout. */
  readonly status: number;
}
