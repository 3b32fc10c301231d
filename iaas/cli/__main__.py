"""``python -m iaas.cli``: the ``iaas`` command."""

import sys

from iaas.cli import main

sys.exit(main())
