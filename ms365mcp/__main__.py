"""``python -m ms365mcp``."""

import sys

from ms365mcp.cli import main

sys.exit(main())
