"""The voices audit log: an append-only, hash-chained record of every voice event (docs/audit.md).

Write with `voices.audit.log.audit_record(...)`, check with `voices.audit.log.verify_chain()` or
`python manage.py verify_audit_log`.
"""
