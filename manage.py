#!/usr/bin/env python
"""Django's command-line utility for the readaloud demo site."""

import os
import sys
from pathlib import Path

# The host platform lives in platform/, a plain folder (not a package) so that it never
# shadows the standard-library module `platform`. Its packages are importable from here.
sys.path.insert(0, str(Path(__file__).resolve().parent / "platform"))


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostsite.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
