#!/usr/bin/env bash
# Type-checks (and lints) the Rust crates for iOS (aarch64-apple-ios), so the Apple-only code
# (core/src/trust/platform/apple.rs: SecTrust through the security-framework crate) is compiled on every CI
# run, on a machine without Xcode.
#
# How: scripts/lib/cross-check.sh (Debian's rustc-web and -Zbuild-std) and scripts/lib/apple-cross.sh (a
# TargetConditionals.h stand-in for ring's C, the SDK's being absent; an empty SDKROOT keeps cc-rs from xcrun). Nothing is linked: the
# real libraries come from scripts/build-xcframework.sh on a Mac.
#
# Installs with apt-get what is missing (needs root or sudo). Uses its own target dir, ios-check under the
# cargo target dir (target/ unless CARGO_TARGET_DIR is set). Then clippy: findings in the Apple-only files fail
# the check. Set PINWIRE_IOS_CLIPPY=0 to skip clippy (then only `cargo check` runs).
# Ends with "1 passed, 0 failed" or "0 passed, 1 failed"; exits non-zero on failure.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
# shellcheck source=lib/cross-check.sh
. scripts/lib/cross-check.sh
# shellcheck source=lib/apple-cross.sh
. scripts/lib/apple-cross.sh

cross_check_begin ios-check "${PINWIRE_IOS_CLIPPY:-1}"

# The SDK stand-ins (scripts/lib/apple-cross.sh): an empty SDKROOT (so cc-rs does not call xcrun) and the
# iOS device platform's TargetConditionals.h, the one SDK header ring's C includes; iOS 15 as the minimum.
apple_cross_env aarch64-apple-ios "$CARGO_TARGET_DIR/sdk" || cross_check_finish 1

cross_check_cargo aarch64-apple-ios
# The Apple-only dependency graph was really in effect (so apple.rs, behind cfg(target_vendor = "apple"), was
# compiled, not skipped).
if ! compgen -G "$CARGO_TARGET_DIR/aarch64-apple-ios/debug/.fingerprint/security-framework-[0-9a-f]*" >/dev/null; then
    echo "!! security-framework was not compiled for aarch64-apple-ios: is the apple target dependency gone?"
    cross_check_finish 1
fi
cross_check_clippy aarch64-apple-ios 'core/src/trust/platform/apple\.rs'
cross_check_finish 0
