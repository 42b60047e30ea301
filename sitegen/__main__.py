"""`python -m sitegen` is the same program as the `sitegen` console script."""
import sys

from .cli import main

sys.exit(main())
