#!/usr/bin/env bash
# The React Native Android module on the desktop JVM (bindings/react-native/android): React Native's codegen
# turns src/NativePinwire.ts into the Java Turbo Module spec, and the module (a thin shim over the Kotlin host
# bridge, dev.pinwire.bridge) is compiled against that spec, react-android's classes.jar (from its AAR on
# Maven Central) and Robolectric's android-all jar, then driven with JavaOnlyMap/JavaOnlyArray and a test
# Promise against the real test server (JUnit, bindings/react-native/android/jvm-test).
#
# Not covered here: the Gradle build of the module, the JNI half of the spec, and running in an app (no
# Android SDK, NDK or device on these machines).
#
# Ends with one line "N passed, N failed". Needs what scripts/test-kotlin.sh needs, plus node and npm. The
# AAR (~170 MB) and android-all (~180 MB) are fetched once by Maven into ~/.m2 (checksums checked by Maven).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
case $TARGET in /*) ;; *) TARGET=$ROOT/$TARGET ;; esac
LIBDIR=$TARGET/debug
PKG=$ROOT/bindings/react-native
HARNESS=$PKG/android/jvm-test
GENERATED=$HARNESS/target/generated-sources
REACT_ANDROID=0.87.1
ANDROID_ALL=15-robolectric-13954326
M2=${MAVEN_REPO:-$HOME/.m2/repository}

# shellcheck source=lib/suite-script.sh
. scripts/lib/suite-script.sh
suite_script_begin react-native-android

ensure_jdk_and_maven
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 \
    || suite_script_fail "node and npm are missing (scripts/test-react-native.sh installs them)"
MVN=(mvn -B --no-transfer-progress -Dstyle.color=never)

echo "==> cargo build (libpinwire_ffi, pinwire-testserver, uniffi-bindgen)"
cargo build --locked --workspace --all-targets || suite_script_fail "cargo build failed"
for f in libpinwire_ffi.so pinwire-testserver uniffi-bindgen; do
    [ -e "$LIBDIR/$f" ] || suite_script_fail "$LIBDIR/$f was not built"
done

echo "==> uniffi-bindgen generate --language kotlin"
rm -rf "$GENERATED"
"$LIBDIR/uniffi-bindgen" generate --library "$LIBDIR/libpinwire_ffi.so" --language kotlin --no-format \
    --out-dir "$GENERATED/uniffi" || suite_script_fail "uniffi-bindgen failed"

echo "==> React Native codegen: NativePinwireSpec.java from src/NativePinwire.ts"
prefetch_wait npm
if [ ! -d "$PKG/node_modules/@react-native/codegen" ]; then
    (cd "$PKG" && npm ci --legacy-peer-deps --no-audit --no-fund --loglevel=error) || suite_script_fail "npm ci failed"
fi
node "$HARNESS/codegen.js" "$GENERATED/codegen" || suite_script_fail "codegen failed"

echo "==> react-android $REACT_ANDROID (AAR) and android-all $ANDROID_ALL from Maven Central"
AAR=$M2/com/facebook/react/react-android/$REACT_ANDROID/react-android-$REACT_ANDROID-release.aar
ALL=$M2/org/robolectric/android-all/$ANDROID_ALL/android-all-$ANDROID_ALL.jar
# Only the artifacts themselves: their POMs pull AndroidX from Google's repository, which is not reachable.
[ -f "$AAR" ] || "${MVN[@]}" -q dependency:get -Dtransitive=false "-Dartifact=com.facebook.react:react-android:$REACT_ANDROID:aar:release" \
    || suite_script_fail "could not fetch react-android $REACT_ANDROID"
[ -f "$ALL" ] || "${MVN[@]}" -q dependency:get -Dtransitive=false "-Dartifact=org.robolectric:android-all:$ANDROID_ALL" \
    || suite_script_fail "could not fetch android-all $ANDROID_ALL"
CLASSES=$(dirname "$AAR")/react-android-$REACT_ANDROID-classes.jar
if [ ! -f "$CLASSES" ] || [ "$AAR" -nt "$CLASSES" ]; then
    tmp=$(mktemp -d)
    (cd "$tmp" && jar xf "$AAR" classes.jar) && mv "$tmp/classes.jar" "$CLASSES" || suite_script_fail "no classes.jar in $AAR"
    rm -rf "$tmp"
fi

echo "==> mvn test (bindings/react-native/android/jvm-test)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"${MVN[@]}" -f "$HARNESS/pom.xml" test \
    "-Dreact.android.jar=$CLASSES" "-Dandroid.all.jar=$ALL" \
    "-Dgenerated.uniffi=$GENERATED/uniffi" "-Dgenerated.codegen=$GENERATED/codegen/java" \
    "-Djna.library.path=$LIBDIR" "-Dpinwire.testserver=$LIBDIR/pinwire-testserver" 2>&1 \
    | sed -u "s/\x1b\[[0-9;]*m//g" | tee "$log"
status=${PIPESTATUS[0]}
suite_script_finish_surefire "$log" "$status"
