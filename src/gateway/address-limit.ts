/**
 * Open charger connections per source address, so that one misbehaving host (a charger stuck in a
 * reconnect loop, a scanner) cannot take every socket of the gateway.
 */
export class AddressLimit {
  private readonly open = new Map<string, number>();

  /** `max`: connections allowed per address; 0 means no limit. */
  constructor(private readonly max: number) {}

  /** Counts a new connection from `address`; false (and nothing counted) when it is one too many. */
  acquire(address: string): boolean {
    const n = this.open.get(address) ?? 0;
    if (this.max > 0 && n >= this.max) return false;
    this.open.set(address, n + 1);
    return true;
  }

  /** A connection counted by `acquire` closed. */
  release(address: string): void {
    const n = (this.open.get(address) ?? 0) - 1;
    if (n > 0) this.open.set(address, n);
    else this.open.delete(address);
  }

  count(address: string): number {
    return this.open.get(address) ?? 0;
  }
}
