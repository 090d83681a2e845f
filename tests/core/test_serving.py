"""The access logger of `safepassage serve` writes exactly gunicorn's default combined-log line."""

import datetime
import logging
from types import SimpleNamespace

import pytest
from gunicorn import glogging
from gunicorn.config import Config

from safepassage.serving import AccessLogger


class Capture(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def logged(logger_class, resp, environ) -> str:
    cfg = Config()
    cfg.set("accesslog", "-")
    logger = logger_class(cfg)
    capture = Capture()
    logger.access_log.handlers = [capture]
    logger.now = lambda: "[23/Nov/2026:21:00:00 +0000]"
    logger.access(resp, SimpleNamespace(headers=[("HOST", "x")]), environ, datetime.timedelta(microseconds=1500))
    return capture.lines[-1]


@pytest.mark.parametrize("status, sent", [("201 Created", 512), (404, 0), ("200 OK", None)])
def test_same_line_as_gunicorn(status, sent):
    resp = SimpleNamespace(status=status, sent=sent, headers=[("Content-Type", "application/json")])
    environ = {"REMOTE_ADDR": "10.0.0.7", "REQUEST_METHOD": "POST", "RAW_URI": "/api/crossings/counts?x=1",
               "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_USER_AGENT": "ODKCollect/2024.3", "PATH_INFO": "/api/x",
               "HTTP_AUTHORIZATION": "Bearer sp_secret"}
    ours = logged(AccessLogger, resp, environ)
    assert ours == logged(glogging.Logger, resp, environ)
    assert "sp_secret" not in ours


def test_a_custom_format_falls_back_to_gunicorn():
    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("access_log_format", "%(m)s %(U)s %(D)s")
    logger = AccessLogger(cfg)
    capture = Capture()
    logger.access_log.handlers = [capture]
    logger.access(SimpleNamespace(status="200 OK", sent=2, headers=[]), SimpleNamespace(headers=[]),
                  {"REQUEST_METHOD": "GET", "RAW_URI": "/healthz", "SERVER_PROTOCOL": "HTTP/1.1",
                   "PATH_INFO": "/healthz"}, datetime.timedelta(microseconds=1500))
    assert capture.lines == ["GET /healthz 1500"]


@pytest.mark.parametrize("kind", ["stream", "file"])
def test_written_straight_to_gunicorns_handlers_byte_for_byte(tmp_path, kind):
    resp = SimpleNamespace(status="201 Created", sent=679, headers=[])
    environ = {"REMOTE_ADDR": "127.0.0.1", "REQUEST_METHOD": "POST", "RAW_URI": "/api/crossings/counts",
               "SERVER_PROTOCOL": "HTTP/1.1", "PATH_INFO": "/api/crossings/counts"}
    outputs = []
    for cls in (AccessLogger, glogging.Logger):
        target = tmp_path / f"{cls.__name__}.log"
        logging.getLogger("gunicorn.access").handlers = []  # one logging logger, shared by both
        cfg = Config()
        cfg.set("accesslog", str(target) if kind == "file" else "-")
        logger = cls(cfg)
        if kind == "stream":
            [handler] = logger.access_log.handlers
            handler.setStream(target.open("w"))
        logger.now = lambda: "[23/Nov/2026:21:00:00 +0000]"
        for _ in range(2):
            logger.access(resp, SimpleNamespace(headers=[]), environ, datetime.timedelta(microseconds=900))
        for handler in logger.access_log.handlers:
            handler.close()
        outputs.append(target.read_text())
    ours, theirs = outputs
    assert ours == theirs and ours.count("\n") == 2


def test_a_logging_configuration_of_its_own_goes_through_logging():
    cfg = Config()
    cfg.set("accesslog", "-")
    logger = AccessLogger(cfg)
    capture = Capture()
    logger.access_log.handlers = [capture]  # not one of gunicorn's plain handlers
    assert not logger._write_plain("x")
    logger.access(SimpleNamespace(status="200 OK", sent=2, headers=[]), SimpleNamespace(headers=[]),
                  {"REQUEST_METHOD": "GET", "RAW_URI": "/healthz", "SERVER_PROTOCOL": "HTTP/1.1"},
                  datetime.timedelta(microseconds=10))
    assert len(capture.lines) == 1 and '"GET /healthz HTTP/1.1" 200 2' in capture.lines[0]
