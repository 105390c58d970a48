"""Export an author's full voice record (consent, enrollments, attempts with all scores, audit entries) as JSON/CSV."""

import sys

from django.core.management.base import BaseCommand

from voices.audit.export import author_record, to_csv, to_json
from voices.audit.log import audit_record


class Command(BaseCommand):
    help = "Export everything the voices app holds about one author, with the audit entries about them."

    def add_arguments(self, parser):
        parser.add_argument("user_id", type=int)
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")

    def handle(self, *args, user_id, format, output=None, **options):
        record = author_record(user_id)
        text = to_json(record) if format == "json" else to_csv(record)
        if output:
            with open(output, "w", encoding="utf-8", newline="") as f:
                f.write(text)
        else:
            sys.stdout.write(text)
        # Reading personal data is itself an event worth keeping.
        audit_record("record_exported", subject_user_id=user_id, data={
            "format": format, "to_file": bool(output), "counts": {k: len(v) for k, v in record.items()
                                                                  if isinstance(v, list)}})
        if output:
            self.stderr.write(f"exported the record of user {user_id} to {output}")
