#!/usr/bin/env bash
# Builds and checks every release artifact of one version (the workspace's, Cargo.toml) into one directory:
#
#   PinwireFFI.xcframework.zip (+ .checksum)   all three iOS slices, release profile (fat LTO): on Linux with
#                                              scripts/build-ios-libs.sh + scripts/assemble-xcframework.sh, on
#                                              macOS with xcodebuild (scripts/build-xcframework.sh)
#   swift-package/                             the release Package.swift (url + checksum) and its sources
#   pinwire-android-<version>.aar (+ .pom)     scripts/build-aar.sh with the four .so files from cargo-ndk
#                                              (scripts/build-android.sh, needs the NDK)
#   SHA256SUMS
# Each artifact passes its checks (scripts/check-xcframework.sh --expect-slices 3, scripts/check-aar.sh) first.
#
# Usage: scripts/release.sh [--out DIR] [--no-native]
#   --out DIR      default: <cargo target dir>/release-<version>
#   --no-native    build the AAR without .so files when there is no NDK (a dry run: not a releasable AAR)
# The CI (scripts/test-artifacts.sh) builds one iOS slice with a cheaper profile and no .so; this script is
# the one that builds everything.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=lib/version.sh
. scripts/lib/version.sh

TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
case $TARGET in /*) ;; *) TARGET=$ROOT/$TARGET ;; esac
VERSION=$(pinwire_version "$ROOT")
out=$TARGET/release-$VERSION
native=1
while [ $# -gt 0 ]; do
    case $1 in
        --out)
            out=$(realpath -m "$2")
            shift 2
            ;;
        --no-native)
            native=0
            shift
            ;;
        -h | --help)
            sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "release: unknown argument $1 (see --help)" >&2
            exit 2
            ;;
    esac
done
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    echo "release: warning: the work tree has uncommitted changes" >&2
fi
started=$SECONDS
rm -rf "$out"
mkdir -p "$out"

echo "==> release $VERSION into $out"
echo "==> iOS: PinwireFFI.xcframework (three slices, release profile)"
scripts/build-xcframework.sh --ios-only
dist=$TARGET/xcframework-dist
scripts/check-xcframework.sh --expect-slices 3 "$dist"
cp "$dist/PinwireFFI.xcframework.zip" "$dist/PinwireFFI.xcframework.zip.checksum" "$out/"
cp -R "$dist/swift-package" "$out/swift-package"

echo "==> Android: pinwire-android-$VERSION.aar"
jni=$ROOT/bindings/android/generated/jniLibs
if [ "$native" = 1 ]; then
    # cargo-ndk for the four ABIs (and Gradle's assembleRelease, whose AAR must agree with ours).
    scripts/build-android.sh
    for abi in arm64-v8a armeabi-v7a x86_64 x86; do
        [ -f "$jni/$abi/libpinwire_ffi.so" ] || {
            echo "release: no $jni/$abi/libpinwire_ffi.so" >&2
            exit 1
        }
    done
    scripts/build-aar.sh --jni-libs "$jni" --library "$TARGET/aarch64-linux-android/release/libpinwire_ffi.so" --out "$out"
else
    echo "release: --no-native: the AAR has no native libraries (not releasable)" >&2
    scripts/build-aar.sh --jni-libs "$out/no-native" --out "$out"
fi
scripts/check-aar.sh "$out/pinwire-android-$VERSION.aar"

(cd "$out" && sha256sum PinwireFFI.xcframework.zip "pinwire-android-$VERSION.aar" "pinwire-android-$VERSION.pom" >SHA256SUMS)
echo "==> release $VERSION in $out ($((SECONDS - started)) s):"
ls -l "$out"
