"""Load the illustrative demo scenario; safe to run again (it skips what exists)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from datetime import date, datetime, time
from pathlib import Path

from django.conf import settings
from django.db import transaction

from safepassage.accounts import services as accounts
from safepassage.accounts.models import Organisation, Party, User
from safepassage.agreements.demo import load_agreements_demo
from safepassage.core.permissions import Role
from safepassage.core.principal import Principal
from safepassage.corridors import services as corridors
from safepassage.corridors.models import Corridor
from safepassage.demo.damage import load_damage
from safepassage.demo.day import at as on_the_day
from safepassage.demo.day import load_day
from safepassage.incidents import services as incidents
from safepassage.incidents.models import Claim
from safepassage.pauses import services as pauses
from safepassage.pauses.models import Pause
from safepassage.places import services as places
from safepassage.places.models import ControlObservation, Place, PlaceKind

DATA = Path(__file__).parent / "data"
NEIGHBOURHOODS_SOURCE = "CSR Conflict Urbanism: Aleppo — Neighborhoods"
SITES_SOURCE = "CSR Conflict Urbanism: Aleppo — Cultural"
SYSTEM = Principal(user=None, role=Role.ADMIN, via="demo-loader")
DEMO_USERS = [
    ("coordinator", Role.COORDINATOR, None),
    ("field", Role.FIELD_OFFICER, None),
    ("monitor", Role.MONITOR, None),
    ("verifier", Role.VERIFIER, None),
    ("partner", Role.PARTNER, None),
    ("medical", Role.MEDICAL_OFFICER, None),  # the only demo account that sees medical evacuation cases
    ("liaison_a", Role.PARTY_LIAISON, "A"),
    ("liaison_b", Role.PARTY_LIAISON, "B"),
]


def scenario() -> dict:
    return json.loads((DATA / "scenario.json").read_text(encoding="utf-8"))


def load_places(log=print) -> None:
    for filename, mapping, source in (
        ("Neighborhoods.geojson", places.FieldMapping(name_field="NAME", name_ar_field="NAME_A", id_field="Id,NAME",
                                                      kind=PlaceKind.AREA, merge_parts=True), NEIGHBOURHOODS_SOURCE),
        ("Cultural.geojson", places.FieldMapping(name_field="FACILITY_N", site_type_field="Typology",
                                                 kind=PlaceKind.SITE), SITES_SOURCE),
    ):
        report = places.import_places(features=places.read_feature_collection(DATA / filename), mapping=mapping,
                                      source=source, by=SYSTEM)
        log(f"places from {filename}: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged")


def _credentials_file() -> Path:
    return settings.DATA_DIR / "demo-credentials.txt"


TOTP_SUFFIX = " totp"  # "coordinator totp: BASE32SECRET" in the credentials file


def _read_credentials() -> dict[str, str]:
    """username -> password, and "username totp" -> TOTP secret, from var/demo-credentials.txt."""
    path = _credentials_file()
    creds: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if ":" in line and not line.startswith("#"):
                user, _, value = line.partition(":")
                creds[user.strip()] = value.strip()
    return creds


def ensure_users(parties: dict[str, Party], org: Organisation) -> dict[str, str]:
    """Create the demo accounts once; their passwords (and TOTP secrets) live in var/demo-credentials.txt.

    The accounts whose role needs a second factor get an authenticator enrolled with a secret drawn
    once per install and printed beside their password (demo only).
    """
    path = _credentials_file()
    creds = _read_credentials()
    wanted = [("admin", Role.ADMIN, None), *DEMO_USERS]
    for username, role, party_key in wanted:
        user = User.objects.filter(username=username).first()
        if user is None:
            password = creds.get(username) or secrets.token_urlsafe(12)
            user = accounts.create_user(username=username, role=role, password=password, organisation=org,
                                        party=parties.get(party_key) if party_key else None, by=SYSTEM)
            creds[username] = password
        if role in settings.SAFEPASSAGE_SECOND_FACTOR_ROLES and not accounts.has_second_factor(user):
            secret = creds.get(username + TOTP_SUFFIX) or base64.b32encode(secrets.token_bytes(20)).decode()
            accounts.enrol_totp_with_secret(user=user, secret=secret, by=SYSTEM)
            creds[username + TOTP_SUFFIX] = secret
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# Safe Passage demo accounts (username: password; username totp: TOTP secret, base32, "
                    "for an authenticator app). Local demo only.\n"
                    + "".join(f"{u}: {p}\n" for u, p in creds.items()))
    path.chmod(0o600)
    return creds


@transaction.atomic
def load_scenario(s: dict, log=print) -> dict[str, Party]:
    org = Organisation.objects.filter(name=s["organisation"]["name"]).first() or accounts.create_organisation(
        **s["organisation"], by=SYSTEM)
    parties = {}
    for p in s["parties"]:
        key = p.pop("key")
        parties[key] = Party.objects.filter(short_name=p["short_name"]).first() or accounts.create_party(
            **p, by=SYSTEM)
    ensure_users(parties, org)

    control = s["control"]
    observed_from = datetime.fromisoformat(control["observed_from"])
    if not ControlObservation.objects.filter(source=control["source"]).exists():
        by_name = {}
        for key, names in control["by_party"].items():
            by_name.update({n: key for n in names})
        for area in Place.objects.filter(kind=PlaceKind.AREA, source=NEIGHBOURHOODS_SOURCE):
            if area.name in control["contested"]:
                places.observe_control(place=area, party=None, status="contested", observed_from=observed_from,
                                       source=control["source"], by=SYSTEM)
            else:
                party = parties[by_name.get(area.name, control["default_party"])]
                places.observe_control(place=area, party=party, observed_from=observed_from,
                                       source=control["source"], by=SYSTEM)
        log("control observations recorded (illustrative)")

    for c in s["corridors"]:
        if Corridor.objects.filter(name=c["name"]).exists():
            continue
        created_at = datetime.fromisoformat("2016-10-12T00:00:00+03:00")
        corridor = corridors.create_corridor(
            name=c["name"], name_ar=c["name_ar"], geometry=c["geometry"], direction=c["direction"],
            eligible_groups=c["eligible_groups"], opens_at=time.fromisoformat(c["opens_at"]),
            closes_at=time.fromisoformat(c["closes_at"]), notes=s["disclaimer"], by=SYSTEM, at=created_at)
        for cp in c["checkpoints"]:
            # capacity per minute: an illustrative figure of the demo, not data
            corridors.add_checkpoint(corridor=corridor, by=SYSTEM, **{"capacity_per_minute": 10, **cp})
        for h in c["history"]:
            corridors.set_corridor_status(corridor_id=corridor.pk, status=h["status"], reason=h["reason"],
                                          at=datetime.fromisoformat(h["at"]), by=SYSTEM)
    log(f"corridors: {Corridor.objects.count()}")

    # the parties answer on the day itself: the first pause in the early morning, the extension in the afternoon
    for n, p in enumerate(s["pauses"]):
        if Pause.objects.filter(title=p["title"]).exists():
            continue
        area_ids = list(Place.objects.filter(
            kind=PlaceKind.AREA, control_observations__party=parties[p["places_of_party"]]
        ).values_list("id", flat=True).distinct())
        pause = pauses.create_pause(
            title=p["title"], title_ar=p["title_ar"], starts_at=datetime.fromisoformat(p["starts_at"]),
            ends_at=datetime.fromisoformat(p["ends_at"]), place_ids=area_ids,
            corridor_ids=list(Corridor.objects.filter(name__in=p["corridors"]).values_list("id", flat=True)),
            party_ids=[parties[k].pk for k in ("A", "B")], notes=s["disclaimer"], by=SYSTEM,
            at=on_the_day(5 + 10 * n, 30))
        for k, (key, (state, note)) in enumerate(p["responses"].items()):
            pauses.respond_to_pause(pause_id=pause.pk, party_id=parties[key].pk, state=state, note=note, by=SYSTEM,
                                    at=on_the_day(6 + 10 * n, 15 * k))
        if p["status"] != "proposed":
            pauses.set_pause_status(pause_id=pause.pk, status=p["status"], by=SYSTEM, at=on_the_day(6 + 10 * n, 45))
    log(f"pauses: {Pause.objects.count()}")
    load_population_demo(log)

    for n, c in enumerate(s["claims"]):  # recorded by the monitors in the morning of the day
        if Claim.objects.filter(quote=c["quote"]).exists():
            continue
        incidents.record_claim(
            summary=c["summary"], quote=c["quote"], source_name=c["source_name"], speaker=c["speaker"],
            published_on=datetime.fromisoformat(c["published_on"]).date() if c["published_on"] else None,
            published_note=c["published_note"], category=c["category"],
            place_ids=list(Place.objects.filter(name__in=c.get("places", [])).values_list("id", flat=True)),
            corridor_ids=list(Corridor.objects.filter(name__in=c["corridors"]).values_list("id", flat=True)),
            by=SYSTEM, at=on_the_day(9, 5 * n))
    log(f"claims (unverified, attributed): {Claim.objects.count()}")
    return parties


DEMO_POPULATION_SOURCE = "Illustrative figure of the demo scenario (not data)"


def load_population_demo(log=print) -> None:
    """Give each area in a demo pause an illustrative population figure, labelled so, once."""
    from safepassage.places.models import PopulationFigure

    areas = Place.objects.filter(kind=PlaceKind.AREA, pauses__isnull=False).distinct().order_by("name", "id")
    for area in areas:
        if PopulationFigure.objects.filter(place=area, source=DEMO_POPULATION_SOURCE).exists():
            continue
        people = 2000 + int(hashlib.sha256(area.name.encode()).hexdigest(), 16) % 18000
        places.record_population(place=area, people=people, source=DEMO_POPULATION_SOURCE,
                                 as_of=date(2016, 10, 1), illustrative=True, by=SYSTEM)
    log(f"population figures (illustrative): {PopulationFigure.objects.filter(source=DEMO_POPULATION_SOURCE).count()}")


def load_demo(log=print, damage_sample: int | None = None) -> dict[str, str]:
    """Places, parties, accounts, control, corridors, pauses, claims, the day of 20 October 2016 and damage.

    `damage_sample` keeps about that many points of each damage dataset (0: none; default: all), for tests.

    Returns username -> password (`totp_secrets` has the enrolled accounts' TOTP secrets).
    """
    load_places(log)
    parties = load_scenario(scenario(), log)
    load_agreements_demo(parties, SYSTEM, log)
    load_day(parties, SYSTEM, log)
    load_damage(SYSTEM, log, sample=damage_sample)
    return {u: p for u, p in _read_credentials().items() if not u.endswith(TOTP_SUFFIX)}


def totp_secrets() -> dict[str, str]:
    """username -> the base32 TOTP secret of the demo accounts enrolled with a second factor."""
    return {u.removesuffix(TOTP_SUFFIX): s for u, s in _read_credentials().items() if u.endswith(TOTP_SUFFIX)}
