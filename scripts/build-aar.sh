#!/usr/bin/env bash
# Assembles the Pinwire Android library (AAR) without Gradle or an Android SDK, from what Maven Central and
# Debian provide; scripts/build-android.sh is the Gradle build of the same module where an SDK and NDK exist.
#
#   classes.jar   the Gradle module's Kotlin (bindings/android/src/main/kotlin, the shared API of
#                 bindings/kotlin and UniFFI's generated dev.pinwire.ffi), compiled by Maven's Kotlin plugin
#                 against Robolectric's android-all (bindings/android/aar/pom.xml)
#   AndroidManifest.xml  the module's manifest with its package and minSdk, as Gradle writes it into an AAR
#   R.txt (empty: no resources), proguard.txt (consumer-rules.pro),
#   META-INF/com/android/build/gradle/aar-metadata.properties
#   jni/<abi>/libpinwire_ffi.so   for every ABI whose library exists under --jni-libs (each must pass
#                 scripts/check-android-so.sh); none on a machine without the NDK
#
# Usage: scripts/build-aar.sh [--jni-libs DIR] [--library LIB] [--out DIR]
#   --jni-libs DIR   cargo-ndk's output, DIR/<abi>/libpinwire_ffi.so (default: bindings/android/generated/jniLibs)
#   --library LIB    the library uniffi-bindgen reads the interface from (default: the host build's
#                    libpinwire_ffi.so, built here with the dev profile; the interface is the same on every target)
#   --out DIR        where the AAR and its POM go (default: <cargo target dir>/aar)
# Output: DIR/pinwire-android-<version>.aar and DIR/pinwire-android-<version>.pom, the version being the
# workspace's (Cargo.toml). Needs cargo, a JDK 17+, Maven, zip (apt-get installs what is missing, as root).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=lib/version.sh
. scripts/lib/version.sh
# shellcheck source=lib/artifact-tools.sh
. scripts/lib/artifact-tools.sh

TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
case $TARGET in /*) ;; *) TARGET=$ROOT/$TARGET ;; esac
MODULE=$ROOT/bindings/android
jni_libs=$MODULE/generated/jniLibs
library=""
out=$TARGET/aar
while [ $# -gt 0 ]; do
    case $1 in
        --jni-libs) jni_libs=$2
            shift 2
            ;;
        --library) library=$2
            shift 2
            ;;
        --out) out=$2
            shift 2
            ;;
        -h | --help)
            sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "build-aar: unknown argument $1 (see --help)" >&2
            exit 2
            ;;
    esac
done
VERSION=$(pinwire_version "$ROOT")
MIN_SDK=24
ABIS=(arm64-v8a armeabi-v7a x86_64 x86)

artifact_tools_ensure java:openjdk-17-jdk-headless mvn:maven zip:zip unzip:unzip

# --- the UniFFI Kotlin ------------------------------------------------------------------------------------
# The workspace build test-kotlin.sh makes (features unified as `cargo test --workspace` does): nothing is
# rebuilt after the Kotlin suite.
echo "==> cargo build (uniffi-bindgen and the host libpinwire_ffi)"
cargo build --locked --workspace --all-targets
bindgen=$TARGET/debug/uniffi-bindgen
[ -n "$library" ] || library=$TARGET/debug/libpinwire_ffi.so
work=$TARGET/aar-work
rm -rf "$work"
mkdir -p "$work/generated" "$work/aar/META-INF/com/android/build/gradle" "$out"
echo "==> uniffi-bindgen generate --library $library --language kotlin"
"$bindgen" generate --library "$library" --language kotlin --no-format --out-dir "$work/generated"

# --- classes.jar ----------------------------------------------------------------------------------------
prefetch_wait maven
echo "==> mvn package (bindings/android/aar: Kotlin against android-all)"
mvn -B -q --no-transfer-progress -f "$MODULE/aar/pom.xml" package -Duniffi.generated="$work/generated"
classes=$MODULE/aar/target/classes
[ -f "$classes/dev/pinwire/PinwireClient.class" ] || {
    echo "build-aar: Maven did not compile dev.pinwire.PinwireClient" >&2
    exit 1
}
(cd "$classes" && zip -q -X -r "$work/aar/classes.jar" . -x '*.DS_Store')

# --- manifest, R.txt, consumer rules, metadata -----------------------------------------------------------
# Gradle writes the namespace as `package` and the minSdk as <uses-sdk> into a library's manifest.
sed -e "s|<manifest xmlns:android=\"http://schemas.android.com/apk/res/android\">|<manifest xmlns:android=\"http://schemas.android.com/apk/res/android\"\n    package=\"dev.pinwire\">\n    <uses-sdk android:minSdkVersion=\"$MIN_SDK\" />|" \
    "$MODULE/src/main/AndroidManifest.xml" >"$work/aar/AndroidManifest.xml"
grep -q 'package="dev.pinwire"' "$work/aar/AndroidManifest.xml" || {
    echo "build-aar: could not add the package to $MODULE/src/main/AndroidManifest.xml (its <manifest> line changed?)" >&2
    exit 1
}
: >"$work/aar/R.txt"
cp "$MODULE/consumer-rules.pro" "$work/aar/proguard.txt"
# What the Android Gradle plugin checks in an app that depends on the AAR: core library desugaring must be
# on there too (java.time at minSdk 24, see build.gradle.kts).
cat >"$work/aar/META-INF/com/android/build/gradle/aar-metadata.properties" <<EOF
aarFormatVersion=1.0
aarMetadataVersion=1.0
minCompileSdk=1
minCompileSdkExtension=0
minAndroidGradlePluginVersion=1.0.0
coreLibraryDesugaringEnabled=true
EOF

# --- native libraries -----------------------------------------------------------------------------------
found=()
for abi in "${ABIS[@]}"; do
    so=$jni_libs/$abi/libpinwire_ffi.so
    [ -f "$so" ] || continue
    scripts/check-android-so.sh "$abi" "$so"
    mkdir -p "$work/aar/jni/$abi"
    cp "$so" "$work/aar/jni/$abi/"
    found+=("$abi")
done
if [ "${#found[@]}" -eq 0 ]; then
    echo "==> no jni/<abi>/libpinwire_ffi.so under $jni_libs (no NDK here): the AAR carries Kotlin only"
else
    echo "==> native libraries: ${found[*]}"
fi

# --- the AAR and its POM --------------------------------------------------------------------------------
aar=$out/pinwire-android-$VERSION.aar
rm -f "$aar"
entries=(AndroidManifest.xml classes.jar R.txt proguard.txt META-INF)
[ "${#found[@]}" -eq 0 ] || entries+=(jni)
(cd "$work/aar" && zip -q -X -r "$aar" "${entries[@]}")
# The dependencies of the Gradle module (build.gradle.kts), for a Maven repository next to the AAR.
cat >"$out/pinwire-android-$VERSION.pom" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.pinwire</groupId>
  <artifactId>pinwire-android</artifactId>
  <version>$VERSION</version>
  <packaging>aar</packaging>
  <dependencies>
    <dependency>
      <groupId>net.java.dev.jna</groupId>
      <artifactId>jna</artifactId>
      <version>$(artifact_pom_property jna.version "$MODULE/aar/pom.xml")</version>
      <type>aar</type>
      <scope>runtime</scope>
    </dependency>
    <dependency>
      <groupId>org.jetbrains.kotlinx</groupId>
      <artifactId>kotlinx-coroutines-android</artifactId>
      <version>$(artifact_pom_property coroutines.version "$MODULE/aar/pom.xml")</version>
      <scope>runtime</scope>
    </dependency>
    <dependency>
      <groupId>org.jetbrains.kotlin</groupId>
      <artifactId>kotlin-stdlib</artifactId>
      <version>$(artifact_pom_property kotlin.version "$MODULE/aar/pom.xml")</version>
      <scope>compile</scope>
    </dependency>
  </dependencies>
</project>
EOF
echo "==> $aar"
