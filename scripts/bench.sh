#!/usr/bin/env bash
# Benchmarks: Pinwire from Rust and from Kotlin on the JVM against plain reqwest, OkHttp and
# curl, all against one neutral nginx on 127.0.0.1. Prints a markdown table and writes it with the raw
# rounds to results/ (latest.md, latest.json, and a dated copy; results/ is not committed).
#
#   scripts/bench.sh                   # the whole run (~6 minutes warm on 2 shared cores)
#   BENCH_ROUNDS=3 BENCH_SECS=0.5 scripts/bench.sh   # shorter
#   BENCH_NO_JVM=1 / BENCH_NO_SWIFT=1 / BENCH_NO_CALLGRIND=1 scripts/bench.sh   # leave parts out
#   BENCH_KEEP=1 scripts/bench.sh      # keep the temporary directory (PKI, nginx.conf, callgrind files)
#
# Installs what is missing (root: apt-get for nginx, curl, valgrind, GNU time, binutils, a JDK 17 and
# Maven; Maven fetches OkHttp and the Kotlin toolchain from Maven Central), builds in release (respects
# CARGO_TARGET_DIR), generates the
# UniFFI Kotlin for bench/jvm, writes a test PKI and an nginx configuration into a temporary directory,
# runs nginx there as the invoking user's foreground process (no service, no daemon; pid and logs in the
# temporary directory), and stops it on exit. Benchmarks, not tests: nothing here passes or fails on a
# timing. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
case $TARGET in /*) ;; *) TARGET=$ROOT/$TARGET ;; esac
RELEASE=$TARGET/release
JVM=$ROOT/bench/jvm
START=$(date +%s)

say() { echo "==> $*" >&2; }
die() {
    echo "!! bench: $*" >&2
    exit 1
}

# --- tools ---------------------------------------------------------------------------------------------
command -v cargo >/dev/null 2>&1 || die "cargo is needed (a Rust toolchain, 1.88 or newer: the workspace rust-version)"
missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v curl >/dev/null 2>&1 || missing+=(curl)
[ -x /usr/bin/time ] || missing+=(time)
command -v strip >/dev/null 2>&1 || missing+=(binutils)
if [ -z "${BENCH_NO_CALLGRIND:-}" ]; then command -v valgrind >/dev/null 2>&1 || missing+=(valgrind); fi
if [ -z "${BENCH_NO_JVM:-}" ]; then
    command -v javac >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
    command -v mvn >/dev/null 2>&1 || missing+=(maven)
fi
if [ "${#missing[@]}" -gt 0 ]; then
    say "installing ${missing[*]}"
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq
        # policy-rc.d keeps Debian's nginx package from starting its system service.
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
            || die "apt-get could not install ${missing[*]}"
    else
        die "missing ${missing[*]}: install them (Debian: apt-get install ${missing[*]})"
    fi
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
# Debian's package may have started its own service on port 80; ours never touches it.

# --- build ---------------------------------------------------------------------------------------------
say "cargo build --release (pinwire-bench, uniffi-bindgen; then pinwire-ffi on its own)"
cargo build --release --locked -p pinwire-bench -p uniffi-bindgen
# On its own, as scripts/build-android.sh and build-xcframework.sh build what ships: built together with the
# bench's clients, Cargo would unify dependency features across them into a larger library (~0.3 MiB).
cargo build --release --locked -p pinwire-ffi
[ -f "$RELEASE/libpinwire_ffi.so" ] || die "$RELEASE/libpinwire_ffi.so was not built"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pinwire-bench.XXXXXX")
chmod 755 "$WORK" # nginx's worker (nobody, when started by root) reads the files served from here
NGINX_PID=
cleanup() {
    if [ -n "$NGINX_PID" ]; then
        kill "$NGINX_PID" 2>/dev/null || true
        wait "$NGINX_PID" 2>/dev/null || true
    fi
    if [ -n "${BENCH_KEEP:-}" ]; then
        echo "(kept $WORK)" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

# SRC DEST: a generated Swift file into bench/swift/generated/DEST, only when it changed (an unchanged API then
# does not rebuild the Swift modules).
swift_bench_install() {
    mkdir -p "$(dirname "$SWIFT_GENERATED/$2")"
    cmp -s "$1" "$SWIFT_GENERATED/$2" || cp "$1" "$SWIFT_GENERATED/$2"
}

JVM_ARGS=()
if [ -z "${BENCH_NO_JVM:-}" ]; then
    say "uniffi-bindgen (Kotlin) and mvn compile (bench/jvm: OkHttp, and dev.pinwire from bindings/kotlin)"
    GENERATED=$JVM/target/generated-sources/uniffi
    rm -rf "$GENERATED"
    if "$RELEASE/uniffi-bindgen" generate --library "$RELEASE/libpinwire_ffi.so" --language kotlin --no-format \
        --out-dir "$GENERATED" >/dev/null \
        && mvn -B -q --no-transfer-progress -Dstyle.color=never -f "$JVM/pom.xml" compile dependency:build-classpath \
            -Dmdep.outputFile="$JVM/target/classpath.txt"; then
        JVM_ARGS=(--jvm-cp "$JVM/target/classes:$(cat "$JVM/target/classpath.txt")" --jna-path "$RELEASE")
    else
        echo "!! the JVM clients did not build (is bindings/kotlin compiling?): running without them" >&2
    fi
fi

SWIFT_ARGS=()
if [ -z "${BENCH_NO_SWIFT:-}" ]; then
    # The Swift API on Linux, over the C ABI of the same release library: built and run in the Swift chroot
    # (scripts/swift-chroot.sh; reused when it exists, set up otherwise, which needs root and ~3 min).
    SWIFT_PACKAGE=$ROOT/bench/swift
    SWIFT_GENERATED=$SWIFT_PACKAGE/generated
    SWIFT_BUILD=$TARGET/swift-bench
    # shellcheck source=scripts/swift-chroot.sh
    source scripts/swift-chroot.sh
    swift_out=$WORK/swift-bindings
    if ! swift_chroot_setup; then
        echo "!! no Swift chroot ($SWIFT_CHROOT could not be set up): running without the Swift client" >&2
    elif say "uniffi-bindgen (Swift) and swift build -c release (bench/swift, in the chroot)" \
        && "$RELEASE/uniffi-bindgen" generate --library "$RELEASE/libpinwire_ffi.so" --language swift \
            --out-dir "$swift_out" >/dev/null \
        && swift_bench_install "$swift_out/PinwireFFI.h" PinwireFFI/PinwireFFI.h \
        && swift_bench_install "$swift_out/PinwireFFI.modulemap" PinwireFFI/module.modulemap \
        && swift_bench_install "$swift_out/PinwireBindings.swift" PinwireBindings/PinwireBindings.swift \
        && mkdir -p "$SWIFT_GENERATED/lib" && ln -sfn "$RELEASE/libpinwire_ffi.so" "$SWIFT_GENERATED/lib/libpinwire_ffi.so" \
        && swift_chroot_run --bind "$TARGET" -- swift build -c release --package-path "$SWIFT_PACKAGE" \
            --scratch-path "$SWIFT_BUILD" >&2; then
        # The orchestrator starts `PROGRAM client pinwire-swift DIR`: this program runs the client in the chroot,
        # with the target and the bench directory mounted at their own paths.
        cat >"$WORK/swift-client.sh" <<EOF
#!/usr/bin/env bash
source "$ROOT/scripts/swift-chroot.sh"
swift_chroot_run --bind "$TARGET" --bind "$WORK" -- "$SWIFT_BUILD/release/PinwireBench" "\$@"
EOF
        chmod +x "$WORK/swift-client.sh"
        SWIFT_ARGS=(--swift-client "$WORK/swift-client.sh")
    else
        echo "!! the Swift client did not build: running without it" >&2
    fi
fi

# --- server --------------------------------------------------------------------------------------------
say "test PKI, content and nginx.conf in $WORK"
"$RELEASE/pinwire-bench" setup "$WORK" >/dev/null
"$NGINX" -p "$WORK" -e "$WORK/nginx-error.log" -c "$WORK/nginx.conf" &
NGINX_PID=$!
H2=$(sed -n 's/.*"h2": *\([0-9]*\).*/\1/p' "$WORK/bench.json")
for _ in $(seq 50); do
    curl -q -sf -o /dev/null --cacert "$WORK/root.pem" --resolve "bench.pinwire.test:$H2:127.0.0.1" \
        "https://bench.pinwire.test:$H2/small" && break
    kill -0 "$NGINX_PID" 2>/dev/null || die "nginx did not start: $(cat "$WORK/nginx-error.log" 2>/dev/null)"
    sleep 0.1
done
say "$("$NGINX" -v 2>&1) on 127.0.0.1 (pid $NGINX_PID)"

# --- run -----------------------------------------------------------------------------------------------
RUN_ARGS=(--out "$ROOT/results" --rounds "${BENCH_ROUNDS:-7}" --secs "${BENCH_SECS:-1}"
    --cdylib "$RELEASE/libpinwire_ffi.so")
[ -n "${BENCH_WARMUP_SECS:-}" ] && RUN_ARGS+=(--warmup-secs "$BENCH_WARMUP_SECS")
[ -n "${BENCH_NO_CALLGRIND:-}" ] && RUN_ARGS+=(--no-callgrind)
# The size figure breaks .text down by crate from the symbol table (nm), as `cargo bloat --crates` would:
# cargo bloat refuses pinwire-ffi, whose crate-type is cdylib and staticlib at once.
"$RELEASE/pinwire-bench" run "$WORK" "${RUN_ARGS[@]}" "${JVM_ARGS[@]}" "${SWIFT_ARGS[@]}"
say "results/latest.md, results/latest.json ($(($(date +%s) - START)) s in all)"
