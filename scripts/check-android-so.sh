#!/usr/bin/env bash
# Checks one Android native library before it goes into the AAR (scripts/build-aar.sh runs it on each
# jni/<abi>/libpinwire_ffi.so; scripts/test-artifacts.sh tests it on libraries made to pass and to fail):
#
#   - an ELF shared object whose machine is the ABI's (arm64-v8a: AArch64, armeabi-v7a: ARM, x86_64, x86)
#   - it needs only Android's own libraries (bionic's libc/libm/libdl and liblog), nothing of glibc
#   - no GLIBC_* symbol versions (a library linked against a desktop sysroot by mistake)
#   - 64-bit ABIs: every LOAD segment aligned to at least 16 KB (Google Play's 16 KB page-size rule)
#   - exports the JNI entry point and the UniFFI functions (with --exports, the default for libpinwire_ffi)
#
# Usage: scripts/check-android-so.sh [--no-exports] ABI LIBRARY.so
# Prints one line per check; exits 1 if any failed. Needs llvm-readelf (Debian's llvm).
set -uo pipefail

exports=1
if [ "${1:-}" = --no-exports ]; then
    exports=0
    shift
fi
if [ $# -ne 2 ]; then
    sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
abi=$1 so=$2
readelf=$(command -v llvm-readelf || command -v readelf) || {
    echo "check-android-so: llvm-readelf (Debian package llvm) is missing" >&2
    exit 2
}
case $abi in
    arm64-v8a) machine=AArch64 bits=64 ;;
    armeabi-v7a) machine=ARM bits=32 ;;
    x86_64) machine='X86-64' bits=64 ;;
    x86) machine='80386' bits=32 ;;
    *)
        echo "check-android-so: unknown ABI $abi (arm64-v8a, armeabi-v7a, x86_64, x86)" >&2
        exit 2
        ;;
esac

failed=0
ok() { echo "ok   $abi: $*"; }
bad() {
    echo "FAIL $abi: $*"
    failed=1
}

header=$("$readelf" -h "$so" 2>&1) || {
    bad "$so is not an ELF file: $header"
    exit 1
}
type=$(awk -F: '$1 ~ /^ *Type$/ { sub(/^ */, "", $2); print $2 }' <<<"$header")
class=$(awk -F: '$1 ~ /^ *Class$/ { sub(/^ */, "", $2); print $2 }' <<<"$header")
got_machine=$(awk -F: '$1 ~ /^ *Machine$/ { sub(/^ */, "", $2); print $2 }' <<<"$header")
case $type in DYN*) ok "shared object" ;; *) bad "not a shared object: Type $type" ;; esac
if [ "$class" = "ELF$bits" ]; then ok "$class"; else bad "class $class, expected ELF$bits"; fi
case $got_machine in
    *"$machine"*) ok "machine $got_machine" ;;
    *) bad "machine $got_machine, expected $machine" ;;
esac

# Only bionic and the NDK's stable system libraries.
needed=$("$readelf" -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\].*/\1/p')
allowed=" libc.so libm.so libdl.so liblog.so "
unexpected=()
for lib in $needed; do
    [[ $allowed == *" $lib "* ]] || unexpected+=("$lib")
done
if [ "${#unexpected[@]}" -eq 0 ]; then
    ok "needs only $(echo "$needed" | tr '\n' ' ')"
else
    bad "needs libraries Android does not have: ${unexpected[*]}"
fi

versions=$("$readelf" -V "$so" 2>/dev/null | grep -oE 'GLIBC[A-Z_]*_[0-9.]+' | sort -u | tr '\n' ' ')
if [ -z "$versions" ]; then ok "no glibc symbol versions"; else bad "glibc symbol versions: $versions"; fi

aligns=$("$readelf" -lW "$so" | awk '$1 == "LOAD" { print $NF }')
if [ -z "$aligns" ]; then
    bad "no LOAD segments"
elif [ "$bits" = 64 ]; then
    small=()
    for align in $aligns; do
        [ $((align)) -ge 16384 ] || small+=("$align")
    done
    if [ "${#small[@]}" -eq 0 ]; then
        ok "LOAD segments aligned to $(echo "$aligns" | sort -u | tr '\n' ' ')(>= 16 KB)"
    else
        bad "LOAD segments aligned below 16 KB: ${small[*]} (link with -z max-page-size=16384; NDK r28+ does)"
    fi
else
    ok "LOAD alignment $(echo "$aligns" | sort -u | tr '\n' ' ')(32-bit ABI: no 16 KB rule)"
fi

if [ "$exports" = 1 ]; then
    symbols=$("$readelf" --dyn-syms -W "$so" | awk '$7 != "UND" && ($5 == "GLOBAL" || $5 == "WEAK") { print $8 }')
    if grep -qx 'Java_dev_pinwire_android_PinwireAndroid_nativeInit' <<<"$symbols"; then
        ok "exports the JNI entry point"
    else
        bad "does not export Java_dev_pinwire_android_PinwireAndroid_nativeInit"
    fi
    count=$(grep -c '^uniffi_pinwire_ffi_fn_' <<<"$symbols" || true)
    if [ "$count" -gt 0 ]; then
        ok "exports $count UniFFI functions"
    else
        bad "exports no uniffi_pinwire_ffi_fn_* function"
    fi
fi
exit "$failed"
