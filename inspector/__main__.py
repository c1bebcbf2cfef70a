"""``python -m inspector``: the same as the ``plugins-inspector`` command."""

import sys

from inspector.cli import main

sys.exit(main())
