"""Adds the hand-written second-pass rows in zhja_parts/<lang>.py to zh.jsonl and ja.jsonl.

The rows already in a file are kept as they are and come first; a new row is appended unless it is an exact
duplicate or a near duplicate (character-bigram Jaccard >= 0.8, which suits text without spaces) of a row
already there. Running it again adds nothing. A few short attack and benign items are also put inside an
ordinary-looking task (WRAP) so that the wrapper words alone do not decide the label.

Each part module has ATT (attack type -> block of lines) and BEN (list of (benign type, block)), and
optionally ATT_MORE and BEN_MORE in the same shapes (a later pass). One item per
line; \\n in a line becomes a newline, \\\\n stays a literal backslash-n. Run: python3 gen_zhja.py
"""
import importlib.util, json, os, random, sys
from collections import Counter

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
ATTACK_TYPES = ["instruction-override", "persona", "fiction", "fake-marker", "prompt-leak", "indirect"]

WRAP = {
    "zh": [
        "请把下面这段话翻译成英文：\n{}",
        "帮我看看这句话有没有语病：“{}”",
        "我朋友发给我这段话，什么意思？\n{}",
        "把这句话改成更礼貌的说法：{}",
        "總結一下這段訊息：\n{}",
    ],
    "ja": [
        "次の文を英語に訳してください：\n{}",
        "この文、日本語としておかしくないかチェックして：「{}」",
        "友達からこんなメッセージが来たんだけど、どういう意味？\n{}",
        "もう少し丁寧な言い方に直して：{}",
        "このメッセージを一行で要約して：\n{}",
    ],
}
WRAP_N = 10  # wrapped items per label and language


def lines(block):
    out = []
    for l in block.strip().splitlines():
        l = l.strip()
        if l:
            out.append(l.replace("\\\\n", "\0").replace("\\n", "\n").replace("\0", "\\n"))
    return out


def bigrams(text):
    t = "".join(text.lower().split())
    return frozenset(t[i : i + 2] for i in range(len(t) - 1))


def near(a, b):
    if not a or not b:
        return False
    return len(a & b) / len(a | b) >= 0.8


def load(path):
    spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def build(lang):
    m = load(os.path.join(HERE, "zhja_parts", f"{lang}.py"))
    rows = []
    for att in (m.ATT, getattr(m, "ATT_MORE", {})):
        for t, block in att.items():
            assert t in ATTACK_TYPES, t
            rows += [{"text": x, "label": "attack", "type": t} for x in lines(block)]
    for t, block in m.BEN + getattr(m, "BEN_MORE", []):
        rows += [{"text": x, "label": "benign", "type": t} for x in lines(block)]
    rng = random.Random(f"zhja-{lang}")
    for label in ("attack", "benign"):
        short = [r for r in rows if r["label"] == label and "\n" not in r["text"] and len(r["text"]) <= 60]
        for r in rng.sample(short, WRAP_N):
            rows.append({"text": rng.choice(WRAP[lang]).format(r["text"]), "label": label, "type": r["type"]})
    return rows


def main():
    for lang in ("zh", "ja"):
        path = os.path.join(HERE, f"{lang}.jsonl")
        with open(path, encoding="utf-8") as f:
            have = [json.loads(l) for l in f if l.strip()]
        seen = {r["text"] for r in have}
        grams = [bigrams(r["text"]) for r in have]
        added, dropped = [], []
        for r in build(lang):
            g = bigrams(r["text"])
            if r["text"] in seen:
                continue
            if any(near(g, h) for h in grams):
                dropped.append(r["text"])
                continue
            seen.add(r["text"])
            grams.append(g)
            added.append(r)
        with open(path, "w", encoding="utf-8") as f:
            for r in have + added:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        c = Counter(r["label"] for r in have + added)
        print(f"{lang}: +{len(added)} rows, {len(dropped)} near duplicates dropped, totals {dict(c)}")
        for t in dropped:
            print("  dropped:", t[:70].replace("\n", " "))


if __name__ == "__main__":
    main()
