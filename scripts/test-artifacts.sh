#!/usr/bin/env bash
# The artifacts suite: builds the release artifacts an app depends on, as far as this Linux machine can, and
# checks them as their consumers' tools would.
#
#   ios        one representative slice (aarch64-apple-ios-sim, the `ci` profile of scripts/build-ios-libs.sh:
#              no LTO, no optimisation, same crates and exports) -> scripts/assemble-xcframework.sh ->
#              scripts/check-xcframework.sh (plist, slice platform/arch/minos, exported symbols = header, zip,
#              checksum, release Package.swift); the TargetConditionals.h stand-ins of all three slices
#              preprocessed for their targets. scripts/release.sh builds all three slices with the release profile.
#   android    scripts/build-aar.sh -> scripts/check-aar.sh (contents, D8, R8 with the consumer rules, manifest
#              merge); the same check on AARs whose consumer rules lack one keep rule must fail; the .so check
#              (scripts/check-android-so.sh) on libraries made here to pass and to fail
#   version    one version: the workspace's, in every package manifest that declares one
#   workflows  actionlint (built from the Go module proxy, cached) and shellcheck on .github/workflows and the
#              scripts
#   hooks      every executable scripts/artifacts.d/*.sh: checks of further packages (npm, pub), each printing
#              "PASS <check>" / "FAIL <check>: why" lines and exiting non-zero on failure
#
# Ends with one line "N passed, N failed" (scripts/test.sh sums it); exits non-zero if anything failed.
# Installs what is missing (apt-get as root; Maven Central; the Go module proxy). Respects CARGO_TARGET_DIR.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
ROOT=$PWD
# shellcheck source=lib/suite-script.sh
. scripts/lib/suite-script.sh
# shellcheck source=lib/version.sh
. scripts/lib/version.sh
# shellcheck source=lib/artifact-tools.sh
. scripts/lib/artifact-tools.sh
# shellcheck source=lib/apple-cross.sh
. scripts/lib/apple-cross.sh
suite_script_begin artifacts

TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
case $TARGET in /*) ;; *) TARGET=$ROOT/$TARGET ;; esac
export CARGO_TARGET_DIR=$TARGET
CI_SLICE=aarch64-apple-ios-sim
WORK=$TARGET/artifacts-suite
rm -rf "$WORK"
mkdir -p "$WORK"
passed=0
failed=0

ok() {
    echo "PASS $1"
    passed=$((passed + 1))
}
ko() {
    echo "FAIL $1: $2"
    failed=$((failed + 1))
}
section() {
    echo
    echo "==> $1 ($((SECONDS - suite_script_started)) s)"
}
# Runs a check script, echoing it, and counts its PASS/FAIL lines (a non-zero exit without a FAIL line is one
# failure). Returns the script's status.
run_checks() {
    local log=$WORK/checks.log status p f
    "$@" 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
    p=$(grep -c '^PASS ' "$log")
    f=$(grep -c '^FAIL ' "$log")
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
        ko "$*" "exited with $status"
    fi
    return "$status"
}
# A build step: its failure is one failed test (and the checks that need its output are skipped).
step() {
    local name=$1
    shift
    if "$@"; then
        ok "$name"
    else
        ko "$name" "exited with $?"
        return 1
    fi
}

artifact_tools_ensure java:openjdk-17-jdk-headless mvn:maven zip:zip unzip:unzip llvm-objdump:llvm python3:python3 \
    clang:clang ld.lld:lld || suite_script_fail "could not install the tools"
artifact_llvm_path

# --- ios ------------------------------------------------------------------------------------------------
section "ios: $CI_SLICE (ci profile), xcframework, checks"
for triple in "${APPLE_CROSS_TRIPLES[@]}"; do
    # Each slice's stand-in, preprocessed as ring's C is for that target: the platform and CPU macros.
    got=$(
        apple_cross_env "$triple" "$WORK/sdk" >/dev/null &&
            var=CFLAGS_${triple//-/_} &&
            read -ra flags <<<"${!var}" &&
            printf '#include <TargetConditionals.h>\nsim=TARGET_OS_SIMULATOR ios=TARGET_OS_IOS arm64=TARGET_CPU_ARM64 x86_64=TARGET_CPU_X86_64\n' |
            clang "${flags[@]}" -E -P -x c - 2>&1 | tail -n 1
    )
    sim=0
    [ "$(apple_cross_platform "$triple")" = iossimulator ] && sim=1
    arm=0 x86=0
    [ "$(apple_cross_arch "$triple")" = arm64 ] && arm=1 || x86=1
    want="sim=$sim ios=1 arm64=$arm x86_64=$x86"
    if [ "$got" = "$want" ]; then
        ok "TargetConditionals.h for $triple ($want)"
    else
        ko "TargetConditionals.h for $triple" "got '$got', expected '$want'"
    fi
done
# The CI slice alone (other slices a developer built into the same directory stay out of it).
if step "build-ios-libs $CI_SLICE" scripts/build-ios-libs.sh --profile ci "$CI_SLICE" &&
    mkdir -p "$WORK/ios-libs/$CI_SLICE" &&
    ln -sf "$TARGET/ios-libs/ci/$CI_SLICE/libpinwire_ffi.a" "$WORK/ios-libs/$CI_SLICE/libpinwire_ffi.a" &&
    step "assemble-xcframework" scripts/assemble-xcframework.sh "$WORK/ios-libs" "$WORK/xcframework"; then
    run_checks scripts/check-xcframework.sh --expect-slices 1 "$WORK/xcframework"

    # The checks catch what they are for: a slice that claims the wrong platform, a header the library does
    # not match, a zip that is not the one the checksum names.
    xcf_mutant() {
        local name=$1 expected=$2 edit=$3 dir=$WORK/xcf-mutant
        rm -rf "$dir"
        cp -R "$WORK/xcframework" "$dir"
        (cd "$dir" && "$edit")
        if scripts/check-xcframework.sh --expect-slices 1 "$dir" >"$dir.log" 2>&1; then
            ko "check-xcframework catches $name" "it passed"
        elif grep -q "^FAIL $expected" "$dir.log"; then
            ok "check-xcframework catches $name ($(grep "^FAIL $expected" "$dir.log" | head -n 1 | cut -c1-140))"
        else
            ko "check-xcframework catches $name" "no 'FAIL $expected': $(grep '^FAIL' "$dir.log" | head -n 2)"
        fi
        rm -rf "$dir" "$dir.log"
    }
    # The simulator library listed as a device slice (variant dropped, identifier and directory to match).
    as_device_slice() {
        python3 - <<'EOF_PY'
import os, plistlib
path = "PinwireFFI.xcframework/Info.plist"
with open(path, "rb") as f:
    plist = plistlib.load(f)
library = plist["AvailableLibraries"][0]
library.pop("SupportedPlatformVariant", None)
old, library["LibraryIdentifier"] = library["LibraryIdentifier"], "ios-" + "_".join(library["SupportedArchitectures"])
os.rename(os.path.join("PinwireFFI.xcframework", old), os.path.join("PinwireFFI.xcframework", library["LibraryIdentifier"]))
with open(path, "wb") as f:
    plistlib.dump(plist, f)
EOF_PY
    }
    extra_header_function() {
        local header
        for header in PinwireFFI.xcframework/*/Headers/PinwireFFI/PinwireFFI.h; do
            echo 'void uniffi_pinwire_ffi_fn_func_not_in_the_library(void);' >>"$header"
        done
    }
    other_checksum() { sha256sum /dev/null | cut -d' ' -f1 >PinwireFFI.xcframework.zip.checksum; }
    xcf_mutant "a simulator library listed as a device slice" slice as_device_slice
    xcf_mutant "a header function the library lacks" symbols extra_header_function
    xcf_mutant "a checksum of another archive" zip other_checksum
fi

