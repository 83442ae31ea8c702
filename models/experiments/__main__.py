"""``python -m models.experiments ID|all [--quick] [--json] [--out DIR]``."""

import sys

from models.experiments import main

sys.exit(main())
