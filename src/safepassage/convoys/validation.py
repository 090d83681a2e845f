"""Whole-list validation of manifests, vehicles and uploaded manifest files: every error at once, by field."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from safepassage.convoys.models import Category, Unit
from safepassage.core.errors import FieldError, InvalidInput
from safepassage.core.numbers import NumberFormat, parse_number

MAX_LINES = 500
MAX_QUANTITY = Decimal("1000000000000")
COLUMNS = ("item", "category", "quantity", "unit", "weight_kg")


def item_key(item: str) -> str:
    return re.sub(r"\s+", " ", item).strip().casefold()


def parse_decimal(value: Any, *, allow_zero: bool,
                  number_format: NumberFormat = NumberFormat.DOT) -> tuple[Decimal | None, str | None]:
    """(value, None) or (None, reason): refuses non-numbers, negatives, too many decimals, absurd sizes.

    Numbers (JSON numbers, spreadsheet cells) are taken as they are; text is read in the declared
    format, so "1,500" is never silently turned into 1.5.
    """
    if isinstance(value, bool) or value is None:
        return None, "a number is required"
    if isinstance(value, float | int | Decimal):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return None, "a finite number is required"
    elif isinstance(value, str):
        try:
            number = parse_number(value[:60], number_format)
        except ValueError as exc:
            return None, str(exc)
    else:
        return None, "a number is required"
    if not number.is_finite():
        return None, "a finite number is required"
    if number < 0:
        return None, "must not be negative"
    if number == 0 and not allow_zero:
        return None, "must be greater than zero"
    if number >= MAX_QUANTITY:
        return None, "is implausibly large"
    if number != number.quantize(Decimal("0.001")):
        return None, "at most 3 decimal places"
    return number.quantize(Decimal("0.001")), None


def _text(value: Any, *, limit: int = 200) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > limit or "\x00" in value:
        return None
    return value


def clean_manifest(lines: list[dict], *, prefix: str = "manifest", start: int = 0,
                   number_format: NumberFormat = NumberFormat.DOT) -> list[dict]:
    """Validate every line; raise one InvalidInput listing each bad field (`manifest.2.quantity`)."""
    errors: list[FieldError] = []
    if len(lines) > MAX_LINES:
        raise InvalidInput(f"at most {MAX_LINES} manifest lines", field=prefix)
    out: list[dict] = []
    seen: dict[tuple[str, str, str], int] = {}
    for i, raw in enumerate(lines):
        where = f"{prefix}.{i + start}"
        if not isinstance(raw, dict):
            errors.append(FieldError(where, "each line is an object with item, category, quantity, unit, weight_kg"))
            continue
        item = _text(raw.get("item"))
        if item is None:
            errors.append(FieldError(f"{where}.item", "name the item (1 to 200 characters)"))
        category = raw.get("category")
        category = category.strip().lower() if isinstance(category, str) else category
        if category not in Category.values:
            errors.append(FieldError(f"{where}.category",
                                     f"unknown category {str(category)[:40]!r}; one of {', '.join(Category.values)}"))
        quantity, why = parse_decimal(raw.get("quantity"), allow_zero=False, number_format=number_format)
        if why:
            errors.append(FieldError(f"{where}.quantity", f"quantity {why}"))
        unit = raw.get("unit")
        unit = unit.strip().lower() if isinstance(unit, str) else unit
        if unit not in Unit.values:
            errors.append(FieldError(f"{where}.unit", f"unknown unit {str(unit)[:40]!r}; one of {', '.join(Unit.values)}"))
        weight, why = parse_decimal(raw.get("weight_kg"), allow_zero=True, number_format=number_format)
        if why:
            errors.append(FieldError(f"{where}.weight_kg", f"weight {why}"))
        if item is not None and category in Category.values and unit in Unit.values:
            key = (item_key(item), category, unit)
            if key in seen:
                errors.append(FieldError(f"{where}.item", f"duplicate of line {seen[key] + start}: same item, "
                                                          "category and unit; merge the quantities"))
            else:
                seen[key] = i
        out.append({"item": item, "item_key": item_key(item or ""), "category": category, "quantity": quantity,
                    "unit": unit, "weight_kg": weight})
    if errors:
        raise InvalidInput(f"the manifest has {len(errors)} error(s); nothing was stored", errors=errors)
    return out


def clean_vehicles(vehicles: list[dict]) -> list[dict]:
    errors: list[FieldError] = []
    out, plates = [], {}
    for i, raw in enumerate(vehicles):
        where = f"vehicles.{i}"
        plate = _text(raw.get("plate"), limit=30)
        if plate is None:
            errors.append(FieldError(f"{where}.plate", "plate is required (up to 30 characters)"))
        elif plate.upper() in plates:
            errors.append(FieldError(f"{where}.plate", f"same plate as vehicle {plates[plate.upper()]}"))
        else:
            plates[plate.upper()] = i
        vtype = _text(raw.get("vehicle_type"), limit=60)
        if vtype is None:
            errors.append(FieldError(f"{where}.vehicle_type", "vehicle type is required (up to 60 characters)"))
        drivers = raw.get("driver_names") or []
        names = [_text(d) for d in drivers] if isinstance(drivers, list) else [None]
        if any(n is None for n in names):
            errors.append(FieldError(f"{where}.driver_names", "each driver name is 1 to 200 characters"))
        out.append({"plate": plate, "vehicle_type": vtype, "markings": (raw.get("markings") or "").strip(),
                    "driver_names": names})
    if errors:
        raise InvalidInput(f"{len(errors)} vehicle error(s); nothing was stored", errors=errors)
    return out


def read_manifest_file(name: str, content: bytes) -> list[dict]:
    """Rows of a CSV or XLSX manifest (header: item, category, quantity, unit, weight_kg)."""
    lower = name.lower()
    if lower.endswith(".xlsx"):
        rows = _xlsx_rows(content)
    elif lower.endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidInput("the CSV file must be UTF-8 encoded", field="file") from exc
        rows = [row for row in csv.reader(io.StringIO(text))]
    else:
        raise InvalidInput("upload a .csv or .xlsx file", field="file")
    rows = [r for r in rows if any(str(c).strip() for c in r if c is not None)]
    if not rows:
        raise InvalidInput("the file is empty", field="file")
    header = [str(c).strip().lower() if c is not None else "" for c in rows[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InvalidInput(f"missing column(s): {', '.join(missing)}; the header row needs {', '.join(COLUMNS)}",
                           field="file")
    index = {c: header.index(c) for c in COLUMNS}
    out = []
    for row in rows[1:]:
        cells = list(row) + [None] * len(header)
        out.append({c: (cells[index[c]] if not isinstance(cells[index[c]], str) else cells[index[c]])
                    for c in COLUMNS})
    if not out:
        raise InvalidInput("the file has a header but no lines", field="file")
    return out


def _xlsx_rows(content: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise InvalidInput("the file is not a readable .xlsx workbook", field="file") from exc
    try:
        ws = wb.worksheets[0]
        return [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def preview_manifest_file(name: str, content: bytes, *, number_format: NumberFormat = NumberFormat.DOT) -> dict:
    """Parse and validate an uploaded manifest without storing it: the lines as they would be stored.

    Errors are raised as by the upload (`rows.3.quantity`: the file's row 3, column quantity).
    """
    clean = clean_manifest(read_manifest_file(name, content), prefix="rows", start=2, number_format=number_format)
    if not clean:
        raise InvalidInput("a manifest needs at least one line", field="rows")
    lines = [{"row": i + 2, **{k: line[k] for k in COLUMNS}} for i, line in enumerate(clean)]
    return {"number_format": NumberFormat(number_format).value, "lines": lines,
            "total_weight_kg": sum((line["weight_kg"] for line in clean), Decimal(0))}