# --- android --------------------------------------------------------------------------------------------
section "android: AAR, checks"
if step "build-aar" scripts/build-aar.sh --out "$WORK/aar"; then
    aar=$(ls "$WORK"/aar/pinwire-android-*.aar)
    run_checks scripts/check-aar.sh "$aar"

    # Each keep rule that protects what reflection reaches is needed: without it, the check fails.
    mutant() {
        local name=$1 rule=$2 expected=$3 dir=$WORK/mutant-$1
        rm -rf "$dir"
        mkdir -p "$dir/aar" "$dir/out"
        (cd "$dir/aar" && unzip -q "$aar" && grep -vF -- "$rule" proguard.txt >proguard.mutant &&
            mv proguard.mutant proguard.txt && zip -q -X -r "$dir/out/$(basename "$aar")" .)
        if ! grep -qF -- "$rule" "$dir/aar/proguard.txt" && ! grep -qF -- "$rule" "$ROOT/bindings/android/consumer-rules.pro"; then
            ko "keep rule needed: $name" "consumer-rules.pro has no line '$rule' any more"
            return
        fi
        local log=$dir/check.log
        scripts/check-aar.sh --r8-only "$dir/out/$(basename "$aar")" >"$log" 2>&1
        if grep -q "^FAIL $expected:" "$log"; then
            ok "keep rule needed: $name (without it: $(grep "^FAIL $expected:" "$log" | cut -c1-160))"
        else
            ko "keep rule needed: $name" "check-aar.sh did not fail $expected without '$rule'"
        fi
    }
    mutant platform-trust '-keep class dev.pinwire.android.PlatformTrust { *; }' r8-jni
    mutant native-completion '-keep class dev.pinwire.internal.NativeCompletion {' r8-jni
    mutant uniffi '-keep class dev.pinwire.ffi.** { *; }' r8-uniffi
fi

# The .so check on libraries made here: one as cargo-ndk makes them, and ones it must refuse.
fixtures=$WORK/so
mkdir -p "$fixtures"
printf 'int stub_libc_symbol;\n' >"$fixtures/libc.c"
printf 'extern int stub_libc_symbol;\nint Java_dev_pinwire_android_PinwireAndroid_nativeInit(void) { return stub_libc_symbol; }\nint uniffi_pinwire_ffi_fn_func_probe(void) { return 1; }\n' >"$fixtures/lib.c"
cc_android=(clang --target=aarch64-linux-android24 -shared -nostdlib -fuse-ld=lld -fPIC)
if "${cc_android[@]}" -Wl,-soname,libc.so -o "$fixtures/libc.so" "$fixtures/libc.c" &&
    "${cc_android[@]}" -Wl,-z,max-page-size=16384 -o "$fixtures/good.so" "$fixtures/lib.c" -L"$fixtures" -lc &&
    "${cc_android[@]}" -Wl,-z,max-page-size=4096 -o "$fixtures/4k.so" "$fixtures/lib.c" -L"$fixtures" -lc; then
    so_case() {
        local name=$1 want=$2 expect=$3
        shift 3
        local out status
        out=$(scripts/check-android-so.sh "$@" 2>&1)
        status=$?
        if [ "$want" = pass ] && [ "$status" -eq 0 ]; then
            ok "android .so check: $name"
        elif [ "$want" = fail ] && [ "$status" -ne 0 ] && grep -q "FAIL.*$expect" <<<"$out"; then
            ok "android .so check: $name ($(grep FAIL <<<"$out" | head -n 1 | cut -c1-120))"
        else
            ko "android .so check: $name" "$out"
        fi
    }
    so_case "16 KB-aligned arm64 library passes" pass "" arm64-v8a "$fixtures/good.so"
    so_case "4 KB alignment refused" fail "below 16 KB" arm64-v8a "$fixtures/4k.so"
    so_case "wrong ABI refused" fail "machine" x86_64 "$fixtures/good.so"
    if [ -f "$TARGET/debug/libpinwire_ffi.so" ]; then
        so_case "glibc-linked host library refused" fail "glibc symbol versions" x86_64 "$TARGET/debug/libpinwire_ffi.so"
    fi
else
    ko "android .so fixtures" "clang/lld could not build them"
fi

