#!/usr/bin/env python3
"""Runs every query of a Grafana dashboard against a live Prometheus and fails on empty ones.

  check_dashboard.py --prometheus http://127.0.0.1:9090 --dashboard deploy/grafana/dashboards/blend.json
                     [--wait 120] [--rate-interval 1m] [--var campaign=collections]

Every panel target's `expr` is sent to /api/v1/query after substituting template variables:
query/custom variables take their "All" value (`allValue`, else `.*`) unless --var sets them;
Grafana's built-ins ($__rate_interval, $__interval, $__range, ...) take --rate-interval /
--interval / --range. A target passes when the query succeeds and returns at least one series
(a NaN sample counts: the series exists). A panel fails when it has no query or any of its
targets fails. With --wait the whole check is retried until everything passes or the time is
up (a freshly started cluster needs a few scrapes). Exit status 0 when every panel passes,
1 when some fail (each is listed with its query and the reason), 2 on bad arguments.
Standard library only, so it runs under any python3.
"""

import argparse
import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

VAR_RE = re.compile(r"\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]|\$(\w+)")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--prometheus", required=True, help="base URL, e.g. http://127.0.0.1:9090")
    p.add_argument("--dashboard", required=True, help="Grafana dashboard JSON file")
    p.add_argument("--wait", type=float, default=0, help="retry for up to this many seconds")
    p.add_argument("--retry-every", type=float, default=5, help="seconds between attempts")
    p.add_argument("--rate-interval", default="1m", help="value of $__rate_interval")
    p.add_argument("--interval", default="15s", help="value of $__interval")
    p.add_argument("--range", default="1h", help="value of $__range")
    p.add_argument("--var", action="append", default=[], metavar="NAME=VALUE",
                   help="value of a dashboard variable (default: its All value)")
    p.add_argument("--timeout", type=float, default=10, help="HTTP timeout of one query")
    return p.parse_args(argv)


def iter_panels(panels):
    """Yields every panel, including those nested in (collapsed) rows."""
    for panel in panels or []:
        yield panel
        yield from iter_panels(panel.get("panels"))


def variable_values(dashboard, args):
    """Maps each variable name to the text that replaces it in queries."""
    values = {}
    for var in dashboard.get("templating", {}).get("list", []):
        kind, name = var.get("type"), var.get("name")
        if kind == "datasource" or not name:
            continue
        if kind in ("query", "custom"):
            values[name] = var.get("allValue") or ".*"
        elif kind in ("constant", "textbox"):
            values[name] = str(var.get("query", ""))
        elif kind == "interval":
            values[name] = (var.get("current") or {}).get("value") or args.rate_interval
    values.update({
        "__rate_interval": args.rate_interval, "__interval": args.interval,
        "__range": args.range, "__interval_ms": str(to_seconds(args.interval) * 1000),
        "__range_s": str(to_seconds(args.range)), "__range_ms": str(to_seconds(args.range) * 1000),
    })
    for item in args.var:
        name, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--var {item!r}: expected NAME=VALUE")
        values[name] = value
    return values


def to_seconds(duration):
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
    m = re.fullmatch(r"(\d+)(ms|s|m|h|d)", duration)
    if not m:
        raise SystemExit(f"cannot read duration {duration!r} (use e.g. 30s, 1m)")
    return int(int(m.group(1)) * units[m.group(2)])


def substitute(expr, values):
    unknown = []

    def repl(m):
        name = m.group(1) or m.group(2) or m.group(3)
        if name not in values:
            unknown.append(name)
            return m.group(0)
        return values[name]

    return VAR_RE.sub(repl, expr), unknown


def query(base_url, expr, timeout):
    """Returns (number of series, error text or None)."""
    url = base_url.rstrip("/") + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            body = json.load(resp)
    except urllib.error.HTTPError as e:  # 400/422: the query is invalid; the body says why
        try:
            body = json.load(e)
        except ValueError:
            return 0, f"HTTP {e.code}"
    except (urllib.error.URLError, OSError, ValueError) as e:
        return 0, f"Prometheus unreachable: {e}"
    if body.get("status") != "success":
        return 0, f"{body.get('errorType', 'error')}: {body.get('error', body)}"
    result = body.get("data", {}).get("result")
    if body["data"].get("resultType") == "scalar":
        return 1, None
    return len(result or []), None


def check_once(dashboard, values, args):
    """Returns (list of failure lines, number of panels checked, number of queries run)."""
    failures, n_panels, n_queries = [], 0, 0
    for panel in iter_panels(dashboard.get("panels")):
        if panel.get("type") in ("row", "text", "news", "dashlist"):
            continue
        n_panels += 1
        label = f"panel {panel.get('title', '?')!r} (id {panel.get('id')})"
        targets = [t for t in panel.get("targets", []) if t.get("expr") and not t.get("hide")]
        if not targets:
            failures.append(f"{label}: has no query")
            continue
        for target in targets:
            expr, unknown = substitute(target["expr"], values)
            where = f"{label} target {target.get('refId', '?')}"
            if unknown:
                failures.append(f"{where}: unknown variable(s) {', '.join(sorted(set(unknown)))}")
                continue
            n_queries += 1
            series, error = query(args.prometheus, expr, args.timeout)
            if error:
                failures.append(f"{where}: {error}\n    {expr}")
            elif series == 0:
                failures.append(f"{where}: no series\n    {expr}")
    return failures, n_panels, n_queries


def main(argv):
    args = parse_args(argv)
    with open(args.dashboard, encoding="utf-8") as f:
        dashboard = json.load(f)
    values = variable_values(dashboard, args)
    deadline = time.monotonic() + args.wait
    attempt = 0
    while True:
        attempt += 1
        failures, n_panels, n_queries = check_once(dashboard, values, args)
        if not failures:
            print(f"OK: {n_panels} panels, {n_queries} queries, every one returns data "
                  f"(attempt {attempt})")
            return 0
        if time.monotonic() + args.retry_every > deadline:
            break
        print(f"attempt {attempt}: {len(failures)} failing target(s), retrying", flush=True)
        time.sleep(args.retry_every)
    print(f"FAILED: {len(failures)} failing target(s) of {n_panels} panels "
          f"after {attempt} attempt(s):")
    for line in failures:
        print("  " + line)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
