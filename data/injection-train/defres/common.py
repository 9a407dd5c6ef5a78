"""Shared writer for the de/fr/es injection training files (hand-written data, Apache-2.0)."""

import json
import os
import sys

ATTACK_TYPES = {"instruction-override", "persona", "fiction", "fake-marker", "prompt-leak", "indirect"}


def emit(lang, attacks, benign):
    """attacks: {type: [text]}, benign: {type: [text]}; writes ../<lang>.jsonl, drops exact duplicates."""
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", f"{lang}.jsonl")
    seen = set()
    rows = []
    for label, groups in (("attack", attacks), ("benign", benign)):
        for typ, texts in groups.items():
            if label == "attack":
                assert typ in ATTACK_TYPES, typ
            for t in texts:
                t = t.strip("\n")
                if not t.strip():
                    continue
                if t in seen:
                    print(f"dup skipped: {t[:60]!r}", file=sys.stderr)
                    continue
                seen.add(t)
                rows.append({"text": t, "label": label, "type": typ})
    with open(out, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    counts = {}
    for r in rows:
        counts.setdefault((r["label"], r["type"]), 0)
        counts[(r["label"], r["type"])] += 1
    for k in sorted(counts):
        print(k, counts[k])
    print(lang, "attack", sum(v for k, v in counts.items() if k[0] == "attack"),
          "benign", sum(v for k, v in counts.items() if k[0] == "benign"))
