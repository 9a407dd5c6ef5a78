import { createHash } from "node:crypto";

// RFC 6962 / RFC 9162 Merkle tree hashing over SHA-256. Leaves and nodes are domain-separated (0x00 / 0x01)
// so a leaf can never be passed off as an interior node.

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

export function leafHash(leaf: string | Uint8Array): Buffer {
  return createHash("sha256").update(LEAF_PREFIX).update(leaf).digest();
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash("sha256").update(NODE_PREFIX).update(left).update(right).digest();
}

/** The hash of the empty tree. */
export const EMPTY_ROOT: Buffer = createHash("sha256").digest();

/**
 * The compact range of a tree: the roots of its perfect subtrees, largest first (one per set bit of size).
 * Appending is O(log n) and the root is derivable at any size without re-reading the leaves.
 */
export class MerkleFrontier {
  private readonly nodes: Buffer[];
  private count: number;

  constructor(size = 0, nodes: Buffer[] = []) {
    if (nodes.length !== popcount(size)) {
      throw new Error(`a frontier of a tree of ${size} leaves has ${popcount(size)} nodes, not ${nodes.length}`);
    }
    this.count = size;
    this.nodes = nodes;
  }

  get size(): number {
    return this.count;
  }

  append(leaf: Buffer): void {
    this.nodes.push(leaf);
    // Each trailing 1 bit of the old size is a perfect subtree that now has a sibling of equal size.
    for (let s = this.count; (s & 1) === 1; s = Math.floor(s / 2)) {
      const right = this.nodes.pop() as Buffer;
      const left = this.nodes.pop() as Buffer;
      this.nodes.push(nodeHash(left, right));
    }
    this.count += 1;
  }

  root(): Buffer {
    if (this.nodes.length === 0) return EMPTY_ROOT;
    let root = this.nodes[this.nodes.length - 1] as Buffer;
    for (let i = this.nodes.length - 2; i >= 0; i--) root = nodeHash(this.nodes[i] as Buffer, root);
    return root;
  }

  toJSON(): string[] {
    return this.nodes.map((n) => n.toString("hex"));
  }

  static fromJSON(size: number, nodes: readonly string[]): MerkleFrontier {
    return new MerkleFrontier(
      size,
      nodes.map((n) => Buffer.from(n, "hex")),
    );
  }
}

function popcount(n: number): number {
  let c = 0;
  for (let v = n; v > 0; v = Math.floor(v / 2)) c += v % 2;
  return c;
}

/** MTH(D[lo:hi]) over leaf hashes. Recursion depth is log2(n). */
export function subtreeRoot(leaves: readonly Buffer[], lo = 0, hi = leaves.length): Buffer {
  const n = hi - lo;
  if (n === 0) return EMPTY_ROOT;
  if (n === 1) return leaves[lo] as Buffer;
  const k = largestPowerOfTwoBelow(n);
  return nodeHash(subtreeRoot(leaves, lo, lo + k), subtreeRoot(leaves, lo + k, hi));
}

/** PATH(m, D[n]) of RFC 6962 §2.1.1: the audit path for leaf index m in the tree of the given leaves. */
export function inclusionProof(leaves: readonly Buffer[], index: number): Buffer[] {
  if (index < 0 || index >= leaves.length) throw new RangeError(`leaf ${index} is outside a tree of ${leaves.length}`);
  const path: Buffer[] = [];
  let lo = 0;
  let hi = leaves.length;
  const siblings: Buffer[] = [];
  while (hi - lo > 1) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (index < lo + k) {
      siblings.push(subtreeRoot(leaves, lo + k, hi));
      hi = lo + k;
    } else {
      siblings.push(subtreeRoot(leaves, lo, lo + k));
      lo = lo + k;
    }
  }
  // The path lists siblings from the leaf upwards.
  for (let i = siblings.length - 1; i >= 0; i--) path.push(siblings[i] as Buffer);
  return path;
}

/** RFC 9162 §2.1.3.2: recompute the root from a leaf hash and its audit path. */
export function rootFromInclusionProof(leaf: Buffer, index: number, size: number, proof: readonly Buffer[]): Buffer {
  if (index < 0 || index >= size) throw new RangeError(`leaf ${index} is outside a tree of ${size}`);
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) throw new Error("the proof is longer than the tree is deep");
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new Error("the proof is shorter than the tree is deep");
  return r;
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
