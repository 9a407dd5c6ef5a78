"""Builds de.jsonl, fr.jsonl, es.jsonl from the hand-written lists in defres_parts/<lang>.py, merged with
the lists in defres/<lang>_attacks.py and defres/<lang>_benign.py (a second, independent set written on the
same branch), so that one run writes the union of both. Those rows come first; a row of ours that is an
exact or near duplicate (word-set Jaccard >= 0.75) of a row already taken is dropped.

Each part module has ATT (attack type -> lines), BEN (list of (benign type, lines)) and two lists of
wrapper templates (ATT_WRAP, BEN_WRAP) that put short items inside an ordinary-looking task. One item per
line; a literal backslash-n in a line becomes a newline. Run: python3 gen_defres.py
"""
import importlib.util, json, os, random, re, sys
from collections import Counter

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
PARTS = os.path.join(HERE, "defres_parts")
ATTACK_TYPES = ["instruction-override", "persona", "fiction", "fake-marker", "prompt-leak", "indirect"]


def lines(block):
    return [l.strip().replace("\\n", "\n") for l in block.strip().splitlines() if l.strip()]


def words(text):
    return frozenset(re.findall(r"\w+", text.lower()))


def other_rows(lang):
    """Rows from defres/<lang>_attacks.py (ATTACKS) and defres/<lang>_benign.py (BENIGN), if present."""
    rows = []
    for suffix, attr, label in (("attacks", "ATTACKS", "attack"), ("benign", "BENIGN", "benign")):
        path = os.path.join(HERE, "defres", f"{lang}_{suffix}.py")
        if not os.path.exists(path):
            continue
        spec = importlib.util.spec_from_file_location(f"other_{lang}_{suffix}", path)
        m = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(m)
        for t, texts in getattr(m, attr).items():
            if label == "attack":
                assert t in ATTACK_TYPES, t
            for text in texts:
                text = text.strip("\n")
                if text.strip():
                    rows.append({"text": text, "label": label, "type": t})
    return rows


def build(lang):
    spec = importlib.util.spec_from_file_location(lang, os.path.join(PARTS, lang + ".py"))
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    rng = random.Random("defres-" + lang)
    rows = []
    short_att = []
    for t in ATTACK_TYPES:
        for text in lines(m.ATT[t]):
            rows.append({"text": text, "label": "attack", "type": t})
            if len(text) < 220 and "\n" not in text and t != "indirect":
                short_att.append((t, text))
    short_ben = []
    for t, block in m.BEN:
        for text in lines(block):
            rows.append({"text": text, "label": "benign", "type": t})
            if len(text) < 200 and "\n" not in text:
                short_ben.append((t, text))
    # each wrapper is used for several items; the wrapped copy keeps the item's own type
    for wraps, pool, label, n in ((m.ATT_WRAP, short_att, "attack", m.N_ATT_WRAP),
                                  (m.BEN_WRAP, short_ben, "benign", m.N_BEN_WRAP)):
        picks = rng.sample(pool, min(n, len(pool)))
        for i, (t, text) in enumerate(picks):
            w = wraps[i % len(wraps)]
            rows.append({"text": w.replace("{}", text), "label": label, "type": t})
    theirs = other_rows(lang)
    seen, out, kept_words, near = set(), [], [], 0
    for i, r in enumerate(theirs + rows):
        if r["text"] in seen:
            continue
        w = words(r["text"])
        if i >= len(theirs) and any(len(w & k) / max(1, len(w | k)) >= 0.75 for k in kept_words):
            near += 1
            continue
        seen.add(r["text"])
        kept_words.append(w)
        out.append(r)
    print(lang, f"merged {len(theirs)} rows from defres/, dropped {near} near duplicates of ours")
    rng.shuffle(out)
    with open(os.path.join(HERE, lang + ".jsonl"), "w", encoding="utf-8") as fh:
        for r in out:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    c = Counter((r["label"], r["type"]) for r in out)
    print(lang, {f"{k[0]}/{k[1]}": v for k, v in sorted(c.items())})
    print(lang, "attack", sum(v for k, v in c.items() if k[0] == "attack"),
          "benign", sum(v for k, v in c.items() if k[0] == "benign"))


for lang in sys.argv[1:] or ["de", "fr", "es"]:
    if os.path.exists(os.path.join(PARTS, lang + ".py")):
        build(lang)
