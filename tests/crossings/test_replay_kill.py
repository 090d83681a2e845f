"""Replay with 30 % duplicates in random order; the client is killed with SIGKILL mid-stream and resent.

Every acknowledged submission is stored exactly once, and after the resend every submission is.
Runs on both databases: the SQLite test database is a file that the second process opens too.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection

from safepassage.crossings import services
from safepassage.crossings.models import CrossingCount
from tests.conftest import SYSTEM

N = 2000
KILL_AFTER = 700


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_kill_9_mid_stream_then_resend(checkpoint):
    rnd = random.Random(2016)
    start = datetime(2016, 10, 20, 8, tzinfo=UTC)
    unique = [{"client_uuid": str(uuid.UUID(int=rnd.getrandbits(128), version=4)), "checkpoint_id": checkpoint.pk,
               "direction": "out", "bucket_start": (start + timedelta(minutes=5 * (i % 100))).isoformat(),
               "bucket_minutes": 5, "counts": {"women": rnd.randint(0, 99)}} for i in range(N)]
    stream = unique + rnd.sample(unique, int(N * 0.3))
    rnd.shuffle(stream)

    settings = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "safepassage.settings"}
    if connection.vendor == "postgresql":
        env["DATABASE_URL"] = f"postgresql://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    else:  # the test database is a file (settings.py), which the second process opens too
        env.pop("DATABASE_URL", None)
        env["SAFEPASSAGE_SQLITE"] = settings["NAME"]
    client = subprocess.Popen([sys.executable, str(Path(__file__).with_name("replay_client.py"))], env=env,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    acknowledged: list[str] = []

    def feed() -> None:  # in a thread, so that neither pipe can fill up and block both processes
        try:
            for sub in stream:
                client.stdin.write(json.dumps(sub) + "\n")
            client.stdin.close()
        except (BrokenPipeError, ValueError):
            pass  # killed

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    while len(acknowledged) < KILL_AFTER:
        line = client.stdout.readline()
        assert line, "the client stopped early"
        acknowledged.append(line.split()[1])
    client.send_signal(signal.SIGKILL)
    client.wait(timeout=30)
    feeder.join(timeout=30)

    connection.close()  # see what the killed process committed
    stored = set(map(str, CrossingCount.objects.values_list("client_uuid", flat=True)))
    assert set(acknowledged) <= stored, "an acknowledged submission was lost"
    assert len(stored) < N, "the kill came too late to test anything"

    for sub in stream:  # the device resends everything, in its order, duplicates included
        services.submit_crossing_count(**{**sub, "bucket_start": datetime.fromisoformat(sub["bucket_start"])},
                                       by=SYSTEM)
    assert CrossingCount.objects.count() == N
    assert sorted(map(str, CrossingCount.objects.values_list("client_uuid", flat=True))) == sorted(
        s["client_uuid"] for s in unique)
    total = sum(CrossingCount.objects.values_list("women", flat=True))
    assert total == sum(s["counts"]["women"] for s in unique)
