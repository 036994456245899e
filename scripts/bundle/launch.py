"""The bundle's program: the same entry point as the installed ``softmax-lab`` script."""
import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
