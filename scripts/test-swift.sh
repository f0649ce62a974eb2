#!/usr/bin/env bash
# The Swift suite: the `Pinwire` Swift module (bindings/swift) against the real pinwire-testserver, run with
# Swift on Linux inside a Debian trixie chroot (scripts/swift-chroot.sh; Debian 12 has no Swift package).
#
#   1. the chroot (created once, then reused from /var/cache/pinwire/swift-trixie or $PINWIRE_SWIFT_CHROOT)
#   2. cargo build (dev profile, host toolchain): pinwire-ffi, pinwire-testserver, uniffi-bindgen, pinwire-cli
#      (the `pinwire` tool signs the update documents of the tests)
#   3. uniffi-bindgen in library mode -> bindings/swift/linux-tests/generated/ (build output, not committed)
#   4. swift test in the chroot (bindings/swift/linux-tests, build directory under the cargo target dir)
#
# Ends with one line "N passed, N failed" counted from swift test's output; exits non-zero on any failure.
# Needs root (chroot). Respects CARGO_TARGET_DIR (default: target/ in the repository).
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
# shellcheck source=scripts/swift-chroot.sh
source scripts/swift-chroot.sh

TARGET=${CARGO_TARGET_DIR:-$REPO/target}
case $TARGET in /*) ;; *) TARGET=$REPO/$TARGET ;; esac
PACKAGE=bindings/swift/linux-tests
GENERATED=$PACKAGE/generated
SWIFT_TEST_TIMEOUT=${PINWIRE_SWIFT_TEST_TIMEOUT:-1200}
# shellcheck source=lib/suite-script.sh
. scripts/lib/suite-script.sh
suite_script_begin swift

echo "==> swift: chroot ($SWIFT_CHROOT)"
swift_chroot_setup || suite_script_fail "could not set up the Swift chroot"

# The workspace build the other suites make (pinwire-ffi, the test server, uniffi-bindgen, the CLI): one
# feature set, so no dependency is compiled twice.
echo "==> swift: cargo build --workspace --all-targets"
CARGO_TARGET_DIR=$TARGET cargo build --locked --workspace --all-targets ||
    suite_script_fail "cargo build failed"

echo "==> swift: uniffi-bindgen generate --language swift"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$TARGET/debug/uniffi-bindgen" generate --library "$TARGET/debug/libpinwire_ffi.so" --language swift \
    --out-dir "$out" || suite_script_fail "uniffi-bindgen failed"
for file in PinwireBindings.swift PinwireFFI.h PinwireFFI.modulemap; do
    [ -f "$out/$file" ] || suite_script_fail "uniffi-bindgen did not write $file (bindings/uniffi.toml [bindings.swift])"
done
# Files are replaced only when they changed, so that an unchanged API does not rebuild the Swift modules.
install_if_changed() {
    cmp -s "$1" "$2" || cp "$1" "$2"
}
mkdir -p "$GENERATED/PinwireFFI" "$GENERATED/PinwireBindings" "$GENERATED/lib"
install_if_changed "$out/PinwireFFI.h" "$GENERATED/PinwireFFI/PinwireFFI.h"
install_if_changed "$out/PinwireFFI.modulemap" "$GENERATED/PinwireFFI/module.modulemap"
install_if_changed "$out/PinwireBindings.swift" "$GENERATED/PinwireBindings/PinwireBindings.swift"
ln -sfn "$TARGET/debug/libpinwire_ffi.so" "$GENERATED/lib/libpinwire_ffi.so"

echo "==> swift: swift test (in the chroot)"
log=$(mktemp)
trap 'rm -rf "$out" "$log"' EXIT
timeout -k 10 "$SWIFT_TEST_TIMEOUT" bash -c '
    source scripts/swift-chroot.sh
    swift_chroot_run --bind "$1" -- env PINWIRE_TESTSERVER="$1/debug/pinwire-testserver" \
        swift test --package-path "$2" --scratch-path "$1/swift-build"
' swift-test "$TARGET" "$REPO/$PACKAGE" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Swift Testing prints "✔ Test name() passed after ..." and "✘ Test name() failed after ..." per test, then a
# "Test run with N tests ..." summary (not counted). A test that started and never finished (a crash) fails.
passed=$(grep -E '^✔ Test .* passed after' "$log" | grep -cv '^✔ Test run with')
failed=$(grep -E '^✘ Test .* failed after' "$log" | grep -cv '^✘ Test run with')
started_tests=$(grep -E '^◇ Test .* started\.$' "$log" | grep -cv '^◇ Test run started')
unfinished=$((started_tests - passed - failed))
[ "$unfinished" -gt 0 ] && failed=$((failed + unfinished))
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    [ "$status" -eq 124 ] && echo "!! swift: swift test timed out after $SWIFT_TEST_TIMEOUT s"
    echo "!! swift: swift test exited with $status"
    failed=1
fi
suite_script_finish "$passed" "$failed"
