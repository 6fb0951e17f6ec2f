"""``python -m gymbridge_server`` is ``gymbridge-server``."""
import sys

from gymbridge_server.cli import main

sys.exit(main())
