"""core.api.DictSchema validates a dict as ninja's Schema does, without the per-attribute getter."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from uuid import uuid4

import pytest
from ninja import Schema
from pydantic import ValidationError

from safepassage.core.api import DictSchema


class Plain(Schema):
    id: int
    at: datetime
    tags: list[str] = []
    note: str | None = None


class Fast(DictSchema):
    id: int
    at: datetime
    tags: list[str] = []
    note: str | None = None


class Resolved(DictSchema):
    id: int
    label: str

    @staticmethod
    def resolve_label(obj) -> str:
        return f"#{obj['id'] if isinstance(obj, dict) else obj.id}"


def _without_input(error: ValidationError) -> list[dict]:
    # ninja drops the input from the errors it reports (where its getter would show instead of the dict)
    return [{k: v for k, v in e.items() if k != "input"} for e in error.errors()]


def test_a_dict_gives_what_ninja_gives():
    data = {"id": "7", "at": "2016-10-18T09:00:00+00:00", "tags": ["a"], "ignored": uuid4()}
    assert Fast.model_validate(data).model_dump() == Plain.model_validate(data).model_dump()
    assert Fast.model_validate(data).at == datetime(2016, 10, 18, 9, tzinfo=UTC)
    for bad in ({"id": "x", "at": "2016-10-18T09:00:00Z"}, {"at": "2016-10-18T09:00:00Z"}):
        with pytest.raises(ValidationError) as fast_error:
            Fast.model_validate(bad)
        with pytest.raises(ValidationError) as ninja_error:
            Plain.model_validate(bad)
        assert _without_input(fast_error.value) == _without_input(ninja_error.value)


def test_objects_and_resolvers_still_go_through_ninja():
    obj = SimpleNamespace(id=3, at=datetime(2016, 10, 18, tzinfo=UTC), tags=lambda: ["called"], note=None)
    assert Fast.model_validate(obj).tags == ["called"]  # callables are called, as ninja's getter does
    assert Resolved.model_validate({"id": 4, "label": "ignored"}).label == "#4"
    assert Resolved.model_validate(SimpleNamespace(id=5)).label == "#5"
