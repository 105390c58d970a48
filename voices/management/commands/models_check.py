"""Print the size and SHA-256 of every speech-model file against the manifest in voices.assets; exit 1 if any is off."""

import json

from django.core.management.base import BaseCommand, CommandError

from voices import assets
from voices.assets import check_assets


def status_text(check) -> str:
    if check.status == "ok":
        return "ok"
    label = "MISSING" if check.status == "missing" else "BAD HASH"
    return f"{label} ({check.hint})" if check.hint else label


def print_table(out, checks) -> None:
    rows = [("asset", "file", "size", "sha256", "status")]
    for check in checks:
        size = "-" if check.size is None else f"{check.size:,}"
        sha = (check.sha256 or "-")[:16]
        rows.append((check.asset, check.file, size, sha, status_text(check)))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        out.write("  ".join([*(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)), row[4]]))


def _known(names) -> None:
    unknown = [name for name in names if name not in assets.ASSETS]
    if unknown:
        raise CommandError(f"Unknown asset(s) {', '.join(unknown)}; known: {', '.join(assets.ASSETS)}")


class Command(BaseCommand):
    help = "Check the offline speech-model files (size and SHA-256). Exits 1 when any is missing or corrupt."

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", metavar="ASSET",
                            help=f"only these assets ({', '.join(assets.ASSETS)}); all by default")
        parser.add_argument("--models-dir", help="check this directory instead of VOICES['MODELS_DIR']")
        parser.add_argument("--json", action="store_true", dest="as_json", help="print JSON instead of a table")

    def handle(self, *args, names=(), models_dir=None, as_json=False, **options):
        _known(names)
        checks = check_assets(names or None, root=models_dir)
        bad = [check for check in checks if not check.ok]
        if as_json:
            self.stdout.write(json.dumps({"ok": not bad, "files": [check.as_dict() for check in checks]}, indent=2))
        else:
            print_table(self.stdout, checks)
        if bad:
            raise CommandError(f"{len(bad)} of {len(checks)} model files are not ok; see above.", returncode=1)
        if not as_json:
            self.stdout.write(self.style.SUCCESS(f"All {len(checks)} model files ok."))

