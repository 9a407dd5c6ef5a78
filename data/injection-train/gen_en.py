"""Builds en.jsonl from the hand-written lists in en_parts/. Run: python3 gen_en.py"""
import importlib.util, json, os, sys
sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
PARTS = os.path.join(HERE, "en_parts")
ATTACK_TYPES = {"instruction-override", "persona", "fiction", "fake-marker", "prompt-leak", "indirect"}

def load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(PARTS, name + ".py"))
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod); return mod

rows = []
for f in sorted(os.listdir(PARTS)):
    if not f.endswith(".py"): continue
    m = load(f[:-3])
    label = "attack" if f.startswith("a_") else "benign"
    for it in m.ITEMS:
        t, text = it if isinstance(it, tuple) else (m.T, it)
        if label == "attack": assert t in ATTACK_TYPES, t
        rows.append({"text": text, "label": label, "type": t})

seen, out = set(), []
for r in rows:
    if r["text"] in seen:
        print("DUP:", r["text"][:80], file=sys.stderr); continue
    seen.add(r["text"]); out.append(r)
with open(os.path.join(HERE, "en.jsonl"), "w", encoding="utf-8") as fh:
    for r in out: fh.write(json.dumps(r, ensure_ascii=False) + "\n")
from collections import Counter
c = Counter((r["label"], r["type"]) for r in out)
for k in sorted(c): print(k, c[k])
print("attack", sum(v for k, v in c.items() if k[0]=="attack"), "benign", sum(v for k, v in c.items() if k[0]=="benign"))
