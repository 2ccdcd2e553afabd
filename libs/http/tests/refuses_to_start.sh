#!/bin/sh
# Runs a service binary that must refuse to start: passes when it exits non-zero within 30 s
# and its stderr contains the expected text.
#   refuses_to_start.sh "<expected text>" <binary> [args...]
expected="$1"; shift
err=$(timeout 30 "$@" 2>&1 >/dev/null)
rc=$?
if [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ]; then
  echo "FAIL: '$*' exited $rc (expected a refusal)"; exit 1
fi
case "$err" in
  *"$expected"*) echo "ok: exit $rc: $(printf '%s' "$err" | grep -v '^{' | head -1)"; exit 0 ;;
esac
echo "FAIL: stderr does not mention '$expected':"; printf '%s\n' "$err"; exit 1
