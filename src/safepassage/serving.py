"""Gunicorn settings of `safepassage serve`: a cheaper access log, and a worker with a thread per connection.

Gunicorn's own access logger builds a dictionary of some thirty "atoms" for every request (all the
headers included) before formatting one line; at a thousand count submissions a second that was
about a tenth of the server's time. This logger writes the same combined-log line (the default
format) from the few values it needs.
"""

import contextlib
import errno
import logging
import os
import select
import socket
import threading
import time
from datetime import timedelta

from gunicorn import glogging, http, util
from gunicorn import sock as gsock
from gunicorn.config import AccessLogFormat
from gunicorn.http import wsgi
from gunicorn.workers import base


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


class ConnectionWorker(base.Worker):
    """A gunicorn worker that serves each client connection on one thread of its own, request after request.

    gunicorn's threaded worker (gthread) passes every request from a dispatching thread to a pool
    thread and the connection back again: two hand-offs per request, each a wait for the interpreter
    lock, and the dispatcher is one more thread competing for it. Under load the group commit's
    leader, holding the database's write turn, queues behind them for the lock after each of its
    round trips, and every other writer waits for the turn (`core.groupcommit`). Here the thread that
    accepted a connection reads a request, answers it and reads the next: no hand-off, no dispatcher.

    - At most `worker_connections` connections at once (`--worker-connections`); further clients wait
      in the listen backlog until one closes.
    - A kept-alive connection is closed after `keepalive` seconds without a request; once a request
      has begun, each read or write may wait up to `timeout` seconds.
    - On a graceful stop (SIGTERM, `max_requests`), requests in progress are finished and answered
      with `Connection: close`; idle connections are closed at once.
    """

    def init_process(self):
        self._lock = threading.Condition()
        self._open: dict[socket.socket, bool] = {}  # each open connection: is it waiting for a request?
        super().init_process()

    def run(self):
        for listener in self.sockets:
            listener.setblocking(False)
        names = {listener: listener.getsockname() for listener in self.sockets}
        while self.alive:
            self.notify()
            with self._lock:
                full = len(self._open) >= self.cfg.worker_connections
                if full:  # woken when a connection closes
                    self._lock.wait(1.0)
            if full:
                continue
            try:
                ready, _, _ = select.select(self.sockets, [], [], 1.0)
            except InterruptedError:
                continue
            for listener in ready:
                try:
                    client, addr = listener.accept()
                except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                    continue  # another worker took it, or the client left
                with self._lock:
                    self._open[client] = True
                threading.Thread(target=self._serve, args=(client, addr, names[listener]), daemon=True,
                                 name=f"conn-{addr}").start()
            if self.ppid != os.getppid():
                self.log.info("Parent changed, shutting down: %s", self)
                break
        self._stop_serving()

    def _stop_serving(self):
        for listener in self.sockets:
            util.close(listener)
        deadline = time.monotonic() + self.cfg.graceful_timeout
        with self._lock:
            while self._open and time.monotonic() < deadline:
                for client, idle in list(self._open.items()):
                    if idle:  # waiting for a request that will not be served: wake its thread
                        with contextlib.suppress(OSError):
                            client.shutdown(socket.SHUT_RDWR)
                self._lock.wait(0.1)

    def _serve(self, client: socket.socket, addr, server) -> None:
        try:
            client.setblocking(True)
            if self.cfg.is_ssl:
                client = gsock.ssl_wrap_socket(client, self.cfg)
            parser = http.RequestParser(self.cfg, client, addr)
            while self.alive and self._next_request_arrives(client):
                client.settimeout(self.cfg.timeout or None)
                req = next(parser, None)
                if not req or not self._answer(req, client, addr, server):
                    break
        except (http.errors.NoMoreData, StopIteration, TimeoutError):
            pass  # the client went away, or sent nothing in time
        except OSError as exc:
            if exc.errno not in (errno.EPIPE, errno.ECONNRESET, errno.ENOTCONN, errno.EBADF):
                self.log.exception("Socket error processing request.")
        except Exception as exc:  # noqa: BLE001 - answered 400/500 as gunicorn's workers do
            self.handle_error(None, client, addr, exc)
        finally:
            util.close(client)
            with self._lock:
                self._open.pop(client, None)
                self._lock.notify_all()

    def _next_request_arrives(self, client: socket.socket) -> bool:
        """Wait up to `keepalive` seconds for the next request's first bytes (False: closed or timed out)."""
        with self._lock:
            if not self.alive:
                return False
            self._open[client] = True
        try:
            client.settimeout(self.cfg.keepalive or None)
            if self.cfg.is_ssl:  # no peeking through TLS: the parser's first read waits instead
                return True
            return bool(client.recv(1, socket.MSG_PEEK))
        except (TimeoutError, OSError):
            return False
        finally:
            with self._lock:
                if client in self._open:
                    self._open[client] = False

    def _answer(self, req, client: socket.socket, addr, server) -> bool:
        """Run the application for one request; whether the connection may carry another."""
        environ, resp = {}, None
        try:
            self.cfg.pre_request(self, req)
            started = time.perf_counter()
            resp, environ = wsgi.create(req, client, addr, server, self.cfg)
            environ["wsgi.multithread"] = True
            self.nr += 1
            if self.nr >= self.max_requests:
                if self.alive:
                    self.log.info("Autorestarting worker after current request.")
                    self.alive = False
            if not self.cfg.keepalive:
                resp.force_close()
            respiter = self.wsgi(environ, resp.start_response)
            if not self.alive:  # stopping (checked once the application has answered): the last request here
                resp.force_close()
            try:
                if isinstance(respiter, environ["wsgi.file_wrapper"]):
                    resp.write_file(respiter)
                else:
                    for item in respiter:
                        resp.write(item)
                resp.close()
            finally:
                self.log.access(resp, req, environ, timedelta(seconds=time.perf_counter() - started))
                if hasattr(respiter, "close"):
                    respiter.close()
            return not resp.should_close()
        except OSError:
            raise
        except Exception as exc:  # noqa: BLE001
            if resp is not None and resp.headers_sent:
                self.log.exception("Error handling request")  # too late for an error page: drop the connection
                return False
            self.handle_error(req, client, addr, exc)
            return False
        finally:
            try:
                self.cfg.post_request(self, req, environ, resp)
            except Exception:  # noqa: BLE001
                self.log.exception("Exception in post_request hook")
