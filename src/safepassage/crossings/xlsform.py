"""The XLSForm for checkpoint counts (ODK Collect, KoboToolbox, Enketo), built with openpyxl.

`python -m safepassage.crossings.xlsform` rewrites `forms/checkpoint_count.xlsx` and, with pyxform
installed, the XForm `forms/checkpoint_count.xml` that ODK Collect downloads (a test checks both are current).
"""

from __future__ import annotations

from pathlib import Path

FORM_ID = "safepassage_crossing_count"
FORM_PATH = Path(__file__).resolve().parent / "forms" / "checkpoint_count.xlsx"
XFORM_PATH = FORM_PATH.with_suffix(".xml")
FORM_TITLE = "Checkpoint crossing count"
FORM_VERSION = "2026112301"
NONNEG = (". >= 0", "must be 0 or more", "يجب أن يكون 0 أو أكثر")

# type, name, English label, Arabic label, required, (constraint, message en, message ar), default, hint
SURVEY = [
    ("integer", "checkpoint_id", "Checkpoint number (from the checkpoint list)", "رقم نقطة التفتيش (من القائمة)",
     "yes", (". >= 1", "checkpoint numbers start at 1", "أرقام نقاط التفتيش تبدأ من 1"), "", ""),
    ("select_one direction", "direction", "Direction", "الاتجاه", "yes", None, "out", ""),
    ("dateTime", "bucket_start", "Start of the counting period", "بداية فترة العد", "yes", None, "", ""),
    ("select_one bucket", "bucket_minutes", "Length of the counting period", "مدة فترة العد", "yes", None, "60",
     ""),
    ("begin_group", "counts", "Persons who crossed", "الأشخاص الذين عبروا", "", None, "", ""),
    ("integer", "women", "Women (18 and over, under 60)", "نساء (من 18 إلى أقل من 60)", "yes", NONNEG, "0", ""),
    ("integer", "men", "Men (18 and over, under 60)", "رجال (من 18 إلى أقل من 60)", "yes", NONNEG, "0", ""),
    ("integer", "children", "Children (under 18)", "أطفال (دون 18 سنة)", "yes", NONNEG, "0", ""),
    ("integer", "older_people", "Older people (60 and over)", "كبار السن (60 سنة فأكثر)", "yes", NONNEG, "0", ""),
    ("integer", "persons_with_disabilities", "Of these civilians: persons with disabilities",
     "من هؤلاء المدنيين: أشخاص ذوو إعاقة", "yes",
     (". >= 0 and . <= ${women} + ${men} + ${children} + ${older_people}",
      "cannot exceed the civilians counted above", "لا يمكن أن يتجاوز عدد المدنيين أعلاه"), "0", ""),
    ("integer", "wounded", "Wounded", "جرحى", "yes", NONNEG, "0", ""),
    ("integer", "sick", "Sick", "مرضى", "yes", NONNEG, "0", ""),
    ("integer", "leaving_armed_groups_unarmed", "Persons leaving armed groups without weapons",
     "أشخاص يغادرون الجماعات المسلحة دون أسلحة", "yes", NONNEG, "0", ""),
    ("integer", "leaving_armed_groups_armed", "Persons leaving armed groups with weapons",
     "أشخاص يغادرون الجماعات المسلحة مع أسلحتهم", "yes", NONNEG, "0", ""),
    ("integer", "weapons_handed_over", "Weapons handed over (number)", "عدد الأسلحة المسلَّمة", "yes",
     (". >= 0 and (. = 0 or ${leaving_armed_groups_armed} > 0)",
      "weapons are handed over only by persons leaving armed groups with weapons",
      "تُسلَّم الأسلحة فقط من قبل أشخاص يغادرون الجماعات المسلحة مع أسلحتهم"), "0", ""),
    ("end_group", "", "", "", "", None, "", ""),
    ("text", "note", "Note (no names)", "ملاحظة (دون أسماء)", "", None, "",
     "Do not write names or identifying details here."),
]
CHOICES = [
    ("direction", "out", "Out of the besieged area", "خروج من المنطقة المحاصرة"),
    ("direction", "in", "Into the besieged area", "دخول إلى المنطقة المحاصرة"),
    *[("bucket", str(m), f"{m} minutes" if m < 60 else f"{m // 60} hour(s)",
       f"{m} دقيقة" if m < 60 else f"{m // 60} ساعة") for m in (15, 30, 60, 120, 240, 360, 720, 1440)],
]


def build(path: Path = FORM_PATH) -> Path:
    """Write the XLSForm workbook (survey, choices, settings sheets) to `path`."""
    from openpyxl import Workbook

    wb = Workbook()
    survey = wb.active
    survey.title = "survey"
    survey.append(["type", "name", "label::English (en)", "label::Arabic (ar)", "required", "constraint",
                   "constraint_message::English (en)", "constraint_message::Arabic (ar)", "default",
                   "hint::English (en)", "hint::Arabic (ar)"])
    for kind, name, en, ar, required, constraint, default, hint in SURVEY:
        c, cm_en, cm_ar = constraint or ("", "", "")
        survey.append([kind, name, en, ar, required, c, cm_en, cm_ar, default, hint,
                       "لا تكتب أسماء أو تفاصيل تعرّف بالأشخاص هنا." if hint else ""])
    choices = wb.create_sheet("choices")
    choices.append(["list_name", "name", "label::English (en)", "label::Arabic (ar)"])
    for row in CHOICES:
        choices.append(list(row))
    settings = wb.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language", "instance_name"])
    settings.append([FORM_TITLE, FORM_ID, FORM_VERSION, "English (en)",
                     "concat(${checkpoint_id}, '-', ${direction}, '-', ${bucket_start})"])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def build_xform(xlsx: Path = FORM_PATH, path: Path = XFORM_PATH) -> Path:
    """Convert the workbook with pyxform (a development dependency) and write the XForm."""
    from pyxform.xls2xform import convert

    path.write_text(convert(xlsform=str(xlsx), pretty_print=True).xform, encoding="utf-8")
    return path


if __name__ == "__main__":
    print(build())
    print(build_xform())
