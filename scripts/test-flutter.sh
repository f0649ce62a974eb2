#!/usr/bin/env bash
# The Flutter plugin's Android shim on the desktop JVM (bindings/flutter/android/jvm-test): PinwireFlutterHost
# and FlutterChannel (everything of the plugin's Kotlin but the channel registration, PinwirePlugin.kt, which
# needs Flutter's embedding classes: they are not on Maven Central) are compiled with the Kotlin API and its
# host bridge, then driven with the values Flutter's standard codec carries, against the real test server
# (JUnit). The same run holds channel.json (the table of channel names, methods and message keys) against the
# bridge, the shim and the Dart sources, and checks that lib/src/channel.g.dart is what channel.json gives.
#
# Not covered here: anything Dart (no Dart or Flutter SDK on these machines: the package's test/ folder is for
# `flutter test` on a developer machine), the Gradle build and the registration file. The Swift shim is tested
# by scripts/test-swift.sh.
#
# Ends with one line "N passed, N failed". Needs what scripts/test-kotlin.sh needs.
# PINWIRE_UPDATE_FIXTURES=1 rewrites lib/src/channel.g.dart from channel.json.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
case $TARGET in /*) ;; *) TARGET=$ROOT/$TARGET ;; esac
LIBDIR=$TARGET/debug
HARNESS=$ROOT/bindings/flutter/android/jvm-test
GENERATED=$HARNESS/target/generated-sources/uniffi

# shellcheck source=lib/suite-script.sh
. scripts/lib/suite-script.sh
suite_script_begin flutter

ensure_jdk_and_maven
# shellcheck source=lib/kotlin-build.sh
. scripts/lib/kotlin-build.sh
kotlin_build_native
kotlin_generate_bindings

kotlin_mvn_test "$HARNESS/pom.xml" "-Dgenerated.uniffi=$GENERATED"
