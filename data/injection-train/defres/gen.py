"""The lists in this folder (<lang>_attacks.py with ATTACKS, <lang>_benign.py with BENIGN) are merged
with defres_parts/<lang>.py by ../gen_defres.py, which writes ../de.jsonl, ../fr.jsonl, ../es.jsonl.
This wrapper only runs that generator, so there is one writer for those files.

Usage: python3 gen.py [lang ...]
"""

import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.exit(subprocess.call([sys.executable, os.path.join(here, "..", "gen_defres.py"), *sys.argv[1:]]))
