"""``python -m imagehear.cli``: the same as the ``image-hear`` command."""
import sys

from imagehear.cli import main

sys.exit(main())
