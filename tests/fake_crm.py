"""A customer's CRM for the tests: a real HTTP server on a local port, in a thread, that
speaks both shipped maps (plain REST and Salesforce's REST API) and can be told to be slow,
to fail, to answer junk, to refuse write-backs, or to be down altogether."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "00Dtest!sf-token"
_SOQL_PHONE = re.compile(r"Phone = '([^']*)'")


@dataclass
class Behaviour:
    delay: float = 0.0  # seconds before every answer
    lookup_status: int = 200
    junk: bytes | None = None  # answered instead of JSON
    write_status: int = 201
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)  # by E.164
    lookups: list[str] = field(default_factory=list)  # numbers asked for, in order
    writes: list[dict[str, Any]] = field(default_factory=list)  # bodies taken
    refused_writes: int = 0
    authorisations: list[str | None] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)  # SOQL received


def rest_record(external_id: str, name: str, **fields: Any) -> dict[str, Any]:
    record = {"id": external_id, "name": name, "tier": "vip", "lifetime_value": 18250.5,
              "churn_risk": 0.7, "open_complaints": 2,
              "history": [{"at": "2026-11-30T10:00:00Z", "summary": "Billing dispute",
                           "disposition": "escalated"}]}  # fmt: skip
    record.update(fields)
    return record


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return None

    def do_GET(self) -> None:
        b = self.server.behaviour
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        b.authorisations.append(self.headers.get("Authorization"))
        if url.path == "/customers":
            number = query.get("phone", [""])[0]
            b.lookups.append(number)
            record = b.customers.get(number)
            self._answer(b.lookup_status, {"customers": [record] if record else []})
        elif url.path.startswith("/services/data/") and url.path.endswith("/query"):
            soql = query.get("q", [""])[0]
            b.queries.append(soql)
            match = _SOQL_PHONE.search(soql)
            number = match.group(1) if match else ""
            b.lookups.append(number)
            record = b.customers.get(number)
            records = [record] if record else []
            body = {"totalSize": len(records), "done": True, "records": records}
            self._answer(b.lookup_status, body)
        else:
            self._answer(404, [{"message": "not found", "errorCode": "NOT_FOUND"}])

    def do_POST(self) -> None:
        b = self.server.behaviour
        b.authorisations.append(self.headers.get("Authorization"))
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"null")
        if b.write_status >= 400:
            b.refused_writes += 1
            self._answer(b.write_status, {"error": "write refused"})
            return
        b.writes.append({"path": urlsplit(self.path).path, "body": body})
        self._answer(b.write_status, {"id": f"w{len(b.writes)}", "success": True})

    def _answer(self, status: int, body: Any) -> None:
        b = self.server.behaviour
        if b.delay:
            time.sleep(b.delay)
        data = b.junk if b.junk is not None and status < 300 else json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (its timeout)
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    behaviour: Behaviour


@dataclass
class FakeCrm:
    url: str
    behaviour: Behaviour
    _server: _Server

    def down(self) -> None:
        """Stop answering: the port is closed, connections are refused."""
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def fake_crm(behaviour: Behaviour | None = None) -> Iterator[FakeCrm]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.behaviour = behaviour or Behaviour()
    thread = threading.Thread(target=server.serve_forever, name="fake-crm", daemon=True)
    thread.start()
    crm = FakeCrm(f"http://127.0.0.1:{server.server_address[1]}", server.behaviour, server)
    try:
        yield crm
    finally:
        if thread.is_alive():
            server.shutdown()
            server.server_close()
