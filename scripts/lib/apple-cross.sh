# shellcheck shell=bash
# Shared by scripts/check-ios.sh and scripts/build-ios-libs.sh: what ring's C needs to compile for an iOS
# target on Linux, where there is no SDK. Source it after scripts/lib/cross-check.sh's cross_check_begin.
#
#   apple_cross_env TRIPLE DIR   exports CC_/AR_/CFLAGS_<triple>, SDKROOT (an empty directory, so cc-rs does not
#                                call xcrun) and IPHONEOS_DEPLOYMENT_TARGET, and writes the TargetConditionals.h
#                                stand-in for TRIPLE's platform under DIR
#   apple_cross_platform TRIPLE  ios or iossimulator (the Mach-O LC_BUILD_VERSION platform)
#   apple_cross_arch TRIPLE      arm64 or x86_64

# The minimum for Pinwire on Apple platforms (SecTrustCopyCertificateChain): iOS 15.
APPLE_CROSS_IOS_MIN=15.0
# shellcheck disable=SC2034 # used by the scripts that source this file
APPLE_CROSS_TRIPLES=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios)

apple_cross_platform() {
    case $1 in
        aarch64-apple-ios) echo ios ;;
        # Rust's x86_64-apple-ios is the Intel simulator (there are no Intel iOS devices).
        aarch64-apple-ios-sim | x86_64-apple-ios) echo iossimulator ;;
        *) return 1 ;;
    esac
}

apple_cross_arch() {
    case $1 in
        aarch64-*) echo arm64 ;;
        x86_64-*) echo x86_64 ;;
        *) return 1 ;;
    esac
}

# The SDK header ring's C includes, with the values the iOS SDK gives for PLATFORM (ios, iossimulator). The
# CPU macros follow the compiler's own predefined ones, as in the SDK.
apple_cross_target_conditionals() {
    local platform=$1 simulator embedded
    case $platform in
        ios) simulator=0 embedded=1 ;;
        iossimulator) simulator=1 embedded=0 ;;
        *) return 1 ;;
    esac
    cat <<EOF
/* Stand-in for the iOS SDK's TargetConditionals.h ($platform) for compiling ring's C on Linux
   (scripts/lib/apple-cross.sh): the SDK's macros and values for this platform. */
#ifndef __TARGETCONDITIONALS__
#define __TARGETCONDITIONALS__
#define TARGET_OS_MAC 1
#define TARGET_OS_OSX 0
#define TARGET_OS_IPHONE 1
#define TARGET_OS_IOS 1
#define TARGET_OS_TV 0
#define TARGET_OS_WATCH 0
#define TARGET_OS_VISION 0
#define TARGET_OS_XR 0
#define TARGET_OS_BRIDGE 0
#define TARGET_OS_DRIVERKIT 0
#define TARGET_OS_MACCATALYST 0
#define TARGET_OS_UIKITFORMAC 0
#define TARGET_OS_SIMULATOR $simulator
#define TARGET_IPHONE_SIMULATOR $simulator
#define TARGET_OS_EMBEDDED $embedded
#define TARGET_OS_WIN32 0
#define TARGET_OS_WINDOWS 0
#define TARGET_OS_UNIX 0
#define TARGET_OS_LINUX 0
#define TARGET_RT_MAC_MACHO 1
#define TARGET_RT_64_BIT 1
#define TARGET_RT_LITTLE_ENDIAN 1
#define TARGET_RT_BIG_ENDIAN 0
#if defined(__arm64__) || defined(__aarch64__)
#define TARGET_CPU_ARM64 1
#define TARGET_CPU_X86_64 0
#elif defined(__x86_64__)
#define TARGET_CPU_ARM64 0
#define TARGET_CPU_X86_64 1
#else
#error "Pinwire's TargetConditionals.h stand-in knows arm64 and x86_64 only"
#endif
#define TARGET_CPU_ARM 0
#define TARGET_CPU_X86 0
#define TARGET_CPU_PPC 0
#define TARGET_CPU_PPC64 0
#endif
EOF
}

apple_cross_env() {
    local triple=$1 dir=$2 platform arch var
    platform=$(apple_cross_platform "$triple") || {
        echo "apple-cross: unknown iOS target $triple" >&2
        return 1
    }
    arch=$(apple_cross_arch "$triple")
    mkdir -p "$dir/empty-sdk" "$dir/include-$platform"
    apple_cross_target_conditionals "$platform" >"$dir/include-$platform/TargetConditionals.h"
    local clang_target="$arch-apple-ios$APPLE_CROSS_IOS_MIN"
    [ "$platform" = iossimulator ] && clang_target+="-simulator"
    var=${triple//-/_}
    export IPHONEOS_DEPLOYMENT_TARGET=$APPLE_CROSS_IOS_MIN
    export SDKROOT=$dir/empty-sdk
    export "CC_$var=clang" "AR_$var=llvm-ar"
    local cflags="--target=$clang_target -nostdlibinc -DRING_CORE_NOSTDLIBINC=1 -isystem $dir/include-$platform"
    # On x86_64 ring includes clang's <xmmintrin.h>, which wants the C library's stdlib.h in a hosted build.
    [ "$arch" = x86_64 ] && cflags+=" -ffreestanding"
    export "CFLAGS_$var=$cflags"
}
