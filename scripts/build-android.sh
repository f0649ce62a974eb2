#!/usr/bin/env bash
# Builds the Pinwire Android library (AAR): the Rust library for arm64-v8a, armeabi-v7a, x86_64 and x86
# with cargo-ndk, the UniFFI Kotlin bindings with the workspace's uniffi-bindgen (library mode), then the
# Gradle module bindings/android (assembleRelease).
#
# Needs: an Android SDK (ANDROID_HOME or ANDROID_SDK_ROOT) with platforms;android-35, an NDK
# (ANDROID_NDK_HOME), cargo-ndk, the four Rust Android targets, JDK 17+, and Gradle 8.9+ (on PATH, or a
# wrapper at bindings/android/gradlew). When something is missing it says exactly what and exits 1.
#
# Usage: scripts/build-android.sh            -> bindings/android/build/outputs/aar/pinwire-android-release.aar
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
MODULE=$ROOT/bindings/android
ABIS=(arm64-v8a armeabi-v7a x86_64 x86)
RUST_TARGETS=(aarch64-linux-android armv7-linux-androideabi x86_64-linux-android i686-linux-android)
MIN_SDK=24
COMPILE_SDK=35

missing=()
warnings=()

# Android SDK
SDK=${ANDROID_HOME:-${ANDROID_SDK_ROOT:-}}
if [ -z "$SDK" ]; then
    missing+=("Android SDK: set ANDROID_HOME (or ANDROID_SDK_ROOT) to the SDK directory (Android Studio's, or the command-line tools' with: sdkmanager \"platforms;android-$COMPILE_SDK\" \"build-tools;35.0.0\")")
elif [ ! -d "$SDK" ]; then
    missing+=("Android SDK: ANDROID_HOME/ANDROID_SDK_ROOT is '$SDK', which is not a directory")
else
    export ANDROID_HOME=$SDK
    if [ ! -d "$SDK/platforms/android-$COMPILE_SDK" ]; then
        warnings+=("the SDK at $SDK has no platforms/android-$COMPILE_SDK: Gradle installs it if the SDK licences are accepted, otherwise run: sdkmanager \"platforms;android-$COMPILE_SDK\"")
    fi
fi

# Android NDK
NDK=${ANDROID_NDK_HOME:-}
if [ -z "$NDK" ]; then
    missing+=("Android NDK: set ANDROID_NDK_HOME to an NDK (r26 or newer), e.g. sdkmanager \"ndk;27.2.12479018\" then ANDROID_NDK_HOME=\$ANDROID_HOME/ndk/27.2.12479018")
elif [ ! -d "$NDK/toolchains/llvm/prebuilt" ]; then
    missing+=("Android NDK: ANDROID_NDK_HOME is '$NDK', which has no toolchains/llvm/prebuilt (not an NDK r19+ directory)")
fi

# Rust: cargo, cargo-ndk, the Android standard libraries
if ! command -v cargo >/dev/null 2>&1; then
    missing+=("cargo: install Rust (https://rustup.rs)")
else
    if ! cargo ndk --version >/dev/null 2>&1; then
        missing+=("cargo-ndk: cargo install cargo-ndk")
    fi
    SYSROOT=$(rustc --print sysroot 2>/dev/null || true)
    absent=()
    for target in "${RUST_TARGETS[@]}"; do
        [ -n "$SYSROOT" ] && [ -d "$SYSROOT/lib/rustlib/$target/lib" ] || absent+=("$target")
    done
    if [ "${#absent[@]}" -gt 0 ]; then
        missing+=("Rust standard libraries for ${absent[*]}: rustup target add ${absent[*]}")
    fi
fi

# JDK 17+ (the Android Gradle plugin 8.7 needs it)
if ! command -v java >/dev/null 2>&1; then
    missing+=("JDK 17 or newer: java is not on PATH (set JAVA_HOME / PATH)")
else
    java_major=$(java -version 2>&1 | sed -n 's/.* version "\([0-9]*\).*/\1/p' | head -n 1)
    if [ -n "$java_major" ] && [ "$java_major" -lt 17 ]; then
        missing+=("JDK 17 or newer: java on PATH is version $java_major")
    fi
fi

# Gradle: a wrapper in the module, else gradle on PATH
if [ -x "$MODULE/gradlew" ]; then
    GRADLE=("$MODULE/gradlew")
elif command -v gradle >/dev/null 2>&1; then
    GRADLE=(gradle)
else
    missing+=("Gradle 8.9 or newer: put gradle on PATH, or create a wrapper once with: (cd bindings/android && gradle wrapper --gradle-version 8.11.1)")
fi

# The shared Kotlin API the module compiles
if [ ! -d "$ROOT/bindings/kotlin/src/main/kotlin" ]; then
    missing+=("the Kotlin API sources: bindings/kotlin/src/main/kotlin does not exist")
fi

for warning in "${warnings[@]}"; do
    echo "warning: $warning" >&2
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "build-android: cannot build the AAR on this machine; missing:" >&2
    for item in "${missing[@]}"; do
        echo "  - $item" >&2
    done
    exit 1
fi

TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
JNI_LIBS=$MODULE/generated/jniLibs
UNIFFI_OUT=$MODULE/generated/uniffi/kotlin

echo "==> cargo ndk: pinwire-ffi (release) for ${ABIS[*]}, API $MIN_SDK"
rm -rf "$JNI_LIBS"
ndk_targets=()
for abi in "${ABIS[@]}"; do
    ndk_targets+=(-t "$abi")
done
cargo ndk "${ndk_targets[@]}" --platform "$MIN_SDK" -o "$JNI_LIBS" build --release --locked -p pinwire-ffi
for abi in "${ABIS[@]}"; do
    if [ ! -f "$JNI_LIBS/$abi/libpinwire_ffi.so" ]; then
        echo "build-android: cargo ndk did not produce $JNI_LIBS/$abi/libpinwire_ffi.so" >&2
        exit 1
    fi
done

echo "==> uniffi-bindgen: Kotlin bindings (library mode) into $UNIFFI_OUT"
rm -rf "$UNIFFI_OUT"
mkdir -p "$UNIFFI_OUT"
cargo run --locked --quiet -p uniffi-bindgen -- generate \
    --library "$TARGET_DIR/aarch64-linux-android/release/libpinwire_ffi.so" \
    --language kotlin --out-dir "$UNIFFI_OUT" --no-format

echo "==> gradle assembleRelease (bindings/android)"
"${GRADLE[@]}" -p "$MODULE" --no-daemon assembleRelease

AAR=$MODULE/build/outputs/aar/pinwire-android-release.aar
if [ ! -f "$AAR" ]; then
    echo "build-android: Gradle finished but $AAR is missing" >&2
    exit 1
fi
if command -v unzip >/dev/null 2>&1; then
    for abi in "${ABIS[@]}"; do
        if ! unzip -l "$AAR" "jni/$abi/libpinwire_ffi.so" >/dev/null 2>&1; then
            echo "build-android: $AAR has no jni/$abi/libpinwire_ffi.so" >&2
            exit 1
        fi
    done
fi
echo "==> built $AAR"
