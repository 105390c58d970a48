"""Consent records are append-only too, enforced here without touching voices.models.

- pre_save: a new ConsentRecord may be inserted; an existing one may change in exactly one way, once: its
  `withdrawn_at` going from empty to a time, with no other field changed (that is how
  voices.services.enrollment.enrollment_revoke withdraws consent; the service writes a `consent_withdrawn` audit
  entry in the same transaction). Anything else raises AppendOnlyError.
- pre_delete: deleting a consent record is refused (also when it would cascade from deleting its user).
- QuerySet.update()/delete() on ConsentRecord.objects (and on user.voice_consents) are refused: the default
  manager's class is swapped for one whose QuerySet refuses them (signals do not see QuerySet.update()).
"""

from django.db import models
from django.db.models.signals import pre_delete, pre_save

from .models import AppendOnlyError

WITHDRAWAL_FIELD = "withdrawn_at"


class ConsentQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Consent records are append-only: QuerySet.update() is refused "
                              "(withdraw consent through voices.services.enrollment.enrollment_revoke).")

    def delete(self):
        raise AppendOnlyError("Consent records are append-only: they cannot be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("Consent records are append-only: bulk_update() is refused.")

    def update_or_create(self, *args, **kwargs):
        raise AppendOnlyError("Consent records are append-only: update_or_create() is refused.")


def _refuse_change(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or instance._state.adding or instance.pk is None:
        return  # an insert (or loading a fixture)
    stored = sender._base_manager.using(kwargs.get("using")).filter(pk=instance.pk).first()
    if stored is None:
        return  # saving an object whose row is gone: an insert
    changed = {f.attname for f in sender._meta.concrete_fields
               if getattr(stored, f.attname) != getattr(instance, f.attname)}
    if update_fields is not None:
        changed &= set(update_fields)
    if not changed:
        return
    if changed == {WITHDRAWAL_FIELD} and stored.withdrawn_at is None and instance.withdrawn_at is not None:
        return
    raise AppendOnlyError(
        f"Consent record #{instance.pk} is append-only: {', '.join(sorted(changed))} cannot change "
        "(the only change allowed is setting withdrawn_at once, by withdrawing consent).")


def _refuse_delete(sender, instance, **kwargs):
    raise AppendOnlyError(f"Consent record #{instance.pk} is append-only: it cannot be deleted.")


def protect_consent_records():
    from voices.models import ConsentRecord

    pre_save.connect(_refuse_change, sender=ConsentRecord, dispatch_uid="voices_audit.consent_append_only")
    pre_delete.connect(_refuse_delete, sender=ConsentRecord, dispatch_uid="voices_audit.consent_no_delete")
    manager = ConsentRecord._default_manager
    if not isinstance(manager.get_queryset(), ConsentQuerySet):
        manager.__class__ = type("AppendOnlyConsentManager", (manager.__class__.from_queryset(ConsentQuerySet),), {})
