"""Field form submissions (ODK Collect / OpenRosa XML, KoboToolbox REST-service JSON) to crossing counts.

Pure parsing: each function returns the keyword arguments of `services.submit_crossing_count`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from pydantic import ValidationError

from safepassage.core.errors import FieldError, InvalidInput
from safepassage.crossings.models import COUNT_FIELDS
from safepassage.crossings.schemas import CrossingCountCreate
from safepassage.crossings.xlsform import FORM_ID

MAX_SUBMISSION_BYTES = 1_000_000
OPENROSA_NS = "http://openrosa.org/http/response"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _datetime(value: str, field: str) -> datetime:
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except (AttributeError, ValueError) as exc:
        raise InvalidInput("must be a date and time with a timezone, e.g. 2016-10-20T08:00:00+03:00",
                           field=field) from exc


def _int(value: Any, field: str) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    try:
        return int(str(value).strip())
    except ValueError as exc:
        raise InvalidInput("must be a whole number of 0 or more", field=field) from exc


def _to_kwargs(values: dict[str, str], *, instance_id: str | None, deprecated_id: str | None) -> dict:
    if not instance_id:
        raise InvalidInput("the submission has no meta/instanceID; it is the key that stores it exactly once",
                           field="meta/instanceID")
    for required in ("checkpoint_id", "direction", "bucket_start"):
        if not str(values.get(required) or "").strip():
            raise InvalidInput(f"{required} is required", field=required)
    checkpoint_id = _int(values["checkpoint_id"], "checkpoint_id")
    if checkpoint_id < 1:
        raise InvalidInput("unknown checkpoint", field="checkpoint_id")
    return checked({
        "client_uuid": instance_id,
        "supersedes_uuid": deprecated_id or None,
        "checkpoint_id": checkpoint_id,
        "direction": str(values["direction"]).strip(),
        "bucket_start": _datetime(str(values["bucket_start"]), "bucket_start"),
        "bucket_minutes": _int(values.get("bucket_minutes") or 60, "bucket_minutes"),
        "counts": {f: _int(values.get(f), f) for f in COUNT_FIELDS},
        "note": str(values.get("note") or ""),
    })


def _bare_uuid(value: Any) -> Any:
    text = str(value or "").strip()
    return text[5:] if text.lower().startswith("uuid:") else value


def checked(kwargs: dict) -> dict:
    """The submission arguments, once they pass the JSON API's own schema (`CrossingCountCreate`).

    Every intake path (JSON, batch, OpenRosa, Kobo) then refuses what the JSON API refuses: a note over
    2,000 characters, control characters, a count that is not a whole number, an unknown direction.
    """
    data = {**kwargs["counts"], **{k: v for k, v in kwargs.items() if k != "counts"}}
    data["client_uuid"], data["supersedes_uuid"] = _bare_uuid(data["client_uuid"]), \
        _bare_uuid(data.get("supersedes_uuid")) or None
    try:
        CrossingCountCreate.model_validate(data)
    except ValidationError as exc:
        errors = [FieldError(".".join(str(x) for x in e["loc"]) or "body", e["msg"]) for e in exc.errors()]
        raise InvalidInput("invalid submission — " + "; ".join(f"{e.field}: {e.reason}" for e in errors[:3]),
                           errors=errors) from exc
    return kwargs


def from_openrosa(xml: bytes) -> dict:
    """An OpenRosa instance document (the `xml_submission_file` part) to submission arguments."""
    if len(xml) > MAX_SUBMISSION_BYTES:
        raise InvalidInput("the submission is too large", field="xml_submission_file")
    try:
        root = fromstring(xml, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise InvalidInput(f"not a well-formed XML instance ({exc})", field="xml_submission_file") from exc
    form_id = root.get("id")
    if form_id != FORM_ID:
        raise InvalidInput(f"unknown form id {form_id!r}; this endpoint takes {FORM_ID!r}", field="id")
    values: dict[str, str] = {}
    instance_id = deprecated_id = None
    for el in root.iter():
        if len(el):
            continue  # a group; its leaves carry the values
        name = _local(el.tag)
        text = (el.text or "").strip()
        if name == "instanceID":
            instance_id = text
        elif name == "deprecatedID":
            deprecated_id = text
        else:
            values[name] = text
    return _to_kwargs(values, instance_id=instance_id, deprecated_id=deprecated_id)


def from_kobo(payload: dict[str, Any]) -> dict:
    """A KoboToolbox REST-service JSON record (keys are group paths, e.g. `counts/women`)."""
    if not isinstance(payload, dict):
        raise InvalidInput("expected a JSON object", field="body")
    form_id = payload.get("_xform_id_string")
    if form_id is not None and form_id != FORM_ID:
        raise InvalidInput(f"unknown form id {form_id!r}; this endpoint takes {FORM_ID!r}",
                           field="_xform_id_string")
    values: dict[str, Any] = {}
    for key, value in payload.items():
        if not key.startswith("_"):
            values[key.rsplit("/", 1)[-1]] = value
    instance_id = values.pop("instanceID", None) or payload.get("_uuid")
    deprecated_id = values.pop("deprecatedID", None)
    return _to_kwargs(values, instance_id=instance_id, deprecated_id=deprecated_id)


def openrosa_response(message: str, *, ok: bool = True) -> str:
    from xml.sax.saxutils import escape

    nature = "submit_success" if ok else "submit_error"
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<OpenRosaResponse xmlns="{OPENROSA_NS}">'
            f'<message nature="{nature}">{escape(message)}</message></OpenRosaResponse>')
