import { hash } from "node:crypto";

// RFC 6962 / RFC 9162 Merkle tree hashing over SHA-256. Leaves and nodes are domain-separated (0x00 / 0x01)
// so a leaf can never be passed off as an interior node. One-shot crypto.hash: this runs twice per event
// on every append and every verify, and is three times faster than createHash for inputs this small.

/** SHA-256(0x00 || leaf). A string leaf is hashed as its UTF-8 bytes. */
export function leafHash(leaf: string | Uint8Array): Buffer {
  if (typeof leaf === "string") return Buffer.from(leafHashHex(leaf), "hex");
  const buf = Buffer.allocUnsafe(leaf.length + 1);
  buf[0] = 0x00;
  buf.set(leaf, 1);
  return Buffer.from(hash("sha256", buf, "hex"), "hex");
}

/** Hex output: crypto.hash allocates a Buffer result slowly, a hex string quickly (0.4 vs 1.1 µs here). */
export function leafHashHex(leaf: string): string {
  return hash("sha256", `\u0000${leaf}`, "hex");
}

const nodeInput = Buffer.alloc(65);

/** SHA-256(0x01 || left || right) over two 32-byte hashes given in hex. */
export function nodeHashHex(left: string, right: string): string {
  nodeInput[0] = 0x01;
  nodeInput.write(left, 1, 32, "hex");
  nodeInput.write(right, 33, 32, "hex");
  return hash("sha256", nodeInput, "hex");
}

/** The hash of the empty tree. */
export const EMPTY_ROOT: Buffer = Buffer.from(hash("sha256", Buffer.alloc(0), "hex"), "hex");

const HEX32 = /^[0-9a-f]{64}$/;

/**
 * The compact range of a tree: the roots of its perfect subtrees, largest first (one per set bit of size),
 * as hex. Appending is O(log n) and the root is derivable at any size without re-reading the leaves.
 */
export class MerkleFrontier {
  private readonly nodes: string[];
  private count: number;

  constructor(size = 0, nodes: string[] = []) {
    if (nodes.length !== popcount(size)) {
      throw new Error(`a frontier of a tree of ${size} leaves has ${popcount(size)} nodes, not ${nodes.length}`);
    }
    if (!nodes.every((n) => HEX32.test(n))) throw new Error("a frontier node is not a 32-byte hex hash");
    this.count = size;
    this.nodes = nodes;
  }

  get size(): number {
    return this.count;
  }

  /** Append one leaf hash (hex). */
  append(leaf: string): void {
    this.appendSubtree(leaf, 1);
  }

  /** Append the root (hex) of a perfect subtree of `width` leaves (a power of two); the size must be a multiple of it. */
  appendSubtree(root: string, width: number): void {
    if (width < 1 || (width & (width - 1)) !== 0 || this.count % width !== 0) {
      throw new Error(`cannot append a subtree of ${width} leaves to a tree of ${this.count}`);
    }
    this.nodes.push(root);
    // Each trailing 1 bit of the old size (in units of width) is a perfect subtree that now has a sibling.
    for (let s = this.count / width; s % 2 === 1; s = Math.floor(s / 2)) {
      const right = this.nodes.pop() as string;
      const left = this.nodes.pop() as string;
      this.nodes.push(nodeHashHex(left, right));
    }
    this.count += width;
  }

  rootHex(): string {
    if (this.nodes.length === 0) return EMPTY_ROOT.toString("hex");
    let root = this.nodes[this.nodes.length - 1] as string;
    for (let i = this.nodes.length - 2; i >= 0; i--) root = nodeHashHex(this.nodes[i] as string, root);
    return root;
  }

  root(): Buffer {
    return Buffer.from(this.rootHex(), "hex");
  }

  /** The subtree roots (hex), largest first. */
  toJSON(): string[] {
    return [...this.nodes];
  }

  static fromJSON(size: number, nodes: readonly string[]): MerkleFrontier {
    return new MerkleFrontier(size, [...nodes]);
  }
}

function popcount(n: number): number {
  let c = 0;
  for (let v = n; v > 0; v = Math.floor(v / 2)) c += v % 2;
  return c;
}

/** MTH(D[lo:hi]) over leaf hashes (hex). Recursion depth is log2(n). */
export function subtreeRoot(leaves: readonly string[], lo = 0, hi = leaves.length): string {
  const n = hi - lo;
  if (n === 0) return EMPTY_ROOT.toString("hex");
  if (n === 1) return leaves[lo] as string;
  const k = largestPowerOfTwoBelow(n);
  return nodeHashHex(subtreeRoot(leaves, lo, lo + k), subtreeRoot(leaves, lo + k, hi));
}

/** PATH(m, D[n]) of RFC 6962 §2.1.1: the audit path (hex, leaf upwards) for leaf index m. */
export function inclusionProof(leaves: readonly string[], index: number): string[] {
  if (index < 0 || index >= leaves.length) throw new RangeError(`leaf ${index} is outside a tree of ${leaves.length}`);
  let lo = 0;
  let hi = leaves.length;
  const siblings: string[] = [];
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
  return siblings.reverse();
}

/** RFC 9162 §2.1.3.2: recompute the root (hex) from a leaf hash and its audit path. */
export function rootFromInclusionProof(leaf: string, index: number, size: number, proof: readonly string[]): string {
  if (index < 0 || index >= size) throw new RangeError(`leaf ${index} is outside a tree of ${size}`);
  if (!HEX32.test(leaf) || !proof.every((p) => HEX32.test(p))) throw new Error("the proof holds a value that is not a 32-byte hex hash");
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) throw new Error("the proof is longer than the tree is deep");
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHashHex(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHashHex(r, p);
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
