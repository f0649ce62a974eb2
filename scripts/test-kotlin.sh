#!/usr/bin/env bash
# The Kotlin suite on the JVM: builds libpinwire_ffi (dev profile) and pinwire-testserver, generates the
# UniFFI Kotlin bindings (workspace uniffi-bindgen, library mode), then runs the JUnit 5 tests of
# bindings/kotlin and of its adapters (bindings/kotlin-adapters: OkHttp/Retrofit, Ktor) with Maven, one
# reactor, against the real test server on 127.0.0.1.
#
# Ends with one line "N passed, N failed" (from Surefire's totals) and exits non-zero if anything failed.
# Needs: cargo, a JDK 17+ and Maven (installed with apt-get on Debian when missing); Maven fetches the
# Kotlin compiler, kotlinx-coroutines, JNA, JUnit, OkHttp, Retrofit (with its Gson converter) and Ktor's
# client from Maven Central into ~/.m2 on first use.
# Respects CARGO_TARGET_DIR (default: <repo>/target).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
case $TARGET in /*) ;; *) TARGET=$ROOT/$TARGET ;; esac
LIBDIR=$TARGET/debug
KOTLIN=$ROOT/bindings/kotlin
ADAPTERS=$ROOT/bindings/kotlin-adapters
GENERATED=$KOTLIN/target/generated-sources/uniffi

# shellcheck source=lib/suite-script.sh
. scripts/lib/suite-script.sh
suite_script_begin kotlin

# --- tools -----------------------------------------------------------------------------------------
ensure_jdk_and_maven

# --- Rust: the library, the test server and the generated Kotlin -----------------------------------------
# shellcheck source=lib/kotlin-build.sh
. scripts/lib/kotlin-build.sh
kotlin_build_native
kotlin_generate_bindings

# --- Maven: compile and test ---------------------------------------------------------------------------
# The adapters' reactor builds the core module first; --fail-at-end runs every module whose dependencies
# passed, and each module's Surefire totals are summed.
kotlin_mvn_test "$ADAPTERS/pom.xml" --fail-at-end
