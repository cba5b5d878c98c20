// Sequences (Badger's Sequence): monotonic integers handed out from leases. A lease — the upper
// bound of the numbers handed out so far, a u64 big-endian stored at the sequence's key — is
// written and synced before any number from it is returned, so numbers never repeat across
// crashes; a crash only skips the unused rest of a lease. release() stores the next unused
// number, giving the unused rest back.

import { InvalidArgumentError, CorruptionError } from '../base/index.js';

export interface SequenceHost {
  read(key: Uint8Array): Uint8Array | undefined;
  /** Writes key = value and resolves once it is durable (synced even without syncWrites). */
  writeDurable(key: Uint8Array, value: Uint8Array): Promise<void>;
  /** Runs `fn` alone among the sequences of this key (every Sequence on one name shares the stored lease). */
  exclusive<T>(key: Uint8Array, fn: () => Promise<T>): Promise<T>;
}

export class Sequence {
  private nextValue: number;
  private leased: number;
  /** Serialises next() and release(): leases are written one at a time, in order. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly host: SequenceHost,
    readonly key: Uint8Array,
    readonly leaseSize: number,
  ) {
    if (!Number.isSafeInteger(leaseSize) || leaseSize < 1) throw new InvalidArgumentError(`leaseSize must be a positive integer, got ${String(leaseSize)}`);
    this.nextValue = 0;
    this.leased = 0;
  }

  private stored(): number {
    const bytes = this.host.read(this.key);
    return bytes === undefined ? 0 : decodeLease(bytes);
  }

  /** The next number: never handed out before by this sequence, in this process or any earlier one. */
  next(): Promise<number> {
    const run = this.chain.then(async () => {
      if (this.nextValue >= this.leased) {
        // Lease from what is stored now, not from a copy: another Sequence on this name may
        // have leased since.
        await this.host.exclusive(this.key, async () => {
          const start = this.stored();
          await this.host.writeDurable(this.key, encodeLease(start + this.leaseSize));
          this.nextValue = start;
          this.leased = start + this.leaseSize;
        });
      }
      return this.nextValue++;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Gives back the unused rest of the current lease. Later next() calls lease again. */
  release(): Promise<void> {
    const run = this.chain.then(async () => {
      if (this.leased === this.nextValue) return;
      await this.host.exclusive(this.key, async () => {
        // Only the newest lease can be given back: if another Sequence leased after this one,
        // numbers below the stored lease may be in its hands.
        if (this.stored() === this.leased) await this.host.writeDurable(this.key, encodeLease(this.nextValue));
        this.leased = this.nextValue;
      });
    });
    this.chain = run.catch(() => undefined);
    return run;
  }
}

function encodeLease(n: number): Uint8Array {
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, Math.floor(n / 0x1_0000_0000));
  view.setUint32(4, n >>> 0);
  return out;
}

function decodeLease(bytes: Uint8Array): number {
  if (bytes.length !== 8) throw new CorruptionError('sequence', 0, `a sequence lease is 8 bytes, found ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  return view.getUint32(0) * 0x1_0000_0000 + view.getUint32(4);
}
