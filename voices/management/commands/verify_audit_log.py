"""Prove the audit log's hash chain intact, or name the first broken entry (exit status 1)."""

from django.core.management.base import BaseCommand, CommandError

from voices.audit.log import verify_chain


class Command(BaseCommand):
    help = "Check the hash chain of the voices audit log: every entry's hash and its link to the entry before."

    def handle(self, *args, **options):
        report = verify_chain()
        if not report.ok:
            raise CommandError(f"audit log BROKEN at entry seq={report.first_broken_seq}: {report.reason} "
                               f"({report.entries} entries before it are intact)", returncode=1)
        self.stdout.write(f"audit log intact: {report.entries} entries")
        self.stdout.write(f"head hash: {report.head_hash}")
