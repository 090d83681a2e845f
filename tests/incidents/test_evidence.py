"""Evidence files: stored by hash once, chain of custody, hash checked on every download, size limit, streaming."""

from __future__ import annotations

import hashlib
import io
import os
import tracemalloc

import pytest

from safepassage.audit.models import AuditEntry
from safepassage.incidents.models import EvidenceFile, EvidenceLink
from tests.incidents.conftest import upload

pytestmark = pytest.mark.django_db


def test_upload_stores_the_file_by_its_hash_and_records_receipt(actors, make_incident, media):
    inc = make_incident()
    content = b"\x89PNG fake but real bytes" * 1000
    r = upload(actors["monitor"], inc["id"], content, name="IMG_0001.jpg")
    assert r.status_code == 201, r.content
    sha = hashlib.sha256(content).hexdigest()
    assert r.json()["sha256"] == sha and r.json()["size"] == len(content)
    stored = media / "evidence" / sha[:2] / sha
    assert stored.read_bytes() == content
    entry = AuditEntry.objects.get(action="evidence.received")
    assert entry.after["sha256"] == sha and entry.after["why"] == "from monitor team"
    assert entry.actor_label.startswith("monitor#")
    detail = actors["verifier"].get(f"/api/incidents/{inc['id']}").json()
    assert detail["evidence"][0]["sha256"] == sha


def test_the_same_file_twice_is_one_object_with_two_links(actors, make_incident, media):
    a, b = make_incident(), make_incident()
    content = os.urandom(200_000)
    r1 = upload(actors["monitor"], a["id"], content)
    r2 = upload(actors["coordinator"], b["id"], content, name="copy.bin")
    assert r1.json()["file_id"] == r2.json()["file_id"]
    assert EvidenceFile.objects.count() == 1 and EvidenceLink.objects.count() == 2
    assert len(list((media / "evidence").rglob("*"))) == 2  # one folder, one file
    assert [e.after["new_file"] for e in AuditEntry.objects.filter(action="evidence.received").order_by("seq")] \
        == [True, False]


def test_upload_needs_a_file_and_a_reason(actors, make_incident):
    inc = make_incident()
    assert actors["monitor"].post(f"/api/incidents/{inc['id']}/evidence", {}).status_code == 422
    r = upload(actors["monitor"], inc["id"], b"abc", why="")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "why"
    assert upload(actors["verifier"], inc["id"], b"abc").status_code == 403
    assert upload(actors["monitor"], 999999, b"abc").status_code == 404


def test_beyond_the_size_limit_is_413_and_nothing_is_stored(actors, make_incident, settings, media):
    settings.SAFEPASSAGE_EVIDENCE_MAX_BYTES = 100_000
    inc = make_incident()
    r = upload(actors["monitor"], inc["id"], b"x" * 100_001)
    assert r.status_code == 413 and "100000" in r.json()["detail"]
    r = upload(actors["monitor"], inc["id"], b"x" * 500_000)  # refused from Content-Length, unread
    assert r.status_code == 413
    assert EvidenceFile.objects.count() == 0 and not (media / "evidence").exists()
    assert upload(actors["monitor"], inc["id"], b"x" * 100_000).status_code == 201


def test_download_checks_the_hash_and_records_custody(actors, make_incident):
    inc = make_incident()
    content = os.urandom(300_000)
    fid = upload(actors["monitor"], inc["id"], content).json()["file_id"]
    r = actors["verifier"].get(f"/api/evidence/{fid}/download", why="verification of incident")
    assert r.status_code == 200 and b"".join(r.streaming_content) == content
    assert r["X-Content-SHA256"] == hashlib.sha256(content).hexdigest()
    r = actors["coordinator"].get(f"/api/evidence/{fid}/download", why="dossier for the inquiry", purpose="export")
    assert r.status_code == 200 and b"".join(r.streaming_content) == content
    r = actors["coordinator"].post(f"/api/evidence/{fid}/transfers", {"to": "Inquiry secretariat",
                                                                        "why": "requested by letter 12"})
    assert r.status_code == 201
    custody = list(AuditEntry.objects.filter(object_type="incidents.evidencefile").order_by("seq")
                   .values_list("action", "actor_label"))
    assert [a for a, _ in custody] == ["evidence.received", "evidence.viewed", "evidence.exported",
                                       "evidence.transferred"]
    assert custody[1][1].startswith("verifier#") and custody[3][1].startswith("coordinator#")
    assert AuditEntry.objects.get(action="evidence.transferred").after["to"] == "Inquiry secretariat"
    shown = actors["verifier"].get(f"/api/incidents/{inc['id']}").json()["evidence"][0]["custody"]
    assert [(c["event"], c["why"]) for c in shown] == [
        ("received", "from monitor team"), ("viewed", "verification of incident"),
        ("exported", "dossier for the inquiry"), ("transferred", "requested by letter 12")]
    assert shown[3]["to"] == "Inquiry secretariat" and shown[1]["actor"].startswith("verifier#")
    assert actors["verifier"].get(f"/api/evidence/{fid}/download").status_code == 422  # no reason given
    for role in ("partner", "field_officer", "party_liaison"):
        assert actors[role].get(f"/api/evidence/{fid}/download", why="x").status_code == 403
    assert actors["public"].get(f"/api/evidence/{fid}/download", why="x").status_code == 401


