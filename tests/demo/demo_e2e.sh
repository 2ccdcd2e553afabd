#!/usr/bin/env bash
# End to end: `scripts/demo --keep` on a throwaway cluster, then
#  1. the summary JSON has every promised key and every invariant is 0;
#  2. the demo's Prometheus loaded the alert rules and every dashboard panel's query
#     returns data (tests/deploy/check_dashboard.py);
# and `scripts/demo stop` stops everything (trap).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/blend-demo-e2e.XXXXXX)
export BLEND_CLUSTER_DIR=$work/cluster BLEND_CLUSTER_ENV=$work/cluster.env
export BLEND_DEMO_DIR=$work/demo BLEND_DEMO_ANY_PORTS=1
cleanup() {
  "$repo/scripts/demo" stop || true
  rm -rf "$work"
}
trap cleanup EXIT

# A day lasts 5 s here (the demo default is 20 s), so the run ends sooner.
"$repo/scripts/demo" --customers 200 --seed 7 --time-scale 0.00006 --keep --summary-json "$work/summary.json"
# shellcheck disable=SC1091
source "$work/demo/demo.env"

python3 - "$work/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
for key in ["started", "succeeded", "failed", "touches", "rate_limited_responses",
            "duplicate_touches", "touches_after_payment", "touches_outside_quiet_hours",
            "touches_after_opt_out", "calls_after_payment", "calls_after_opt_out",
            "calls_in_progress_at_payment", "withdrawn", "withdraw_latency_ms"]:
    assert key in s, f"summary lacks {key}"
assert set(s["withdraw_latency_ms"]) >= {"p50", "p99"}, s["withdraw_latency_ms"]
assert s["started"] == 200, s
for key in ["rate_limited_responses", "duplicate_touches", "touches_after_payment",
            "touches_outside_quiet_hours", "touches_after_opt_out", "calls_after_payment",
            "calls_after_opt_out", "failed"]:
    assert s[key] == 0, f"{key} = {s[key]}"
# DNC customers are emailed whatever the hour; some zone is always inside its SMS window.
assert s["touches"]["email"] > 0 and s["blocked_by_dnc"] > 0, s
assert s["touches"]["sms"] > 0, s
# Engagement history decides the first channel: both openings occur (seeded population).
assert s["first_channel"]["voice"] > 0 and s["first_channel"]["sms"] > 0, s["first_channel"]
assert s["succeeded"] + s["still_running"] == 200, s
print("summary ok:", {k: s[k] for k in ["started", "succeeded", "still_running", "touches"]})
PY

[ -n "$BLEND_PROMETHEUS_URL" ] || { echo "prometheus is not installed (scripts/setup installs it)"; exit 1; }
curl -sf "$BLEND_PROMETHEUS_URL/api/v1/rules" | python3 -c '
import json, sys
groups = json.load(sys.stdin)["data"]["groups"]
rules = [r["name"] for g in groups for r in g["rules"]]
assert rules, "no alert rules loaded"
print(len(rules), "alert rules loaded")'
python3 "$repo/tests/deploy/check_dashboard.py" --prometheus "$BLEND_PROMETHEUS_URL" \
  --dashboard "$repo/deploy/grafana/dashboards/blend.json" --wait 60
