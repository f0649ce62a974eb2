# Shared by the test scripts: runs suites, collects their pass/fail counts, prints the closing line.
# Each suite reports its counts with `record NAME PASSED FAILED`.

suite_begin() {
    TOTAL_PASSED=0
    TOTAL_FAILED=0
    STEP_FAILURES=()
    SUMMARY=()
}

record() {
    local name=$1 passed=$2 failed=$3 seconds=${4:-}
    TOTAL_PASSED=$((TOTAL_PASSED + passed))
    TOTAL_FAILED=$((TOTAL_FAILED + failed))
    SUMMARY+=("$(printf '%-20s %5d passed, %d failed%s' "$name" "$passed" "$failed" "${seconds:+ ($seconds s)}")")
}

# A step that has no test counts (lint, build): its failure fails the run.
run_step() {
    local label=$1 start=$SECONDS
    shift
    echo "==> $label"
    if ! "$@"; then
        echo "!! step failed: $label"
        STEP_FAILURES+=("$label")
    fi
    SUMMARY+=("$(printf '%-20s step (%d s)' "$label" $((SECONDS - start)))")
}

# Runs a cargo test command, echoing its output, and records the sum of its "test result" lines.
run_cargo_tests() {
    local name=$1 start=$SECONDS
    shift
    echo "==> $name: $*"
    local log
    log=$(mktemp)
    "$@" 2>&1 | tee "$log"
    local status=${PIPESTATUS[0]}
    local passed failed
    passed=$(awk '/^test result:/ { for (i = 1; i < NF; i++) if ($(i + 1) ~ /^passed/) n += $i } END { print n + 0 }' "$log")
    failed=$(awk '/^test result:/ { for (i = 1; i < NF; i++) if ($(i + 1) ~ /^failed/) n += $i } END { print n + 0 }' "$log")
    if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
        # The build failed or a test binary crashed: count it as a failure so it cannot pass silently.
        failed=1
        echo "!! $name: cargo exited with $status"
    fi
    record "$name" "$passed" "$failed" $((SECONDS - start))
    rm -f "$log"
}

# Runs a script that ends its output with a line "N passed, N failed" (the Kotlin and Swift suites) and
# records those counts. A script that exits non-zero without reporting a failure counts as one failure.
run_suite_script() {
    local name=$1 start=$SECONDS
    shift
    echo "==> $name: $*"
    local log
    log=$(mktemp)
    "$@" 2>&1 | tee "$log"
    local status=${PIPESTATUS[0]}
    local line passed=0 failed=0
    # The closing line, optionally after one "word:" (as "fuzz: 5 passed, 0 failed").
    line=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 | sed -E 's/^[A-Za-z-]+: //')
    if [ -n "$line" ]; then
        passed=$(echo "$line" | awk '{ print $1 }')
        failed=$(echo "$line" | awk '{ print $3 }')
    fi
    if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
        failed=1
        echo "!! $name: exited with $status"
    fi
    record "$name" "$passed" "$failed" $((SECONDS - start))
    rm -f "$log"
}

suite_end() {
    echo
    echo "==> summary"
    local line
    for line in "${SUMMARY[@]}"; do
        echo "    $line"
    done
    local status=0
    if [ "${#STEP_FAILURES[@]}" -gt 0 ]; then
        echo "    failed steps: ${STEP_FAILURES[*]}"
        status=1
    fi
    if [ "$TOTAL_FAILED" -gt 0 ] || [ "$TOTAL_PASSED" -eq 0 ]; then
        status=1
    fi
    echo "    total time: $SECONDS s"
    echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
    return $status
}
