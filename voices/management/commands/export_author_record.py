"""Export an author's full voice record (consent, enrollments, attempts with all scores, audit entries) as JSON/CSV."""

import sys

from django.core.management.base import BaseCommand

from voices.audit.export import author_record_export


class Command(BaseCommand):
    help = "Export everything the voices app holds about one author, with the audit entries about them."

    def add_arguments(self, parser):
        parser.add_argument("user_id", type=int)
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")

    def handle(self, *args, user_id, format, output=None, **options):
        # The same audited service as the admin's export buttons: reading personal data is itself an event to keep.
        text = author_record_export(user_id, fmt=format, via="command", to_file=bool(output))
        if output:
            with open(output, "w", encoding="utf-8", newline="") as f:
                f.write(text)
            self.stderr.write(f"exported the record of user {user_id} to {output}")
        else:
            sys.stdout.write(text)
