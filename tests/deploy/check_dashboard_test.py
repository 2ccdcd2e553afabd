#!/usr/bin/env python3
"""Tests check_dashboard.py against a fake Prometheus HTTP API on 127.0.0.1 (port 0).

  check_dashboard_test.py --dashboard deploy/grafana/dashboards/blend.json

The fake answers /api/v1/query with one series, no series, or a 400 error, by rules on the
query text, and records every query it got. Cases: all panels pass; an empty panel is listed
and fails the run; a query error is listed; template variables and $__rate_interval are
substituted; --wait retries until the data appears. Standard library only.
"""

import argparse
import http.server
import json
import os
import subprocess
import sys
import threading
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))


class FakePrometheus(http.server.ThreadingHTTPServer):
    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.queries = []
        self.empty_when = []   # substrings: a query containing one returns no series
        self.error_when = []   # substrings: a query containing one returns HTTP 400
        self.empty_first = 0   # the first N queries return no series
        self.lock = threading.Lock()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(url.query).get("query", [""])[0]
        srv = self.server
        with srv.lock:
            srv.queries.append(q)
            n = len(srv.queries)
        if url.path != "/api/v1/query":
            return self.reply(404, {"status": "error", "error": "not found"})
        if any(s in q for s in srv.error_when):
            return self.reply(400, {"status": "error", "errorType": "bad_data",
                                    "error": "parse error: unexpected identifier"})
        empty = n <= srv.empty_first or any(s in q for s in srv.empty_when)
        result = [] if empty else [{"metric": {"job": "x"}, "value": [1700000000, "1"]}]
        self.reply(200, {"status": "success", "data": {"resultType": "vector", "result": result}})

    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


FAILURES = []
PASSED = []


def check(cond, what):
    print(("ok:   " if cond else "FAIL: ") + what, flush=True)
    (PASSED if cond else FAILURES).append(what)


def run_tool(fake, dashboard, *extra):
    cmd = [sys.executable, os.path.join(HERE, "check_dashboard.py"), "--prometheus", fake.url,
           "--dashboard", dashboard, *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dashboard", required=True)
    args = p.parse_args()
    with open(args.dashboard, encoding="utf-8") as f:
        n_targets = sum(len([t for t in panel.get("targets", []) if t.get("expr")])
                        for panel in json.load(f)["panels"])
    fake = FakePrometheus()
    threading.Thread(target=fake.serve_forever, daemon=True).start()
    try:
        r = run_tool(fake, args.dashboard)
        check(r.returncode == 0 and r.stdout.startswith("OK:"), f"all data -> pass ({r.stdout.strip()})")
        check(len(fake.queries) == n_targets, f"one query per target ({len(fake.queries)} of {n_targets})")
        check(not any("$" in q for q in fake.queries), "no unsubstituted variable reaches Prometheus")
        check(any('campaign=~".*"' in q for q in fake.queries), "$campaign becomes its All value .*")
        check(any("[1m]" in q for q in fake.queries), "$__rate_interval becomes --rate-interval (1m)")

        fake.queries.clear()
        fake.empty_when = ["blend_worker_consumer_lag"]
        r = run_tool(fake, args.dashboard)
        check(r.returncode == 1, "a panel without data fails the run")
        check("Consumer lag" in r.stdout and "no series" in r.stdout,
              "the failing panel is named with the reason")
        check("Outbox backlog" not in r.stdout, "passing panels are not listed")

        fake.empty_when, fake.error_when = [], ["blend_outbox_backlog"]
        r = run_tool(fake, args.dashboard, "--rate-interval", "2m")
        check(r.returncode == 1 and "bad_data" in r.stdout and "Outbox backlog" in r.stdout,
              "a query error is reported with Prometheus's message")

        fake.error_when, fake.queries = [], []
        fake.empty_first = n_targets + 3  # the first attempt fails, a later one passes
        r = run_tool(fake, args.dashboard, "--wait", "30", "--retry-every", "0.2")
        check(r.returncode == 0 and "attempt 1:" in r.stdout and "OK:" in r.stdout,
              f"--wait retries until the data appears ({r.stdout.strip().splitlines()[-1]})")

        fake.empty_first, fake.empty_when = 0, ["blend_"]
        r = run_tool(fake, args.dashboard, "--wait", "0.5", "--retry-every", "0.2")
        check(r.returncode == 1 and "FAILED" in r.stdout, "--wait gives up when the time is over")
    finally:
        fake.shutdown()
    print(f"check_dashboard: {len(PASSED)} passed, {len(FAILURES)} failed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
