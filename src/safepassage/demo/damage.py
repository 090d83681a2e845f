"""The demo's two damage datasets, imported through the incidents importer as historical observations.

Each point is an incident of category 'damage observed', unverified, with its source named and its
attribution unknown (the datasets observe damage; they do not say who caused it).
"""

from __future__ import annotations

from pathlib import Path

from safepassage.incidents import importer

DATA = Path(__file__).parent / "data"
DATASETS = [
    # (file, source named for the whole file, mapping pairs)
    ("un.geojson", "UNITAR-UNOSAT damage assessment, via CSR Conflict Urbanism: Aleppo",
     ["time=SensorDa_2", "description=SiteID,Main_Dam_2,SensorID_3"]),
    ("HRW_02.geojson", "Human Rights Watch damage sites, via CSR Conflict Urbanism: Aleppo",
     ["id=OBJECTID", "time=DatePeriod", "description=Cause,SensorDate", "location_precision_m=ded1_Radius"]),
]


def load_damage(by, log=print, sample: int | None = None) -> None:
    """Import both datasets (idempotent); `sample` keeps about that many points of each, spread (0: none)."""
    if sample == 0:
        return
    for filename, source, pairs in DATASETS:
        features = importer.read_features(DATA / filename)
        if sample is not None:
            step = max(1, -(-len(features) // sample))
            features = features[::step]
        mapping = importer.Mapping.parse(pairs, ["category=damage_observed"])
        report = importer.import_incidents(features=features, mapping=mapping, source=source, file_name=filename,
                                           by=by, source_kind="satellite_imagery")
        log(f"damage observations from {filename}: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {len(report.invalid)} invalid")
