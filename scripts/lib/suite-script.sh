# Shared by the suite scripts (test-kotlin.sh, test-android-jvm.sh, test-swift.sh): each ends with one
# "N passed, N failed" line (what scripts/test.sh sums) and its time, and exits non-zero unless it passed.

# shellcheck source=lib/prefetch.sh
. "$(dirname "${BASH_SOURCE[0]}")/prefetch.sh"

# NAME: starts the suite's clock.
suite_script_begin() {
    suite_script_name=$1
    suite_script_started=$SECONDS
}

# Prints the suite's time and "PASSED passed, FAILED failed"; exits 0 only when tests ran and none failed.
suite_script_finish() {
    echo "==> $suite_script_name: $((SECONDS - suite_script_started)) s"
    echo "$1 passed, $2 failed"
    [ "$2" -eq 0 ] && [ "$1" -gt 0 ]
    exit $?
}

# A step before or around the tests failed: counted as one failure.
suite_script_fail() {
    echo "!! $suite_script_name: $*"
    suite_script_finish 0 1
}

# The JVM suites' tools: a JDK 17+ and Maven, installed with apt-get (as root) when missing; then waits for
# the background prefetch of Maven artifacts (scripts/prefetch.sh), if one is running.
ensure_jdk_and_maven() {
    local missing=()
    command -v javac >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
    command -v mvn >/dev/null 2>&1 || missing+=(maven)
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "==> installing ${missing[*]}"
        prefetch_wait apt
        if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
            apt-get -o DPkg::Lock::Timeout=600 update -qq &&
                DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
                    --no-install-recommends "${missing[@]}" ||
                suite_script_fail "apt-get could not install ${missing[*]}"
        else
            suite_script_fail "missing ${missing[*]} (install a JDK 17+ and Maven)"
        fi
    fi
    prefetch_wait maven
}

# LOG STATUS: finishes a Maven suite from Surefire's totals in LOG ("Tests run: N, Failures: F, Errors: E,
# Skipped: S", one per module of a reactor, summed; the per-class lines add "Time elapsed") and Maven's exit
# STATUS.
suite_script_finish_surefire() {
    local totals run failures errors skipped passed failed
    totals=$(sed 's/\x1b\[[0-9;]*m//g' "$1" | grep -E 'Tests run: [0-9]+, Failures: [0-9]+, Errors: [0-9]+, Skipped: [0-9]+$')
    [ -n "$totals" ] || suite_script_fail "Maven exited with $2 before Surefire reported (compilation failed?)"
    read -r run failures errors skipped < <(echo "$totals" \
        | sed -E 's/.*Tests run: ([0-9]+), Failures: ([0-9]+), Errors: ([0-9]+), Skipped: ([0-9]+)$/\1 \2 \3 \4/' \
        | awk '{ r += $1; f += $2; e += $3; s += $4 } END { print r, f, e, s }')
    passed=$((run - failures - errors - skipped))
    failed=$((failures + errors))
    if [ "$2" -ne 0 ] && [ "$failed" -eq 0 ]; then
        echo "!! $suite_script_name: Maven exited with $2"
        failed=1
    fi
    suite_script_finish "$passed" "$failed"
}
