"""Delete the audio of raw recordings kept past the retention period (voices.audit.retention); audited."""

from django.core.management.base import BaseCommand

from voices.audit.retention import purge_recordings, retention_days


class Command(BaseCommand):
    help = ('Delete recording files older than VOICES["RECORDING_RETENTION_DAYS"] days after their enrollment '
            "reached a final state (verified, ready, applied, revoked, failed); hashes, transcripts and scores stay.")

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="override the retention period (days)")
        parser.add_argument("--dry-run", action="store_true", help="list what would be deleted, delete nothing")

    def handle(self, *args, days=None, dry_run=False, **options):
        days = retention_days() if days is None else days
        result = purge_recordings(days=days, dry_run=dry_run)
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(f"{verb} {result.recordings} recording file(s) ({result.bytes} bytes) of "
                          f"{result.enrollments} enrollment(s); retention {days} days")
