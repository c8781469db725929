"""`python3 -m pos` from the folder that holds the package: the same as `python3 pos.py`."""

import sys

from .main import main

sys.exit(main())
