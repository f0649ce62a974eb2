#!/usr/bin/env bash
# Type-checks (and lints) the Rust crates for iOS (aarch64-apple-ios), so the Apple-only code
# (core/src/trust/platform/apple.rs: SecTrust through the security-framework crate) is compiled on every CI
# run, on a machine without Xcode.
#
# How (../shared/NOTES.md): Debian's rustc-web/cargo-web (1.96) with its matching std source (rust-web-src) and
# `-Zbuild-std` (RUSTC_BOOTSTRAP=1, an unstable escape hatch): rustup's toolchain here has no iOS std. `ring`
# compiles its C with clang's builtin headers only, plus a small TargetConditionals.h (the SDK's is absent);
# cc-rs is kept away from xcrun by an empty SDKROOT. Nothing is linked: the real libraries come from
# scripts/build-xcframework.sh on a Mac.
#
# Installs with apt-get what is missing (needs root or sudo). Uses its own target dir, ios-check under the
# cargo target dir (target/ unless CARGO_TARGET_DIR is set). Then clippy: findings in the Apple-only files fail
# the check. Set PINWIRE_IOS_CLIPPY=0 to skip clippy (then only `cargo check` runs).
# Ends with "1 passed, 0 failed" or "0 passed, 1 failed"; exits non-zero on failure.
set -uo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
finish() {
    local status=$1
    echo "==> ios-check: $((SECONDS - started)) s"
    if [ "$status" -eq 0 ]; then
        echo "1 passed, 0 failed"
    else
        echo "0 passed, 1 failed"
    fi
    exit "$status"
}

clippy=${PINWIRE_IOS_CLIPPY:-1}
packages=(rustc-web cargo-web rust-web-src clang lld)
[ "$clippy" = 1 ] && packages+=(rust-web-clippy)
missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
# cc-rs archives ring's objects with llvm-ar (Debian: the `llvm` package).
command -v llvm-ar >/dev/null 2>&1 || missing+=(llvm)
if [ "${#missing[@]}" -gt 0 ]; then
    echo "==> installing ${missing[*]}"
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo)
        else
            echo "!! need root (or sudo) to install: ${missing[*]}"
            finish 1
        fi
    fi
    if ! "${sudo[@]}" apt-get update -qq ||
        ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
        echo "!! apt-get could not install: ${missing[*]}"
        finish 1
    fi
fi

target_root=${CARGO_TARGET_DIR:-$PWD/target}
case $target_root in /*) ;; *) target_root=$PWD/$target_root ;; esac
export CARGO_TARGET_DIR=$target_root/ios-check

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

# Debian's compiler and cargo, not rustup's shims (rustup's 1.95 cannot use Debian's 1.96 std source).
export PATH="/usr/bin:$PATH"
export RUSTC=/usr/bin/rustc
export RUSTC_BOOTSTRAP=1
unset RUSTC_WRAPPER RUSTC_WORKSPACE_WRAPPER
# The minimum for Pinwire on Apple platforms (SecTrustCopyCertificateChain): iOS 15.
export IPHONEOS_DEPLOYMENT_TARGET=15.0
export SDKROOT=$sdk/empty-sdk
export CC_aarch64_apple_ios=clang
export AR_aarch64_apple_ios=llvm-ar
export CFLAGS_aarch64_apple_ios="--target=arm64-apple-ios15.0 -nostdlibinc -DRING_CORE_NOSTDLIBINC=1 -isystem $sdk/include"

echo "==> $(/usr/bin/rustc --version), $(/usr/bin/cargo --version)"
target=(-p pinwire-ffi --target aarch64-apple-ios -Zbuild-std=std,panic_abort --locked)

echo "==> cargo check ${target[*]}"
if ! /usr/bin/cargo check "${target[@]}"; then
    echo "!! the iOS type-check failed"
    finish 1
fi
# The Apple-only dependency graph was really in effect (so apple.rs, behind cfg(target_vendor = "apple"), was
# compiled, not skipped).
if ! compgen -G "$CARGO_TARGET_DIR/aarch64-apple-ios/debug/.fingerprint/security-framework-[0-9a-f]*" >/dev/null; then
    echo "!! security-framework was not compiled for aarch64-apple-ios: is the apple target dependency gone?"
    finish 1
fi
if [ "$clippy" = 1 ]; then
    # Host clippy (scripts/test.sh) lints the shared code with -D warnings; here any clippy finding in the
    # Apple-only file fails, and so does clippy itself failing. Findings elsewhere are shown but left to the
    # host run, so a newer Debian clippy's new lints on shared code cannot fail this check on their own.
    echo "==> cargo clippy ${target[*]} (Apple-only files must be clean)"
    log=$(mktemp)
    /usr/bin/cargo clippy "${target[@]}" --message-format=short 2>&1 | tee "$log"
    clippy_status=${PIPESTATUS[0]}
    apple_findings=$(grep -E '^core/src/trust/platform/apple\.rs:[0-9]+:[0-9]+: (warning|error)' "$log" || true)
    rm -f "$log"
    if [ "$clippy_status" -ne 0 ]; then
        echo "!! clippy failed for the iOS target"
        finish 1
    fi
    if [ -n "$apple_findings" ]; then
        echo "!! clippy findings in the Apple-only code:"
        echo "$apple_findings"
        finish 1
    fi
fi
finish 0
