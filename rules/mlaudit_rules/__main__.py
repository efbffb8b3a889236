"""`python -m mlaudit_rules` prints the generated rule index (`_index.py`)."""

import sys

from mlaudit_rules import index_source, load_all

sys.stdout.write(index_source(load_all()))
