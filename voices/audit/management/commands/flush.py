"""`flush`, able to empty the append-only tables: Django's command, with the voices.audit triggers dropped and
created again around it in one transaction (other connections never see the tables unguarded; a failed flush rolls
the drop back). pytest-django's flush between transactional tests goes through here too."""

from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections

from voices.audit import triggers


class Command(flush.Command):
    help = flush.Command.help + " The audit log's and consent records' append-only triggers are lifted for it."

    def handle(self, **options):
        connection = connections[options.get("database", DEFAULT_DB_ALIAS)]
        with triggers.suspended(connection):
            super().handle(**options)
