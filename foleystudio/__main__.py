import sys

from foleystudio.cli import main

sys.exit(main())
