import { describe, expect, it } from "vitest";
import { EMPTY_ROOT, MerkleFrontier, inclusionProof, leafHash, leafHashHex, rootFromInclusionProof, subtreeRoot } from "../../src/audit/merkle.js";

// The leaves and roots of the RFC 6962 reference tests (certificate-transparency and Trillian use the same).
const LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"].map((h) =>
  leafHash(Buffer.from(h, "hex")).toString("hex"),
);
const ROOTS = [
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

function leaves(n: number): string[] {
  return Array.from({ length: n }, (_, i) => leafHashHex(`leaf ${i}`));
}

describe("RFC 6962 Merkle tree", () => {
  it("computes the reference roots of the RFC 6962 test trees", () => {
    expect(subtreeRoot([])).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    for (let n = 1; n <= LEAVES.length; n++) {
      expect(subtreeRoot(LEAVES.slice(0, n))).toBe(ROOTS[n - 1]);
    }
  });

  it("keeps the same root incrementally as recomputing from all leaves, at every size", () => {
    const all = leaves(130);
    const frontier = new MerkleFrontier();
    expect(frontier.root()).toEqual(EMPTY_ROOT);
    for (let n = 1; n <= all.length; n++) {
      frontier.append(all[n - 1] as string);
      expect(frontier.rootHex()).toBe(subtreeRoot(all.slice(0, n)));
      // and survives a round trip through its stored form
      const restored = MerkleFrontier.fromJSON(n, frontier.toJSON());
      expect(restored.root()).toEqual(frontier.root());
    }
  });

  it("produces inclusion proofs that lead to the root for every leaf of every tree size", () => {
    for (let n = 1; n <= 40; n++) {
      const all = leaves(n);
      const root = subtreeRoot(all);
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(all, i);
        expect(rootFromInclusionProof(all[i] as string, i, n, proof)).toBe(root);
      }
    }
  });

  it("rejects an inclusion proof for the wrong leaf, index or size", () => {
    const all = leaves(11);
    const root = subtreeRoot(all);
    const proof = inclusionProof(all, 6);
    expect(rootFromInclusionProof(all[5] as string, 6, 11, proof)).not.toEqual(root);
    expect(rootFromInclusionProof(all[6] as string, 7, 11, proof)).not.toEqual(root);
    expect(() => rootFromInclusionProof(all[6] as string, 6, 20, proof)).toThrow();
    expect(() => rootFromInclusionProof(all[6] as string, 11, 11, proof)).toThrow();
  });

  it("refuses a stored frontier whose length does not fit the tree size", () => {
    expect(() => MerkleFrontier.fromJSON(3, ["00".repeat(32)])).toThrow(/2 nodes/);
    expect(() => MerkleFrontier.fromJSON(1, ["zz"])).toThrow(/not a 32-byte hex hash/);
  });
});
