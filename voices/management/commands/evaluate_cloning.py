"""Leave-one-out evaluation of cloning on a manifest of real recordings (see voices/evaluation/runner.py).

    python manage.py evaluate_cloning --manifest ../shared/eval/dev/manifest.csv --budget-seconds 180 --json
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

SHORT = {"resemblyzer": "res", "whisper-spk": "wsp", "campplus": "cam"}


def _table(report) -> list[str]:
    names = report["embeddings"]
    head = " | ".join(f"{SHORT.get(n, n)} clone/ceil/floor/unseen text" for n in names)
    lines = [f"{'speaker':24s} lang  {head}  err clone/src  f0 st  first/clone s"]
    for r in report["speakers"]:
        s = r["similarity"]
        cells = " | ".join(f"{s['clone'][n]:+.2f}/{s['ceiling'][n]:+.2f}/{s['floor'][n]:+.2f}/"
                           f"{s['clone_unseen_text'][n]:+.2f}".rjust(len(SHORT.get(n, n)) + 29) for n in names)
        err = f"{r['asr']['clone']['error_rate']:.2f}/{r['asr']['source']['error_rate']:.2f}"
        seconds = f"{r['seconds']['first_voice']:.0f}/{r['seconds']['clone']:.0f}"
        lines.append(f"{r['speaker'][:24]:24s} {r['language']:4s}  {cells}  {err:>13s}  "
                     f"{r['f0']['f0_mean_semitones']:+5.1f}  {seconds}")
    for language, a in report["averages"].items():
        lines.append(f"average {language}: clone/ceiling (mean of ratios) {a['clone_over_ceiling']} (held-out text), "
                     f"{a['clone_unseen_text_over_ceiling']} (unseen text); ratio of means "
                     f"{a['ratio_of_means']}; error rate {a['error_rate']}; seconds {a['seconds']}")
        if a.get("above_strangers"):
            lines.append(f"  {language}: strangers (different speakers, real clips) {a['strangers']}; clone between "
                         f"strangers (0) and ceiling (1), unseen text {a['above_strangers']['clone_unseen_text']}")
    return lines


class Command(BaseCommand):
    help = "Clone each speaker of a manifest from all clips but one; compare the clone with the held-out clip."

    def add_arguments(self, parser):
        parser.add_argument("--manifest", required=True, help="manifest.csv (file, speaker_id, language, transcript)")
        parser.add_argument("--speakers", nargs="*", default=None, help="only these speaker ids")
        parser.add_argument("--budget-seconds", type=float, default=None, help="cloning budget per speaker")
        parser.add_argument("--floor-voices", nargs="*", default=None,
                            help="stock voices for the floor (default: every stock voice of the language)")
        parser.add_argument("--no-verify", action="store_true", help="skip the enrollment verifier on the clone")
        parser.add_argument("--json", action="store_true", dest="as_json", help="print the full report as JSON")
        parser.add_argument("--out", help="also write the JSON report to this file")

    def handle(self, *args, manifest, speakers, budget_seconds, floor_voices, no_verify, as_json, out, **options):
        import torch

        from voices.evaluation.runner import Evaluator, read_manifest

        torch.set_num_threads(2)
        try:
            rows = read_manifest(manifest)
        except (OSError, KeyError) as exc:
            raise CommandError(f"Cannot read {manifest}: {exc}") from exc
        log = (lambda message: sys.stderr.write(message + "\n")) if options["verbosity"] >= 1 else None
        evaluator = Evaluator(rows, budget_s=budget_seconds, log=log, verify=not no_verify, floor_voices=floor_voices)
        if not evaluator.speakers(speakers):
            raise CommandError("No speaker with at least two clips (among those asked for)")

        def save(report):
            if out:
                with open(out, "w", encoding="utf-8") as file:
                    file.write(json.dumps(report, ensure_ascii=False, indent=2, default=float))

        report = evaluator.run(speakers, on_result=save)
        save(report)
        text = json.dumps(report, ensure_ascii=False, indent=2, default=float)
        self.stdout.write(text if as_json else "\n".join(_table(report)))