def test_a_tampered_file_is_refused_loudly_and_the_mismatch_recorded(actors, make_incident, media):
    inc = make_incident()
    content = os.urandom(100_000)
    fid = upload(actors["monitor"], inc["id"], content).json()["file_id"]
    stored = next(p for p in (media / "evidence").rglob("*") if p.is_file())
    stored.write_bytes(content[:-1] + bytes([content[-1] ^ 1]))
    r = actors["verifier"].get(f"/api/evidence/{fid}/download", why="check")
    assert r.status_code == 409
    assert "does not match its SHA-256" in r.json()["detail"] and "not served" in r.json()["detail"]
    file = EvidenceFile.objects.get(pk=fid)
    assert file.integrity_failed_at is not None and "expected" in file.integrity_note
    failure = AuditEntry.objects.get(action="evidence.integrity_failed")
    assert failure.after["expected"] == file.sha256 and failure.after["found"] != file.sha256
    assert not AuditEntry.objects.filter(action="evidence.viewed").exists()
    detail = actors["verifier"].get(f"/api/incidents/{inc['id']}").json()
    assert detail["evidence"][0]["integrity_failed_at"] is not None
    stored.unlink()
    r = actors["verifier"].get(f"/api/evidence/{fid}/download", why="check")
    assert r.status_code == 409 and AuditEntry.objects.filter(action="evidence.integrity_failed").count() == 2


