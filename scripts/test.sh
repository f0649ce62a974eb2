#!/usr/bin/env bash
# Runs every test suite of the project and ends with one line summing them: "N passed, N failed".
# Usage: scripts/test.sh            (lint + all suites)
# Exits non-zero if a lint step or any test failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
source scripts/lib/suites.sh

suite_begin
# Downloads and unpacking in the background while the Rust builds keep the cores busy (scripts/prefetch.sh).
if [ -z "${PINWIRE_NO_PREFETCH:-}" ]; then
    source scripts/lib/prefetch.sh
    mkdir -p "$PREFETCH_DIR"
    echo "==> prefetch in the background (log: $PREFETCH_DIR/prefetch.log)"
    scripts/prefetch.sh >"$PREFETCH_DIR/prefetch.log" 2>&1 &
fi
run_step "cargo fmt --check" cargo fmt --all --check
run_step "cargo clippy" cargo clippy --workspace --all-targets --locked -- -D warnings
run_suite_script "docs" scripts/check-docs.sh
run_cargo_tests "rust" cargo test --workspace --locked
run_suite_script "soak" scripts/soak.sh 60
run_suite_script "kotlin" scripts/test-kotlin.sh
run_suite_script "jni-stress" scripts/test-jni-stress.sh
run_suite_script "soak-kotlin" scripts/soak-kotlin.sh 30
run_suite_script "react-native" scripts/test-react-native.sh
run_suite_script "react-native-android" scripts/test-react-native-android.sh
run_suite_script "flutter" scripts/test-flutter.sh
run_suite_script "android-jvm" scripts/test-android-jvm.sh
run_suite_script "swift" scripts/test-swift.sh
run_suite_script "android-check" scripts/check-android.sh
run_suite_script "ios-check" scripts/check-ios.sh
run_suite_script "artifacts" scripts/test-artifacts.sh
if [ -n "${FUZZ_SECONDS:-}" ]; then
    # CI sets FUZZ_SECONDS (30 per target); locally: FUZZ_SECONDS=20 scripts/test.sh
    run_suite_script "fuzz" scripts/fuzz.sh
else
    echo "==> fuzz: skipped (set FUZZ_SECONDS to fuzz every config parser for that long)"
fi
if [ -z "${PINWIRE_NO_PREFETCH:-}" ]; then
    wait
    echo "==> prefetch"
    grep -E '^prefetch: .* (done|failed|not root)' "$PREFETCH_DIR/prefetch.log" | sed 's/^/    /'
fi
suite_end
