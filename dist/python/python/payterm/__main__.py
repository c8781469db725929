"""`python -m payterm ARGS`: runs the installed payterm binary with ARGS."""

import subprocess
import sys

from . import binary

sys.exit(subprocess.call([binary(), *sys.argv[1:]]))
