"""`python -m engine ...`: the command-line front end (see engine.cli)."""
import sys

from engine.cli.main import main

sys.exit(main())
