from django.core.management.base import BaseCommand

from readaloud.services.recovery import renditions_recover


class Command(BaseCommand):
    help = "Queue again the renditions whose worker died (run at start-up; safe to run any time)."

    def handle(self, *args, **options):
        recovered = renditions_recover()
        self.stdout.write(f"re-queued {len(recovered)} rendition(s): {recovered}")
