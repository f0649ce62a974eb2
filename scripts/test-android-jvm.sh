#!/usr/bin/env bash
# The Android validator on the desktop JVM: runs the Rust and JNI code of core/src/trust/platform/android.rs
# and bindings/src/android.rs (otherwise only type-checked, by scripts/check-android.sh) under -Xcheck:jni,
# against the Android library's real Kotlin (bindings/android/src/main/kotlin) and Java stand-ins of the
# Android classes it uses; the stand-in trust manager validates with the JDK's PKIX trust manager over a
# trust store holding the run's test root. See bindings/android/jvm-test/src/lib.rs.
#
#   1. cargo build -p pinwire-android-jvm-test --features jvm (a cdylib; pinwire gets its test-only
#      `android-jvm-test` feature in this build only), and clippy on the same
#   2. mvn compile in bindings/android/jvm-test: the Kotlin and the Java (Maven fetches the Kotlin
#      compiler from Maven Central into ~/.m2 on first use); javac of the launcher
#   3. java -Xcheck:jni: the test's classes loaded by their own class loader (launcher/Launcher.java), the
#      library on java.library.path as libpinwire_ffi.so, the name Pinwire.init loads
#
# Every check prints "PASS name" or "FAIL name: detail"; anything -Xcheck:jni reports is one more failure.
# Ends with one line "N passed, N failed" and exits non-zero on any failure. Needs cargo, a JDK 17+ and
# Maven (installed with apt-get on Debian when missing). Respects CARGO_TARGET_DIR (default: target/); the
# JVM gets PINWIRE_ANDROID_JVM_TIMEOUT seconds (default 300). About 15 s warm; the first run also compiles
# the dependencies once for this package's feature set (it differs from the workspace's, e.g. tokio
# without test-util).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
case $TARGET in /*) ;; *) TARGET=$ROOT/$TARGET ;; esac
TEST=$ROOT/bindings/android/jvm-test
# Build output, all under Maven's target/ (ignored by git).
OUT=$TEST/target
JVM_TIMEOUT=${PINWIRE_ANDROID_JVM_TIMEOUT:-300}
# shellcheck source=lib/suite-script.sh
. scripts/lib/suite-script.sh
suite_script_begin android-jvm

# --- tools -----------------------------------------------------------------------------------------
ensure_jdk_and_maven

# --- Rust: the JNI library -------------------------------------------------------------------------------
# Built on its own: in a workspace build the `jvm` feature would reach every crate built alongside.
cargo_args=(-p pinwire-android-jvm-test --features jvm --locked)
echo "==> cargo build ${cargo_args[*]}"
cargo build "${cargo_args[@]}" || suite_script_fail "cargo build failed"
LIBRARY=$TARGET/debug/libpinwire_android_jvm_test.so
[ -f "$LIBRARY" ] || suite_script_fail "$LIBRARY was not built"
# The workspace's clippy sees this crate without the feature, i.e. empty.
echo "==> cargo clippy ${cargo_args[*]}"
cargo clippy "${cargo_args[@]}" -- -D warnings || suite_script_fail "clippy found problems in the JVM test's Rust code"

# --- JVM side: the Kotlin under test, the stand-ins, the driver, the launcher ------------------------------
echo "==> mvn compile (bindings/android/jvm-test)"
mvn -B -q --no-transfer-progress -Dstyle.color=never -f "$TEST/pom.xml" compile 2>&1 | sed -u "s/\x1b\[[0-9;]*m//g"
[ "${PIPESTATUS[0]}" -eq 0 ] || suite_script_fail "mvn compile failed"
[ -s "$OUT/classpath.txt" ] || suite_script_fail "Maven wrote no $OUT/classpath.txt"
rm -rf "$OUT/launcher"
javac -d "$OUT/launcher" "$TEST/launcher/Launcher.java" || suite_script_fail "javac of the launcher failed"
mkdir -p "$OUT/native"
ln -sfn "$LIBRARY" "$OUT/native/libpinwire_ffi.so"

# --- run ---------------------------------------------------------------------------------------------
echo "==> java -Xcheck:jni (AndroidJvmTest)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# In $OUT, so that a crash's hs_err file lands there. The class path of the JVM is the launcher alone.
(cd "$OUT" && timeout "$JVM_TIMEOUT" java -Xcheck:jni -Djava.library.path="$OUT/native" \
    -cp "$OUT/launcher" Launcher "$OUT/classes:$(cat "$OUT/classpath.txt")") 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

passed=$(grep -c '^PASS ' "$log")
failed=$(grep -c '^FAIL ' "$log")
# HotSpot's JNI checker warns (and goes on) or reports a fatal error (and aborts) on JNI misuse: a local
# frame overflowing, a call with an exception pending, a bad reference.
if grep -qE 'WARNING in native method|WARNING: JNI|FATAL ERROR in native method' "$log"; then
    echo "FAIL -Xcheck:jni reported JNI misuse (above)"
    failed=$((failed + 1))
else
    echo "PASS -Xcheck:jni reported nothing"
    passed=$((passed + 1))
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    echo "!! android-jvm: the JVM exited with $status"
    failed=1
fi
suite_script_finish "$passed" "$failed"
