"""An author's full voice record: consent records, enrollments, challenges, recordings (metadata), every attempt with
all its scores and reasons, voices (when the app has them), and the audit entries about them."""

import csv
import io
import json

from django.apps import apps
from django.contrib.auth import get_user_model
from django.forms.models import model_to_dict
from django.utils import timezone

from ..models import Challenge, ChallengeSentence, ConsentRecord, Enrollment, ReadingAttempt, Recording
from . import canonical
from .log import audit_record
from .models import AuditEntry

SECTIONS = ("consent_records", "enrollments", "challenges", "recordings", "attempts", "voices", "audit_entries")
FORMATS = {"json": "application/json; charset=utf-8", "csv": "text/csv; charset=utf-8"}


def _rows(queryset, exclude=()) -> list[dict]:
    rows = []
    for obj in queryset:
        row = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.name not in exclude}
        if "file" in row or "artifact" in row:
            for name in ("file", "artifact"):
                if name in row:
                    row[name] = getattr(obj, name).name or ""
        rows.append(canonical.normalize(row))
    return rows


def author_record(user_id: int) -> dict:
    user = get_user_model().objects.filter(pk=user_id).first()
    record = {
        "format": "readaloud.author_record/1",
        "exported_at": timezone.now().isoformat(),
        "user": canonical.normalize(model_to_dict(user, fields=["id", "username", "email", "first_name", "last_name",
                                                                "date_joined"]))
        if user else {"id": user_id, "deleted": True},
        "consent_records": _rows(ConsentRecord.objects.filter(user_id=user_id).order_by("accepted_at")),
        "enrollments": _rows(Enrollment.objects.filter(user_id=user_id).order_by("created_at")),
        "challenges": [{**c, "sentences": _rows(ChallengeSentence.objects.filter(challenge_id=c["id"]))}
                       for c in _rows(Challenge.objects.filter(user_id=user_id).order_by("created_at"))],
        # fingerprints and speaker embeddings are binary biometric templates: present as sizes, not contents
        "recordings": [{**r, "fingerprint_bytes": len(bytes(o.fingerprint)),
                        "speaker_embedding_bytes": len(bytes(o.speaker_embedding))}
                       for r, o in _with_objects(Recording.objects.filter(user_id=user_id).order_by("created_at"),
                                                 exclude=("fingerprint", "speaker_embedding"))],
        "attempts": _rows(ReadingAttempt.objects.filter(user_id=user_id).order_by("received_at")),
        "voices": [],
        "audit_entries": _rows(AuditEntry.objects.filter(subject_user_id=user_id).order_by("seq"), exclude=("id",)),
    }
    try:
        voice_model = apps.get_model("voices", "Voice")
    except LookupError:
        voice_model = None
    if voice_model is not None:
        record["voices"] = _rows(voice_model.objects.filter(user_id=user_id).order_by("created_at"))
    return record


def _with_objects(queryset, exclude=()):
    objects = list(queryset)
    return zip(_rows(objects, exclude=exclude), objects, strict=True)


def to_json(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True)


def to_csv(record: dict) -> str:
    """One CSV file in sections: a line `# <section>`, a header line, the rows, a blank line. Nested values (scores,
    reasons, audit data, sentences) are canonical JSON in their cell."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["# author_record", record["format"], "exported_at", record["exported_at"]])
    writer.writerow(["# user"])
    writer.writerow(list(record["user"]))
    writer.writerow([_cell(v) for v in record["user"].values()])
    writer.writerow([])
    for section in SECTIONS:
        rows = record[section]
        writer.writerow([f"# {section}", f"{len(rows)} rows"])
        columns = list(dict.fromkeys(key for row in rows for key in row))
        if columns:
            writer.writerow(columns)
            for row in rows:
                writer.writerow([_cell(row.get(c)) for c in columns])
        writer.writerow([])
    return out.getvalue()


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return canonical.dumps(value)
    return value


def exported_models() -> list:
    models = [ConsentRecord, Enrollment, Challenge, ChallengeSentence, Recording, ReadingAttempt, AuditEntry]
    try:
        models.append(apps.get_model("voices", "Voice"))
    except LookupError:
        pass
    return models


def export_permissions() -> list[str]:
    """The view permission of every model the record shows: who may export must be allowed to see all of it."""
    return [f"{m._meta.app_label}.view_{m._meta.model_name}" for m in exported_models()]


def author_record_export(user_id: int, *, fmt: str, actor=None, request=None, via: str, to_file: bool = False) -> str:
    """The author's record as JSON or CSV text; the export itself is audited (`record_exported`: who, whose, how)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    record = author_record(user_id)
    text = to_json(record) if fmt == "json" else to_csv(record)
    audit_record("record_exported", subject_user_id=user_id, actor=actor, request=request, data={
        "format": fmt, "via": via, "to_file": to_file,
        "counts": {k: len(v) for k, v in record.items() if isinstance(v, list)}})
    return text
