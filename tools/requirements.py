"""Print the pinned requirements of pyproject.toml (runtime, plus the extras named on the command line).

`make` installs from this list rather than installing the project itself: the apps run from the checkout.
`--no-deps` prints the packages that must be installed without their declared dependencies.
"""

import sys
import tomllib
from pathlib import Path

pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
args = sys.argv[1:]
if args == ["--no-deps"]:
    print("\n".join(pyproject["tool"]["readaloud"]["no-deps"]))
else:
    requirements = list(pyproject["project"]["dependencies"])
    for extra in args:
        requirements += pyproject["project"]["optional-dependencies"][extra]
    print("\n".join(requirements))
