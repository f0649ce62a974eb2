#!/usr/bin/env bash
# Type-checks (and lints) the Rust crates for iOS (aarch64-apple-ios), so the Apple-only code
# (core/src/trust/platform/apple.rs: SecTrust through the security-framework crate) is compiled on every CI
# run, on a machine without Xcode.
#
# How: scripts/lib/cross-check.sh (Debian's rustc-web and -Zbuild-std), plus a small TargetConditionals.h for
# ring's C (the SDK's is absent); cc-rs is kept away from xcrun by an empty SDKROOT. Nothing is linked: the
# real libraries come from scripts/build-xcframework.sh on a Mac.
#
# Installs with apt-get what is missing (needs root or sudo). Uses its own target dir, ios-check under the
# cargo target dir (target/ unless CARGO_TARGET_DIR is set). Then clippy: findings in the Apple-only files fail
# the check. Set PINWIRE_IOS_CLIPPY=0 to skip clippy (then only `cargo check` runs).
# Ends with "1 passed, 0 failed" or "0 passed, 1 failed"; exits non-zero on failure.
set -uo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/cross-check.sh
. scripts/lib/cross-check.sh

cross_check_begin ios-check "${PINWIRE_IOS_CLIPPY:-1}"

# The SDK stand-ins: an empty SDKROOT (so cc-rs does not call xcrun) and the one SDK header ring's C includes.
sdk=$CARGO_TARGET_DIR/sdk
mkdir -p "$sdk/empty-sdk" "$sdk/include"
cat >"$sdk/include/TargetConditionals.h" <<'EOF'
/* Stand-in for the iOS SDK's TargetConditionals.h, for type-checking ring's C on Linux (scripts/check-ios.sh). */
#ifndef __TARGETCONDITIONALS__
#define __TARGETCONDITIONALS__
#define TARGET_OS_MAC 1
#define TARGET_OS_OSX 0
#define TARGET_OS_IPHONE 1
#define TARGET_OS_IOS 1
#define TARGET_OS_TV 0
#define TARGET_OS_WATCH 0
#define TARGET_OS_VISION 0
#define TARGET_OS_MACCATALYST 0
#define TARGET_OS_SIMULATOR 0
#define TARGET_OS_EMBEDDED 1
#define TARGET_OS_WIN32 0
#define TARGET_OS_UNIX 0
#define TARGET_OS_LINUX 0
#define TARGET_CPU_ARM64 1
#define TARGET_CPU_X86_64 0
#define TARGET_RT_64_BIT 1
#define TARGET_RT_LITTLE_ENDIAN 1
#endif
EOF

# The minimum for Pinwire on Apple platforms (SecTrustCopyCertificateChain): iOS 15.
export IPHONEOS_DEPLOYMENT_TARGET=15.0
export SDKROOT=$sdk/empty-sdk
export CC_aarch64_apple_ios=clang
export AR_aarch64_apple_ios=llvm-ar
export CFLAGS_aarch64_apple_ios="--target=arm64-apple-ios15.0 -nostdlibinc -DRING_CORE_NOSTDLIBINC=1 -isystem $sdk/include"

cross_check_cargo aarch64-apple-ios
# The Apple-only dependency graph was really in effect (so apple.rs, behind cfg(target_vendor = "apple"), was
# compiled, not skipped).
if ! compgen -G "$CARGO_TARGET_DIR/aarch64-apple-ios/debug/.fingerprint/security-framework-[0-9a-f]*" >/dev/null; then
    echo "!! security-framework was not compiled for aarch64-apple-ios: is the apple target dependency gone?"
    cross_check_finish 1
fi
cross_check_clippy aarch64-apple-ios 'core/src/trust/platform/apple\.rs'
cross_check_finish 0
