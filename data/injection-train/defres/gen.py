"""Writes ../de.jsonl, ../fr.jsonl, ../es.jsonl from the hand-written lists in this folder.

Usage: python3 gen.py [lang ...]
"""

import importlib
import sys

from common import emit

langs = sys.argv[1:] or ["de", "fr", "es"]
for lang in langs:
    a = importlib.import_module(f"{lang}_attacks")
    b = importlib.import_module(f"{lang}_benign")
    emit(lang, a.ATTACKS, b.BENIGN)
