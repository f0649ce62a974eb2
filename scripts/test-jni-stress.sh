#!/usr/bin/env bash
# The Kotlin API's JNI request path under stress, with the JVM checking every JNI call (-Xcheck:jni):
# 10,000 requests, 64 at a time, a third cancelled at random points, bodies read partly then closed,
# against the real pinwire-testserver on 127.0.0.1 (bindings/kotlin/src/test/kotlin/dev/pinwire/stress).
# The program checks that no handle leaked and the thread counts did not grow; this script adds one check:
# the JVM printed no JNI warning for these native methods.
#
# Usage: scripts/test-jni-stress.sh [REQUESTS] [CONCURRENCY]   (defaults: 10000, 64)
# Ends with one line "N passed, N failed". Reuses the Kotlin suite's build when it is up to date.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
REQUESTS=${1:-10000}
CONCURRENCY=${2:-64}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
case $TARGET in /*) ;; *) TARGET=$ROOT/$TARGET ;; esac
LIBDIR=$TARGET/debug
KOTLIN=$ROOT/bindings/kotlin
GENERATED=$KOTLIN/target/generated-sources/uniffi
MAIN_CLASS=$KOTLIN/target/test-classes/dev/pinwire/stress/JniStressKt.class
CLASSPATH_FILE=$KOTLIN/target/test-classpath.txt

# shellcheck source=lib/suite-script.sh
. scripts/lib/suite-script.sh
# shellcheck source=lib/kotlin-build.sh
. scripts/lib/kotlin-build.sh
suite_script_begin jni-stress

case $REQUESTS$CONCURRENCY in *[!0-9]*) suite_script_fail "usage: scripts/test-jni-stress.sh [REQUESTS] [CONCURRENCY]" ;; esac

ensure_jdk_and_maven
kotlin_build_native

kotlin_test_classes "$MAIN_CLASS"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
timeout --kill-after=10 300 \
    java -Xcheck:jni -Djna.library.path="$LIBDIR" -Dpinwire.testserver="$LIBDIR/pinwire-testserver" \
    -cp "$KOTLIN/target/test-classes:$KOTLIN/target/classes:$(cat "$CLASSPATH_FILE")" \
    dev.pinwire.stress.JniStressKt --requests "$REQUESTS" --concurrency "$CONCURRENCY" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
[ -n "$line" ] || suite_script_fail "the JNI stress program exited with $status without a result line"
passed=$(echo "$line" | awk '{ print $1 }')
failed=$(echo "$line" | awk '{ print $3 }')
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1
fi
# -Xcheck:jni reports misuse as "WARNING in native method: ...", local reference overflows as "WARNING:
# JNI local refs: ...", each followed by the stack whose first frame is the native method that did it, and
# aborts with "FATAL ERROR in native method". Ours are dev.pinwire.internal.NativeCalls; JNA's own native
# dispatch (the UniFFI calls that build the client) draws warnings too, reported here but not ours to fix.
read -r ours others < <(awk '
    /WARNING in native method|JNI local refs|FATAL ERROR in native method/ {
        if ((getline frame) > 0 && frame ~ /dev\.pinwire\.internal\.NativeCalls\./) ours++; else others++
    }
    END { print ours + 0, others + 0 }' "$log")
echo "    JNI warnings from JNA/UniFFI native methods (not the JNI request path): $others"
if [ "$ours" -eq 0 ]; then
    echo "PASS the JVM printed no JNI warning for the JNI request path under -Xcheck:jni"
    passed=$((passed + 1))
else
    echo "FAIL the JVM printed $ours JNI warnings for the JNI request path under -Xcheck:jni"
    failed=$((failed + 1))
fi
suite_script_finish "$passed" "$failed"
