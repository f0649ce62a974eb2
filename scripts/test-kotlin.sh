#!/usr/bin/env bash
# The Kotlin suite on the JVM: builds libpinwire_ffi (dev profile) and pinwire-testserver, generates the
# UniFFI Kotlin bindings (workspace uniffi-bindgen, library mode), then runs the JUnit 5 tests of
# bindings/kotlin with Maven against the real test server on 127.0.0.1.
#
# Ends with one line "N passed, N failed" (from Surefire's totals) and exits non-zero if anything failed.
# Needs: cargo, a JDK 17+ and Maven (installed with apt-get on Debian when missing); Maven fetches the
# Kotlin compiler, kotlinx-coroutines, JNA and JUnit from Maven Central into ~/.m2 on first use.
# Respects CARGO_TARGET_DIR (default: <repo>/target).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
case $TARGET in /*) ;; *) TARGET=$ROOT/$TARGET ;; esac
LIBDIR=$TARGET/debug
KOTLIN=$ROOT/bindings/kotlin
GENERATED=$KOTLIN/target/generated-sources/uniffi

# shellcheck source=lib/suite-script.sh
. scripts/lib/suite-script.sh
suite_script_begin kotlin

# --- tools -----------------------------------------------------------------------------------------
ensure_jdk_and_maven

# --- Rust: the library and the test server -------------------------------------------------------------
# --all-targets resolves features as `cargo test --workspace` does, so after the Rust suite nothing is
# rebuilt here (a plain `cargo build -p ...` would build tokio & co. a second time without test-util).
echo "==> cargo build (libpinwire_ffi, pinwire-testserver, uniffi-bindgen)"
cargo build --locked --workspace --all-targets || suite_script_fail "cargo build failed"
[ -f "$LIBDIR/libpinwire_ffi.so" ] || suite_script_fail "$LIBDIR/libpinwire_ffi.so was not built"
[ -x "$LIBDIR/pinwire-testserver" ] || suite_script_fail "$LIBDIR/pinwire-testserver was not built"
[ -x "$LIBDIR/uniffi-bindgen" ] || suite_script_fail "$LIBDIR/uniffi-bindgen was not built"

# --- the generated Kotlin (build output, never committed) -----------------------------------------------
# The binary the workspace build just made: `cargo run -p uniffi-bindgen` alone would resolve uniffi's
# features for that one package and build uniffi a second time (~3 min cold).
echo "==> uniffi-bindgen generate --library libpinwire_ffi.so --language kotlin"
rm -rf "$GENERATED"
"$LIBDIR/uniffi-bindgen" generate --library "$LIBDIR/libpinwire_ffi.so" \
    --language kotlin --no-format --out-dir "$GENERATED" || suite_script_fail "uniffi-bindgen failed"
[ -f "$GENERATED/dev/pinwire/ffi/pinwire_ffi.kt" ] \
    || suite_script_fail "no dev/pinwire/ffi/pinwire_ffi.kt: is bindings/uniffi.toml's package_name read?"

# --- Maven: compile and test ---------------------------------------------------------------------------
echo "==> mvn test (bindings/kotlin)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
mvn -B --no-transfer-progress -Dstyle.color=never -f "$KOTLIN/pom.xml" test \
    -Djna.library.path="$LIBDIR" -Dpinwire.testserver="$LIBDIR/pinwire-testserver" 2>&1 \
    | sed -u "s/\x1b\[[0-9;]*m//g" | tee "$log"
status=${PIPESTATUS[0]}

suite_script_finish_surefire "$log" "$status"
