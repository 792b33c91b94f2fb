/**
 * What the gateway keeps for each charger across its connections (`ConnectionInfo.memoryOf`): one
 * small map per codec and charger id, which the codec fills (e.g. the time tags of the IEC 104
 * objects it processed, so that a frame resent after a reconnect is not processed twice). Held in
 * process memory, bounded by a number of chargers: the least recently connected one goes first.
 */
const DEFAULT_MAX_CHARGER_MEMORIES = 100_000;

export class ChargerMemories {
  /** In order of last use: a Map iterates in insertion order, and a use re-inserts. */
  private readonly memories = new Map<string, Map<string, unknown>>();

  constructor(private readonly max = DEFAULT_MAX_CHARGER_MEMORIES) {}

  /** The memory of one charger of one codec, created on first use. */
  of(codec: string, chargerId: string): Map<string, unknown> {
    const key = `${codec}\u0000${chargerId}`;
    let memory = this.memories.get(key);
    if (memory !== undefined) this.memories.delete(key);
    else memory = new Map();
    this.memories.set(key, memory);
    if (this.memories.size > this.max) {
      const oldest = this.memories.keys().next().value;
      if (oldest !== undefined) this.memories.delete(oldest);
    }
    return memory;
  }

  get size(): number {
    return this.memories.size;
  }
}
