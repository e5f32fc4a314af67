import sys

from esm_runner.cli import main

sys.exit(main())
