"""``python -m wordspace`` runs the command line."""

import sys

from wordspace.cli import main

sys.exit(main())
