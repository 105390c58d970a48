"""Where the site keeps its files."""

import os
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = Path(os.environ.get("READALOUD_VAR_DIR", REPO_DIR / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)  # SQLite creates its file but not its folder
