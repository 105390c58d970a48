import json

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from readaloud.services.planning import ArticleNotFound, rendition_plan
from readaloud.services.rendering import rendition_build


class Command(BaseCommand):
    help = "Render one article now, with the same service the background task uses, and print the result."

    def add_arguments(self, parser):
        parser.add_argument("article_id")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, article_id, **options):
        try:
            rendition = rendition_plan(article_id)
        except ArticleNotFound as exc:
            raise CommandError(f"No article with id {article_id!r}.") from exc
        with tqdm(total=len(rendition.sentences), unit="sentence", disable=options["json"]) as bar:
            def progress(done, total):
                bar.n = done
                bar.refresh()

            rendition = rendition_build(rendition.pk, progress=progress)
        result = {
            "article_id": rendition.article_id,
            "rendition": str(rendition.uid),
            "status": rendition.status,
            "duration_seconds": rendition.duration_seconds,
            "sentences": len(rendition.sentences),
            "file": rendition.audio_name,
            "bytes": rendition.audio_bytes,
            "voice": rendition.voice_label,
        }
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        else:
            for key, value in result.items():
                self.stdout.write(f"{key:>16}: {value}")
        if rendition.status != "ready":
            raise CommandError(f"Rendition ended as {rendition.status}: {rendition.error}")
