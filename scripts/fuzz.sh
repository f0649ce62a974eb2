#!/usr/bin/env bash
# Fuzzes each pin-configuration parser for a bounded time and fails on any crash, panic or broken
# round trip (the targets assert that what imports also exports and imports back the same).
#
#   scripts/fuzz.sh                 # every target, FUZZ_SECONDS each (default 60), FUZZ_JOBS at a time (nproc)
#   FUZZ_SECONDS=20 scripts/fuzz.sh nsc_xml pin_string
#
# cargo-fuzz needs nightly-only compiler flags (-Zsanitizer=address); no nightly toolchain is
# installed, so the stable compiler is told to accept them with RUSTC_BOOTSTRAP=1.
# Crash inputs are kept in fuzz/artifacts/<target>/; the corpus grows in fuzz/corpus/<target>/, seeded
# from core/tests/fixtures (including the hostile ones: billion-laughs files in every XML format).
#
# Per-input bounds (docs/config-import.md): an importer reads at most 1 MiB and never expands an
# entity, so one input gets 1 s, 512 MB of RSS (ASan's own overhead included) and no single
# allocation above 64 MB. An entity blow-up of even a few hundred megabytes fails the run.
set -euo pipefail

cd "$(dirname "$0")/.."
FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
ALL_TARGETS=(pinwire_json nsc_xml trustkit_plist trustkit_json pin_string)
if [ "$#" -gt 0 ]; then TARGETS=("$@"); else TARGETS=("${ALL_TARGETS[@]}"); fi
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

# Seed each corpus with the test fixtures of its format.
FIX=core/tests/fixtures
seed() {
    local target=$1 name=$2 prefix=$3 file=$4
    mkdir -p "fuzz/corpus/$target"
    { printf "$prefix"; cat "$file"; } >"fuzz/corpus/$target/seed-$name"
}
for f in "$FIX"/pinwire/*.json "$FIX"/nsc/*.json "$FIX"/trustkit/*.pinwire.json; do
    seed pinwire_json "$(basename "$f")" "" "$f"
done
for f in "$FIX"/nsc/*.xml "$FIX"/trustkit/*.xml; do
    # The first byte selects targetSdk 34/23, debuggable, and the TrustKit-Android reader.
    seed nsc_xml "0-$(basename "$f")" '\000' "$f"
    seed nsc_xml "6-$(basename "$f")" '\006' "$f"
done
# Real files as apps ship them (core/tests/fixtures/corpus).
find "$FIX/corpus" -name '*.xml' | while read -r f; do
    name=$(printf '%s' "$f" | cksum | cut -d' ' -f1)
    seed nsc_xml "0-corpus-$name" '\000' "$f"
    seed nsc_xml "6-corpus-$name" '\006' "$f"
done
for f in "$FIX"/hostile/*.xml; do
    seed nsc_xml "0-$(basename "$f")" '\000' "$f"
    seed nsc_xml "4-$(basename "$f")" '\004' "$f"
done
seed trustkit_plist Info.plist "" "$FIX/trustkit/Info.plist"
for f in "$FIX"/hostile/*.plist; do
    seed trustkit_plist "$(basename "$f")" "" "$f"
done
for f in "$FIX"/trustkit/*.json; do
    case $f in *.pinwire.json) continue ;; esac
    seed trustkit_json "$(basename "$f")" "" "$f"
done
mkdir -p fuzz/corpus/pin_string
grep -rhoE '(sha256/)?[A-Za-z0-9+/]{43}=' "$FIX" | sort -u | head -n 20 | while read -r pin; do
    printf '%s' "$pin" >"fuzz/corpus/pin_string/seed-$(printf '%s' "$pin" | cksum | cut -d' ' -f1)"
done
for pattern in 'example.com' '*.example.com' '**.example.com' '*.com' 'bücher.example' '[::1]'; do
    printf '%s' "$pattern" >"fuzz/corpus/pin_string/seed-$(printf '%s' "$pattern" | cksum | cut -d' ' -f1)"
done

echo "fuzz: building ${#TARGETS[@]} target(s)"
(cd fuzz && cargo fuzz build)

# The targets run side by side, as many at a time as there are cores (FUZZ_JOBS): libFuzzer uses one core
# each, so on a 2-core machine two targets fuzz for FUZZ_SECONDS in the wall time of one.
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
fuzz_target() {
    local target=$1 start
    start=$(date +%s)
    if (cd fuzz && cargo fuzz run "$target" "corpus/$target" -- \
        -max_total_time="$FUZZ_SECONDS" -timeout=1 -rss_limit_mb=512 -malloc_limit_mb=64 -print_final_stats=1) \
        >"$logs/$target.log" 2>&1; then
        echo "ok $(($(date +%s) - start))" >"$logs/$target.status"
    else
        echo "failed $(($(date +%s) - start))" >"$logs/$target.status"
    fi
}
echo "fuzz: ${#TARGETS[@]} target(s) for ${FUZZ_SECONDS}s each, $jobs at a time"
running=0
for target in "${TARGETS[@]}"; do
    if [ "$running" -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
    fi
    fuzz_target "$target" &
    running=$((running + 1))
done
wait

failed=()
for target in "${TARGETS[@]}"; do
    # libFuzzer's closing statistics, and everything when it failed.
    read -r result took <"$logs/$target.status" 2>/dev/null || result=failed
    if [ "$result" = ok ]; then
        grep -E '^(stat::|Done |#[0-9]+ +DONE)' "$logs/$target.log" | sed "s/^/fuzz: $target: /"
        echo "fuzz: $target ok (${took}s)"
    else
        cat "$logs/$target.log" >&2
        echo "fuzz: $target FAILED; crash inputs in fuzz/artifacts/$target/" >&2
        failed+=("$target")
    fi
done

passed=$((${#TARGETS[@]} - ${#failed[@]}))
echo "fuzz: ${passed} passed, ${#failed[@]} failed"
[ "${#failed[@]}" -eq 0 ]
