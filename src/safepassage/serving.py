"""Gunicorn settings of `safepassage serve`: a cheaper access log.

Gunicorn's own access logger builds a dictionary of some thirty "atoms" for every request (all the
headers included) before formatting one line; at a thousand count submissions a second that was
about a tenth of the server's time. This logger writes the same combined-log line (the default
format) from the few values it needs.
"""

import logging

from gunicorn import glogging
from gunicorn.config import AccessLogFormat


class AccessLogger(glogging.Logger):
    def access(self, resp, req, environ, request_time):
        if not self.cfg.accesslog or self.cfg.access_log_format != AccessLogFormat.default:
            super().access(resp, req, environ, request_time)  # a custom format or log configuration
            return
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        sent = getattr(resp, "sent", None)
        get = environ.get
        # the user field stays "-": gunicorn would show an HTTP Basic user name, which this API never uses
        line = (f'{get("REMOTE_ADDR", "-")} - - {self.now()} "{get("REQUEST_METHOD", "-")} {get("RAW_URI", "-")} '
                f'{get("SERVER_PROTOCOL", "-")}" {status} {"-" if sent is None else sent} '
                f'"{get("HTTP_REFERER", "-")}" "{get("HTTP_USER_AGENT", "-")}"')
        try:
            if not self._write_plain(line):
                self.access_log.info(line)
        except Exception:  # noqa: BLE001 - as gunicorn does: a logging failure must not fail the request
            self.exception("access log")

    def _write_plain(self, line: str) -> bool:
        """Write the line straight to gunicorn's own stream or file handlers, as their "%(message)s" would.

        Skips building a LogRecord (the clock, the thread, the process, the caller...) per request.
        Any other set-up (a handler or filter of a logging configuration) goes through `logging`.
        """
        log = self.access_log
        handlers = log.handlers
        if log.filters or not handlers or not log.isEnabledFor(logging.INFO):
            return False
        for handler in handlers:
            if type(handler) not in _PLAIN_HANDLERS or handler.filters or handler.level > logging.INFO or \
                    getattr(handler.formatter, "_fmt", None) != "%(message)s" or handler.stream is None:
                return False
        for handler in handlers:
            with handler.lock:
                stream = handler.stream
                stream.write(line + handler.terminator)
                stream.flush()
        return True


_PLAIN_HANDLERS = (logging.StreamHandler, logging.FileHandler)
