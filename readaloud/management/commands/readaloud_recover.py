from django.core.management.base import BaseCommand

from readaloud.services.recovery import renditions_recover
from voices.audit.retention import purge_schedule


class Command(BaseCommand):
    help = ("Queue again the renditions whose worker died, and make sure the daily recording purge is scheduled "
            "(run at start-up; safe to run any time).")

    def handle(self, *args, **options):
        recovered = renditions_recover()
        self.stdout.write(f"re-queued {len(recovered)} rendition(s): {recovered}")
        scheduled = purge_schedule()
        self.stdout.write(f"recording purge: scheduled run {scheduled}" if scheduled
                          else "recording purge: a run is already waiting")
