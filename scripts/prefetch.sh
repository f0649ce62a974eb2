#!/usr/bin/env bash
# Fetches, in the background of scripts/test.sh, what the later suites would otherwise download one after
# another on a fresh machine: the Debian packages (Debian's Rust for the cross checks, clang, lld, llvm,
# debootstrap, zip, shellcheck), the Swift chroot, every Maven artifact and plugin of the JVM suites, and the
# React Native package's npm dependencies. Network and unpacking then overlap the Rust builds, which keep
# both cores busy for the first part of a run. On a machine that has everything it ends in seconds.
#
# Best effort: a part that fails is logged and left to the suite that needs it, which installs or downloads
# it itself as before (and fails there, with its own message, if it cannot). The suites wait for a part still
# being fetched (scripts/lib/prefetch.sh: prefetch_wait) so that two installers never run at once; the Swift
# chroot has its own lock. Logs to <target>/prefetch/prefetch.log.
#
# Usage: scripts/prefetch.sh (scripts/test.sh starts it in the background; PINWIRE_NO_PREFETCH=1 skips it).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
# shellcheck source=lib/prefetch.sh
. scripts/lib/prefetch.sh
# shellcheck source=lib/artifact-tools.sh
. scripts/lib/artifact-tools.sh
mkdir -p "$PREFETCH_DIR"

log() { echo "prefetch: $(date -u +%T) $*"; }

# part NAME COMMAND...: runs COMMAND with NAME's marker in place; the marker goes when it ends.
part() {
    local name=$1 started=$SECONDS
    shift
    log "$name: start"
    if "$@"; then
        log "$name: done in $((SECONDS - started)) s"
    else
        log "$name: failed after $((SECONDS - started)) s (the suites that need it will try again)"
    fi
    rm -f "$PREFETCH_DIR/$name.running"
}

mark() {
    local name
    for name in "$@"; do echo "$$" >"$PREFETCH_DIR/$name.running"; done
}

# --- Debian packages: what the cross checks, the artifacts suite and the Swift chroot install ------------
apt_packages() {
    local packages=(rustc-web cargo-web rust-web-src rust-web-clippy clang lld llvm debootstrap zip unzip shellcheck)
    command -v javac >/dev/null 2>&1 || packages+=(openjdk-17-jdk-headless)
    command -v mvn >/dev/null 2>&1 || packages+=(maven)
    command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
    local missing=() package
    for package in "${packages[@]}"; do
        [ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" = "install ok installed" ] || missing+=("$package")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    # In the background nothing may ask for a password: without root, only a sudo that needs none.
    if [ "$(id -u)" -ne 0 ] && ! sudo -n true 2>/dev/null; then
        log "apt: not root, leaving ${missing[*]} to the suites"
        return 1
    fi
    log "apt: installing ${missing[*]}"
    # Not prefetch_wait: this is the prefetch the suites wait for.
    apt_install "${missing[@]}" >/dev/null
}

# --- Maven: every dependency and plugin of the JVM suites' poms --------------------------------------------
# mvn ARGS...: Maven, quiet; its output (without colour codes) only when it fails.
mvn_quiet() {
    local out status
    out=$(mvn -B -q --no-transfer-progress -Dstyle.color=never "$@" 2>&1)
    status=$?
    [ "$status" -eq 0 ] || sed 's/\x1b\[[0-9;]*m//g' <<<"$out" | grep -E 'ERROR' | head -n 5
    return $status
}

maven_artifacts() {
    command -v mvn >/dev/null 2>&1 || return 1
    local pom status=0 artifact
    # The React Native harness's two system-scope jars (made by its suite) only need to exist here.
    local placeholder=$PREFETCH_DIR/placeholder.jar
    : >"$placeholder"
    for pom in bindings/kotlin bindings/android/jvm-test bindings/flutter/android/jvm-test \
        bindings/react-native/android/jvm-test bindings/android/aar bindings/android/aar/tools; do
        mvn_quiet -f "$ROOT/$pom/pom.xml" dependency:go-offline "-Dreact.android.jar=$placeholder" \
            "-Dandroid.all.jar=$placeholder" || {
            log "maven: $pom incomplete"
            status=1
        }
    done
    # The adapters depend on the Kotlin API, which their suite installs first: their libraries one by one.
    local adapters=$ROOT/bindings/kotlin-adapters/pom.xml
    for artifact in "com.squareup.okhttp3:okhttp-jvm:$(artifact_pom_property okhttp.version "$adapters")" \
        "com.squareup.retrofit2:retrofit:$(artifact_pom_property retrofit.version "$adapters")" \
        "com.squareup.retrofit2:converter-gson:$(artifact_pom_property retrofit.version "$adapters")" \
        "io.ktor:ktor-client-core-jvm:$(artifact_pom_property ktor.version "$adapters")" \
        "org.jetbrains.kotlinx:kotlinx-coroutines-core-jvm:$(artifact_pom_property coroutines.version "$adapters")" \
        "org.junit.jupiter:junit-jupiter:$(artifact_pom_property junit.version "$adapters")"; do
        mvn_quiet dependency:get "-Dartifact=$artifact" || {
            log "maven: $artifact not fetched"
            status=1
        }
    done
    # What the React Native suite fetches for its harness: react-android's AAR and Robolectric's android-all.
    local rn=scripts/test-react-native-android.sh
    for artifact in "com.facebook.react:react-android:$(sed -n 's/^REACT_ANDROID=//p' "$rn"):aar:release" \
        "org.robolectric:android-all:$(sed -n 's/^ANDROID_ALL=//p' "$rn")"; do
        mvn_quiet dependency:get -Dtransitive=false "-Dartifact=$artifact" || {
            log "maven: $artifact not fetched"
            status=1
        }
    done
    return $status
}

# --- npm: the React Native package's dependencies (into npm's cache and node_modules) ---------------------
npm_packages() {
    command -v npm >/dev/null 2>&1 || return 1
    (cd "$ROOT/bindings/react-native" && npm ci --legacy-peer-deps --no-audit --no-fund --loglevel=error)
}

swift_chroot() {
    [ "$(id -u)" -eq 0 ] || return 1
    scripts/swift-chroot.sh setup
}

mark apt maven npm
part apt apt_packages
# After apt (debootstrap, and a JDK, Maven or npm when the machine had none), the rest side by side.
part maven maven_artifacts &
part npm npm_packages &
part swift swift_chroot &
wait
log "all parts ended"
