#!/usr/bin/env bash
# The Kotlin soak: Pinwire's Kotlin API on the JVM under load, coroutine cancellation and faults against
# the real pinwire-testserver on 127.0.0.1 for a bounded time (bindings/kotlin/src/test/kotlin/dev/pinwire/soak).
#
# Usage: scripts/soak-kotlin.sh [SECONDS] [CONCURRENCY]   (defaults: 30 s, 64 concurrent; at most 2,000,000 calls)
#
# Ends with one line "N passed, N failed" (one per check: each kind of call ended as it must, every call
# within its timeout, every failure typed, no uncaught exception, fds/threads/connections back to baseline,
# the C heap Rust and JNA hold back to baseline after close, RSS and heap growth after warm-up < 16 MiB)
# and exits non-zero on any failure.
#
# Reuses the Kotlin suite's build (scripts/test-kotlin.sh, which runs just before it in scripts/test.sh):
# the compiled classes in bindings/kotlin/target and the test classpath Maven wrote there. It compiles
# (mvn process-test-classes) only when they are missing or older than the Kotlin sources, the pom or the
# Rust library. The cargo build below is a no-op after that suite. Respects CARGO_TARGET_DIR.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SECONDS_TO_RUN=${1:-30}
CONCURRENCY=${2:-64}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
case $TARGET in /*) ;; *) TARGET=$ROOT/$TARGET ;; esac
LIBDIR=$TARGET/debug
KOTLIN=$ROOT/bindings/kotlin
GENERATED=$KOTLIN/target/generated-sources/uniffi
MAIN_CLASS=$KOTLIN/target/test-classes/dev/pinwire/soak/SoakKt.class
CLASSPATH_FILE=$KOTLIN/target/test-classpath.txt

# shellcheck source=lib/suite-script.sh
. scripts/lib/suite-script.sh
# shellcheck source=lib/kotlin-build.sh
. scripts/lib/kotlin-build.sh
suite_script_begin soak-kotlin

case $SECONDS_TO_RUN$CONCURRENCY in *[!0-9]*) suite_script_fail "usage: scripts/soak-kotlin.sh [SECONDS] [CONCURRENCY]" ;; esac

ensure_jdk_and_maven
kotlin_build_native

kotlin_test_classes "$MAIN_CLASS"

# A fixed heap, touched at start: RSS then shows native growth (the Rust library, JNA), not the heap
# expanding; the heap itself is checked after GC. Native Memory Tracking (summary) tells the JVM's own
# malloc'd memory apart from Rust's and JNA's, for the C heap check. The soak bounds itself; the outer timeout only catches
# a wedged JVM (run time + settling + slack). The JNI request path blocks threads of Dispatchers.IO (one
# per call waiting for its head, up to the concurrency); idle ones end after the scheduler's keep-alive,
# 60 s by default, shortened here to 5 s so the threads check (which waits up to 15 s) sees the pool shrink
# back: a thread that does not end is still caught.
echo "==> soak (Kotlin): ${SECONDS_TO_RUN} s, ${CONCURRENCY} concurrent"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
timeout --kill-after=10 $((SECONDS_TO_RUN + 120)) \
    java -Xms256m -Xmx256m -XX:+AlwaysPreTouch -XX:+UseSerialGC -XX:NativeMemoryTracking=summary \
    -Dkotlinx.coroutines.scheduler.keep.alive.sec=5 \
    -Djna.library.path="$LIBDIR" -Dpinwire.testserver="$LIBDIR/pinwire-testserver" \
    -cp "$KOTLIN/target/test-classes:$KOTLIN/target/classes:$(cat "$CLASSPATH_FILE")" \
    dev.pinwire.soak.SoakKt --seconds "$SECONDS_TO_RUN" --concurrency "$CONCURRENCY" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
[ -n "$line" ] || suite_script_fail "the Kotlin soak exited with $status without a result line"
passed=$(echo "$line" | awk '{ print $1 }')
failed=$(echo "$line" | awk '{ print $3 }')
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1
fi
suite_script_finish "$passed" "$failed"
