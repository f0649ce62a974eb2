#!/usr/bin/env bash
# The soak: Pinwire's Rust client under load, cancellation and faults against the test servers on
# 127.0.0.1 for a bounded time (testserver/src/soak, the `pinwire-soak` binary).
#
# Usage: scripts/soak.sh [SECONDS] [CONCURRENCY]    (defaults: 60 s, 64 concurrent; at most 2,000,000 calls)
#
# Ends with one line "N passed, N failed" (one per check: each kind of call ended as it must, every call
# within its timeout, fds/threads/pooled connections back to baseline, RSS growth after warm-up < 16 MiB,
# no panic) and exits non-zero on any failure. Builds with the dev profile, which the Rust suite has
# already built most of. Respects CARGO_TARGET_DIR.
set -uo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-60}
CONCURRENCY=${2:-64}
# shellcheck source=lib/suite-script.sh
. scripts/lib/suite-script.sh
suite_script_begin soak

case $SECONDS_TO_RUN$CONCURRENCY in *[!0-9]*) suite_script_fail "usage: scripts/soak.sh [SECONDS] [CONCURRENCY]" ;; esac

# The workspace build the other suites make: one feature set, so no dependency is compiled twice.
echo "==> soak: cargo build --workspace --all-targets (pinwire-soak)"
cargo build --locked --workspace --all-targets || suite_script_fail "cargo build failed"
TARGET=${CARGO_TARGET_DIR:-target}

# The soak bounds itself; the outer timeout only catches a wedged process (run time + settling + slack).
log=$(mktemp)
timeout --kill-after=10 $((SECONDS_TO_RUN + 120)) \
    "$TARGET/debug/pinwire-soak" --seconds "$SECONDS_TO_RUN" --concurrency "$CONCURRENCY" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
rm -f "$log"
[ -n "$line" ] || suite_script_fail "pinwire-soak exited with $status without a result line"
passed=$(echo "$line" | awk '{ print $1 }')
failed=$(echo "$line" | awk '{ print $3 }')
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1
fi
suite_script_finish "$passed" "$failed"
