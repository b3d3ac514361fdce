// RFC 6962 Merkle tree hashes (the Certificate Transparency tree): leaf = SHA-256(0x00 ‖ data), node =
// SHA-256(0x01 ‖ left ‖ right), the split at the largest power of two below n, and SHA-256("") for the empty tree.
// The audit log's entry hash is its leaf hash, so a checkpoint's root commits to every entry before it.
import { createHash } from 'node:crypto';

const LEAF = Buffer.from([0x00]);
const NODE = Buffer.from([0x01]);

export function leafHash(data: Buffer): Buffer {
  return createHash('sha256').update(LEAF).update(data).digest();
}

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256').update(NODE).update(left).update(right).digest();
}

export const EMPTY_ROOT = createHash('sha256').update(Buffer.alloc(0)).digest();

/** The root over leaf hashes [from, to), by the definition (recursive): what a verifier computes. */
export function rootOf(leaves: readonly Buffer[], from = 0, to = leaves.length): Buffer {
  const n = to - from;
  if (n === 0) return EMPTY_ROOT;
  if (n === 1) return leaves[from]!;
  let k = 1;
  while (k * 2 < n) k *= 2;
  return nodeHash(rootOf(leaves, from, from + k), rootOf(leaves, from + k, to));
}

/**
 * The same root, kept incrementally as the log grows: a stack of perfect subtrees (largest first). Appending costs
 * O(log n) and the tree's leaves need not be kept; the root folds the stack from the right.
 */
export class CompactRange {
  private readonly stack: Array<{ size: number; hash: Buffer }> = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  append(leaf: Buffer): void {
    let top = { size: 1, hash: leaf };
    while (this.stack.length > 0 && this.stack[this.stack.length - 1]!.size === top.size) {
      const left = this.stack.pop()!;
      top = { size: left.size * 2, hash: nodeHash(left.hash, top.hash) };
    }
    this.stack.push(top);
    this.count++;
  }

  root(): Buffer {
    if (this.stack.length === 0) return EMPTY_ROOT;
    let acc = this.stack[this.stack.length - 1]!.hash;
    for (let i = this.stack.length - 2; i >= 0; i--) acc = nodeHash(this.stack[i]!.hash, acc);
    return acc;
  }
}
