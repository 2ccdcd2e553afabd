#!/usr/bin/env bash
# End to end: `scripts/chaos --profile short` on a throwaway cluster, then
#  1. the summary JSON has every promised key, and the faults really happened: every replica
#     killed at least twice, Kafka and PostgreSQL restarted once each, genesys-sim's 5xx,
#     latency, lost answers and 429 storm injected, each kill followed by readiness;
#  2. every invariant holds (and scripts/chaos exited 0).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/blend-chaos-e2e.XXXXXX)
export BLEND_CHAOS_DIR=$work/chaos
# On failure the logs, faults file and summary stay for a post-mortem.
cleanup() { if [ $? = 0 ]; then rm -rf "$work"; else echo "chaos_e2e: logs and summary kept in $work" >&2; fi; }
trap cleanup EXIT

rc=0
"$repo/scripts/chaos" --profile short --customers "${BLEND_CHAOS_CUSTOMERS:-200}" --seed 7 \
  --summary-json "$work/summary.json" || rc=$?
[ -f "$work/summary.json" ] || { echo "FAIL: scripts/chaos exited $rc without a summary"; exit 1; }

python3 - "$work/summary.json" "$rc" <<'PY'
import json, sys
s, rc = json.load(open(sys.argv[1])), int(sys.argv[2])
keys = ["faults", "lost_journeys", "stuck_journeys", "failed_journeys", "duplicate_touches",
        "unknown_touches", "touches_after_payment", "touches_after_opt_out",
        "touches_outside_quiet_hours", "recovery_seconds"]
missing = [k for k in keys if k not in s]
assert not missing, f"summary lacks {missing}"
assert set(s["recovery_seconds"]) >= {"p50", "max"}, s["recovery_seconds"]
by_service, by_kind = s["faults"]["by_service"], s["faults"]["by_kind"]
for name in ["orchestrator-1", "orchestrator-2", "sms-worker-1", "sms-worker-2", "dialer-worker-1",
             "dialer-worker-2", "email-worker-1", "email-worker-2"]:
    assert by_service.get(name, 0) >= 2, f"{name} killed {by_service.get(name, 0)} times: {by_service}"
assert by_kind.get("kafka_sigkill") == 1 and by_kind.get("postgresql_immediate_stop") == 1, by_kind
for kind in ["sim_error_5xx", "sim_latency", "sim_accepted_drop"]:
    assert by_kind.get(kind, 0) > 0, f"genesys-sim injected no {kind}: {by_kind}"
# The workers pause their shared quota on the first 429, so the storm may answer only a few.
assert by_kind.get("sim_storm_429_windows") == 1, by_kind
r = s["recovery_seconds"]
assert r["count"] >= 16 and r["unrecovered"] == 0 and 0 < r["p50"] <= r["max"], r
print("faults:", by_kind)
print("recovery:", r, "| unknown:", s["unknown_touches"], "bound", s["unknown_bound"],
      s["unknown_by_cause"])
broken = {k: s[k] for k in keys[1:-1] if k != "unknown_touches" and s[k] != 0}
if s["unknown_unexplained"] or s["unknown_touches"] > s["unknown_bound"]:
    broken["unknown_touches"] = s["unknown_touch_list"][:10]
for k in ["lost_journey_list", "stuck_journey_list", "failed_journey_list"]:
    if s[k]:
        print(k, json.dumps(s[k][:10], indent=1))
if s["violations"]:
    print("violations", json.dumps(s["violations"][:10], indent=1))
assert not broken, f"invariants broken: {broken}"
assert s["clean"] and rc == 0, f"scripts/chaos exited {rc}"
print("chaos: every invariant held")
PY
