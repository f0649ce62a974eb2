# Shared by the JVM Kotlin scripts (test-kotlin.sh, soak-kotlin.sh, test-jni-stress.sh, test-flutter.sh): the Rust side they need,
# the generated Kotlin and the Maven run. Expects ROOT, LIBDIR (target/debug), GENERATED (where the bindings
# go) and suite-script.sh.

# Builds libpinwire_ffi, pinwire-testserver and uniffi-bindgen, and generates the Kotlin bindings.
kotlin_build_native() {
    # --all-targets resolves features as `cargo test --workspace` does, so after the Rust suite nothing is
    # rebuilt here (a plain `cargo build -p ...` would build tokio & co. a second time without test-util).
    echo "==> cargo build (libpinwire_ffi, pinwire-testserver, uniffi-bindgen)"
    cargo build --locked --workspace --all-targets || suite_script_fail "cargo build failed"
    [ -f "$LIBDIR/libpinwire_ffi.so" ] || suite_script_fail "$LIBDIR/libpinwire_ffi.so was not built"
    [ -x "$LIBDIR/pinwire-testserver" ] || suite_script_fail "$LIBDIR/pinwire-testserver was not built"
    [ -x "$LIBDIR/uniffi-bindgen" ] || suite_script_fail "$LIBDIR/uniffi-bindgen was not built"
}

# The generated Kotlin (build output, never committed), from the library the build just made.
kotlin_generate_bindings() {
    # The binary the workspace build just made: `cargo run -p uniffi-bindgen` alone would resolve uniffi's
    # features for that one package and build uniffi a second time (~3 min cold).
    echo "==> uniffi-bindgen generate --library libpinwire_ffi.so --language kotlin"
    rm -rf "$GENERATED"
    "$LIBDIR/uniffi-bindgen" generate --library "$LIBDIR/libpinwire_ffi.so" \
        --language kotlin --no-format --out-dir "$GENERATED" || suite_script_fail "uniffi-bindgen failed"
    [ -f "$GENERATED/dev/pinwire/ffi/pinwire_ffi.kt" ] \
        || suite_script_fail "no dev/pinwire/ffi/pinwire_ffi.kt: is bindings/uniffi.toml's package_name read?"
}

# MAIN_CLASS: bindings/kotlin's compiled test classes (and target/test-classpath.txt) for a program run
# from them with `java`, reused when the kotlin suite's build is current (MAIN_CLASS newer than the sources,
# the pom and the Rust library), else regenerated and compiled. Expects KOTLIN (bindings/kotlin) too.
kotlin_test_classes() {
    local main_class=$1 stale=
    if [ ! -f "$main_class" ] || [ ! -f "$KOTLIN/target/test-classpath.txt" ] \
        || [ ! -f "$GENERATED/dev/pinwire/ffi/pinwire_ffi.kt" ]; then
        stale="no compiled ${main_class##*/} in bindings/kotlin/target"
    elif [ -n "$(find "$KOTLIN/src" "$KOTLIN/pom.xml" "$LIBDIR/libpinwire_ffi.so" -newer "$main_class" -print -quit)" ]; then
        stale="sources or the Rust library are newer than ${main_class##*/}"
    fi
    if [ -n "$stale" ]; then
        echo "==> $stale: mvn process-test-classes (bindings/kotlin)"
        kotlin_generate_bindings
        mvn -B -q --no-transfer-progress -Dstyle.color=never -f "$KOTLIN/pom.xml" process-test-classes \
            || suite_script_fail "mvn process-test-classes failed"
    else
        echo "==> reusing the Kotlin suite's build (bindings/kotlin/target)"
    fi
}

# POM [MAVEN ARGUMENTS...]: `mvn test` of POM with the library and the test server this build made, then
# finishes the suite from Surefire's totals (suite_script_finish_surefire; does not return).
kotlin_mvn_test() {
    local pom=$1 log status
    shift
    echo "==> mvn test (${pom#"$ROOT"/})"
    log=$(mktemp)
    # shellcheck disable=SC2064 # the log's name is known now
    trap "rm -f '$log'" EXIT
    mvn -B --no-transfer-progress -Dstyle.color=never -f "$pom" test "$@" \
        -Djna.library.path="$LIBDIR" -Dpinwire.testserver="$LIBDIR/pinwire-testserver" 2>&1 \
        | sed -u "s/\x1b\[[0-9;]*m//g" | tee "$log"
    status=${PIPESTATUS[0]}
    suite_script_finish_surefire "$log" "$status"
}