class _Body(io.RawIOBase):
    """A multipart body produced on the fly (never held whole), remembering its largest read."""

    def __init__(self, boundary: str, size: int):
        self.head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"why\"\r\n\r\nstream test\r\n"
                     f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n"
                     "Content-Type: application/octet-stream\r\n\r\n").encode()
        self.tail = f"\r\n--{boundary}--\r\n".encode()
        self.size, self.pos, self.sha = size, 0, hashlib.sha256()
        self.total = len(self.head) + size + len(self.tail)
        self.largest_read = 0

    def readable(self):
        return True

    def _byte_block(self, start: int, n: int) -> bytes:
        block = bytes((start + i) % 251 for i in range(min(n, 251)))
        return (block * (n // 251 + 1))[:n] if n else b""

    def read(self, n=-1):
        n = self.total - self.pos if n is None or n < 0 else min(n, self.total - self.pos)
        self.largest_read = max(self.largest_read, n)
        out = bytearray()
        while len(out) < n:
            p = self.pos
            if p < len(self.head):
                piece = self.head[p:p + n - len(out)]
            elif p < len(self.head) + self.size:
                off = p - len(self.head)
                piece = self._byte_block(off, min(n - len(out), self.size - off, 1 << 16))
                self.sha.update(piece)
            else:
                off = p - len(self.head) - self.size
                piece = self.tail[off:off + n - len(out)]
            out += piece
            self.pos += len(piece)
        return bytes(out)


def test_a_50_mb_upload_is_streamed_with_flat_memory(actors, make_incident, media):
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    inc = make_incident()
    boundary = "sp-boundary-7MA4YWxkTrZu0gW"
    body = _Body(boundary, 50 * 1024 * 1024)
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": f"/api/incidents/{inc['id']}/evidence",
               "SERVER_NAME": "testserver", "SERVER_PORT": "80", "wsgi.url_scheme": "http",
               "wsgi.input": body, "CONTENT_LENGTH": str(body.total),
               "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
               "HTTP_AUTHORIZATION": f"Bearer {actors['monitor'].token}", "wsgi.errors": io.StringIO()}
    statuses = []
    # as Django's test client does: the request must not close the connection holding the test transaction
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    tracemalloc.start()
    try:
        result = WSGIHandler()(environ, lambda status, headers, *a: statuses.append(status))
        payload = b"".join(result)
        result.close()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    assert statuses[0].startswith("201"), payload
    assert peak < 8 * 1024 * 1024, f"peak {peak} bytes for a 50 MB upload"
    assert body.largest_read <= 1024 * 1024
    file = EvidenceFile.objects.get()
    assert file.sha256 == body.sha.hexdigest() and file.size == 50 * 1024 * 1024
    assert (media / file.storage_name).stat().st_size == file.size


def test_published_image_copy_has_no_exif_or_gps_and_the_original_stays_restricted(actors, make_incident):
    from PIL import Image

    inc = make_incident()
    img = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    exif[0x8825] = {1: "N", 2: (36.0, 12.0, 7.0), 3: "E", 4: (37.0, 9.0, 40.0)}  # GPS IFD
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif)
    original = buf.getvalue()
    assert b"CameraMaker" in original
    link = upload(actors["monitor"], inc["id"], original, name="IMG_2.jpg").json()
    assert actors["monitor"].post(f"/api/incidents/{inc['id']}/evidence/{link['link_id']}/public-copy").status_code \
        == 403
    r = actors["verifier"].post(f"/api/incidents/{inc['id']}/evidence/{link['link_id']}/public-copy")
    assert r.status_code == 201, r.content
    assert r.json()["published_copy_sha256"] and r.json()["sha256"] == link["sha256"]
    from safepassage.incidents import services
    v = actors["verifier"].principal
    services.take_for_review(incident_id=inc["id"], by=v)
    services.decide(incident_id=inc["id"], status="verified", note="photo", evidence_ids=[link["file_id"]], by=v)
    services.set_publication(incident_id=inc["id"], published=True, by=v)
    detail = actors["public"].get(f"/api/incidents/{inc['id']}").json()
    assert detail["public_image_ids"] == [link["link_id"]] and detail["evidence"] == []
    r = actors["public"].get(f"/api/incidents/{inc['id']}/images/{link['link_id']}")
    assert r.status_code == 200
    copy = b"".join(r.streaming_content)
    assert b"CameraMaker" not in copy and b"Exif" not in copy
    with Image.open(io.BytesIO(copy)) as shown:
        assert shown.size == (64, 48) and not shown.getexif()
    assert actors["public"].get(f"/api/evidence/{link['file_id']}/download", why="x").status_code == 401
    not_image = upload(actors["monitor"], inc["id"], b"plain text").json()
    r = actors["verifier"].post(f"/api/incidents/{inc['id']}/evidence/{not_image['link_id']}/public-copy")
    assert r.status_code == 422


def test_upload_from_a_signed_in_page_session_is_hashed_too(actors, make_incident):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.middleware.csrf import get_token
    from django.test import Client, RequestFactory

    from safepassage.accounts.models import User

    inc = make_incident()
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username="u_monitor"))
    request = RequestFactory().get("/")
    token = get_token(request)
    client.cookies["csrftoken"] = request.META["CSRF_COOKIE"]
    content = os.urandom(5000)
    f = SimpleUploadedFile("s.bin", content)
    # the CSRF check reads the form first, so the file arrives parsed by Django's own handlers: hashed afterwards
    r = client.post(f"/api/incidents/{inc['id']}/evidence", data={"file": f, "why": "handed over at the office",
                                                                  "csrfmiddlewaretoken": token})
    assert r.status_code == 201, r.content
    assert r.json()["sha256"] == hashlib.sha256(content).hexdigest()
    f = SimpleUploadedFile("s.bin", content)
    r = client.post(f"/api/incidents/{inc['id']}/evidence", data={"file": f, "why": "no token"})
    assert r.status_code == 401 and "CSRF" in r.json()["detail"]
    f = SimpleUploadedFile("s.bin", content)
    r = Client().post(f"/api/incidents/{inc['id']}/evidence", data={"file": f, "why": "x"})
    assert r.status_code == 401
