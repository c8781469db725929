#!/usr/bin/env python3
"""payterm reference integration: a point of sale that follows every conformance rule.

`python3 pos.py [--mistake NAME | --cheat NAME]` runs the package `pos/` beside this file
(Python 3.11, standard library only; its `__init__` maps its modules). See README.md beside
this file for how each rule is followed.
"""

import os
import sys

# Nothing compiled is left beside the sources: the package is compiled at every start, as this
# one file was before it became a package.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

from pos.main import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