# --- version --------------------------------------------------------------------------------------------
section "version"
version=$(pinwire_version "$ROOT")
problems=()
grep -qF 'projectDir.resolve("../../Cargo.toml")' bindings/android/build.gradle.kts ||
    problems+=("bindings/android/build.gradle.kts does not read its version from Cargo.toml")
while IFS= read -r manifest; do
    case $manifest in
        # The project's own <version>, or its parent's when it inherits one (none before its
        # dependencies, build or properties).
        */pom.xml) declared=$(awk '
            /<parent>/ { p = 1 }
            p && /<version>/ { v = $0; gsub(/.*<version>|<\/version>.*/, "", v); inherited = v }
            /<\/parent>/ { p = 0; next }
            !p && /<(dependencies|dependencyManagement|build|properties|modules|profiles)>/ { exit }
            !p && /<version>/ { gsub(/.*<version>|<\/version>.*/, ""); own = $0; exit }
            END { print (own != "" ? own : inherited) }' "$manifest") ;;
        */package.json) declared=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("version", ""))' "$manifest") ;;
        */pubspec.yaml) declared=$(sed -n 's/^version:[[:space:]]*//p' "$manifest" | head -n 1) ;;
    esac
    # Build-only poms (version 0) are not published.
    [ "$declared" = 0 ] || [ "$declared" = "$version" ] || problems+=("$manifest: $declared")
done < <(git ls-files -- '*pom.xml' '*package.json' '*pubspec.yaml' | grep -v node_modules)
if [ "${#problems[@]}" -eq 0 ]; then
    ok "one version ($version from Cargo.toml; Gradle reads it; the published manifests declare it)"
else
    ko "one version" "the workspace is $version, but: ${problems[*]}"
fi

# --- workflows ------------------------------------------------------------------------------------------
section "workflows: actionlint, shellcheck"
actionlint_version=v1.7.12
tools=/var/cache/pinwire/tools
actionlint=$tools/actionlint-$actionlint_version
if [ ! -x "$actionlint" ]; then
    # Go 1.22+ (actionlint's minimum): the machine's own (/usr/local/go), else Debian's.
    [ -x /usr/local/go/bin/go ] && export PATH="$PATH:/usr/local/go/bin"
    artifact_tools_ensure go:golang-go || true
    mkdir -p "$tools"
    echo "==> go install github.com/rhysd/actionlint/cmd/actionlint@$actionlint_version"
    if GOBIN=$WORK/gobin go install "github.com/rhysd/actionlint/cmd/actionlint@$actionlint_version"; then
        mv "$WORK/gobin/actionlint" "$actionlint"
    fi
fi
artifact_tools_ensure shellcheck:shellcheck || true
if [ ! -x "$actionlint" ]; then
    ko actionlint "could not build actionlint $actionlint_version from the Go module proxy"
elif ! command -v shellcheck >/dev/null; then
    ko actionlint "shellcheck (used by actionlint for run: steps) is missing"
elif "$actionlint" -shellcheck "$(command -v shellcheck)" .github/workflows/*.yml; then
    ok "actionlint $actionlint_version + shellcheck on $(find .github/workflows -name '*.yml' | wc -l) workflows"
else
    ko actionlint "findings above"
fi
# The scripts the workflows and this suite run.
mapfile -t shell_scripts < <(printf '%s\n' scripts/build-*.sh scripts/assemble-xcframework.sh scripts/check-*.sh \
    scripts/test-artifacts.sh scripts/release.sh scripts/lib/*.sh scripts/artifacts.d/*.sh | while read -r f; do [ -f "$f" ] && echo "$f"; done)
if command -v shellcheck >/dev/null && shellcheck -s bash -S warning -x -P scripts:scripts/lib "${shell_scripts[@]}"; then
    ok "shellcheck on ${#shell_scripts[@]} scripts"
else
    ko shellcheck "findings above (or shellcheck missing)"
fi

# --- hooks: further packages (npm, pub) -------------------------------------------------------------------
section "hooks: scripts/artifacts.d"
for hook in scripts/artifacts.d/*.sh; do
    [ -x "$hook" ] || continue
    run_checks "$hook"
done

suite_script_finish "$passed" "$failed"
