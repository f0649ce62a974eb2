#!/usr/bin/env bash
# Checks an AAR as scripts/build-aar.sh writes it, with Android's own build tools from Maven Central
# (bindings/android/aar/tools/pom.xml: R8 with D8 inside, the manifest merger) and no Android SDK:
#
#   contents   the entries an AAR has; the manifest's package and minSdk; proguard.txt is consumer-rules.pro;
#              aar-metadata.properties; the file name carries the workspace version
#   jni        every jni/<abi>/libpinwire_ffi.so passes scripts/check-android-so.sh (none without an NDK)
#   d8         D8 dexes classes.jar at --min-api 24 against android-all
#   r8         R8 shrinks a small app that calls the API (bindings/android/aar/src/test/kotlin) with the AAR's
#              consumer rules only, and what is reached by reflection survives with its names:
#              r8-jni     the class and static method Rust calls over JNI (name and descriptor read from the
#                         Rust sources), the native method the JVM binds to Rust's exported symbol, and what
#                         the request path's Rust reaches by name (NativeFailure's constructor,
#                         NativeCompletion's complete and fail)
#              r8-uniffi  every class of the UniFFI bindings with every member's name (JNA maps their
#                         methods to C symbols by name and their structures' fields by reflection)
#              r8-jna     every class of JNA (its native dispatcher calls back into Java by name)
#   manifest   the manifest merger merges the AAR's manifest into an app's (INTERNET permission), and refuses
#              an app whose minSdk is below the library's
#
# Usage: scripts/check-aar.sh [--r8-only] AAR
#   --r8-only   only the contents and R8 checks (the artifacts suite's runs on AARs with a keep rule removed)
# Needs what scripts/build-aar.sh made in bindings/android/aar/target (the app's classes, the dependency jars),
# a JDK, Maven and unzip. Prints "PASS <check>" or "FAIL <check>: why" per check; exits 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
ROOT=$PWD
# shellcheck source=lib/version.sh
. scripts/lib/version.sh

r8_only=0
if [ "${1:-}" = --r8-only ]; then
    r8_only=1
    shift
fi
if [ $# -ne 1 ] || [ ! -f "$1" ]; then
    sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
aar=$(realpath "$1")
MODULE=$ROOT/bindings/android
MIN_SDK=24
failures=0
pass() { echo "PASS $1"; }
fail() {
    echo "FAIL $1: $2"
    failures=$((failures + 1))
}
finish() {
    [ "$failures" -eq 0 ]
    exit $?
}

work=$(mktemp -d)
[ -n "${PINWIRE_KEEP_WORK:-}" ] || trap 'rm -rf "$work"' EXIT
[ -z "${PINWIRE_KEEP_WORK:-}" ] || echo "     work directory: $work"
mkdir -p "$work/aar"
(cd "$work/aar" && unzip -q "$aar") || {
    fail contents "$aar is not a zip archive"
    finish
}

# --- contents -------------------------------------------------------------------------------------------
problems=()
version=$(pinwire_version "$ROOT")
[ "$(basename "$aar")" = "pinwire-android-$version.aar" ] || problems+=("file name $(basename "$aar"), expected pinwire-android-$version.aar")
for entry in AndroidManifest.xml classes.jar R.txt proguard.txt META-INF/com/android/build/gradle/aar-metadata.properties; do
    [ -f "$work/aar/$entry" ] || problems+=("no $entry")
done
unexpected=$(cd "$work/aar" && find . -type f | sed 's|^\./||' | grep -vE '^(AndroidManifest\.xml|classes\.jar|R\.txt|proguard\.txt|META-INF/com/android/build/gradle/aar-metadata\.properties|jni/(arm64-v8a|armeabi-v7a|x86_64|x86)/libpinwire_ffi\.so)$' | paste -sd' ' -)
[ -z "$unexpected" ] || problems+=("unexpected entries: $unexpected")
grep -q 'package="dev.pinwire"' "$work/aar/AndroidManifest.xml" 2>/dev/null || problems+=("manifest without package=\"dev.pinwire\"")
grep -q "android:minSdkVersion=\"$MIN_SDK\"" "$work/aar/AndroidManifest.xml" 2>/dev/null || problems+=("manifest without minSdkVersion $MIN_SDK")
cmp -s "$work/aar/proguard.txt" "$MODULE/consumer-rules.pro" || problems+=("proguard.txt is not bindings/android/consumer-rules.pro")
grep -qx 'aarFormatVersion=1.0' "$work/aar/META-INF/com/android/build/gradle/aar-metadata.properties" 2>/dev/null ||
    problems+=("aar-metadata.properties without aarFormatVersion=1.0")
if [ "${#problems[@]}" -eq 0 ]; then
    pass "contents ($(cd "$work/aar" && find . -type f | wc -l) entries, dev.pinwire, minSdk $MIN_SDK)"
else
    fail contents "${problems[*]}"
fi

# --- jni ------------------------------------------------------------------------------------------------
for so in "$work"/aar/jni/*/libpinwire_ffi.so; do
    [ -f "$so" ] || {
        echo "     jni: no native library in the AAR (built without an NDK)"
        break
    }
    abi=$(basename "$(dirname "$so")")
    if report=$(scripts/check-android-so.sh "$abi" "$so"); then
        pass "jni $abi"
    else
        fail "jni $abi" "$(grep FAIL <<<"$report" | paste -sd';' -)"
    fi
done

# --- tools ----------------------------------------------------------------------------------------------
# shellcheck source=lib/prefetch.sh
. scripts/lib/prefetch.sh
prefetch_wait maven
echo "==> mvn package (bindings/android/aar/tools: R8, manifest merger)"
mvn -B -q --no-transfer-progress -Dstyle.color=never -f "$MODULE/aar/tools/pom.xml" package >"$work/mvn.log" 2>&1 || {
    fail tools "Maven could not fetch R8 and the manifest merger: $(tail -n 5 "$work/mvn.log")"
    finish
}
tools=$MODULE/aar/tools/target/tools
r8=$(ls "$tools"/r8-*.jar)
deps=$MODULE/aar/target/deps
app=$MODULE/aar/target/test-classes
android_all=$(find "$deps" -maxdepth 1 -name "android-all-*.jar" 2>/dev/null | head -n 1)
if [ -z "$android_all" ] || [ ! -d "$app/dev/pinwire/r8app" ]; then
    fail tools "no android-all jar in $deps or no app classes in $app: run scripts/build-aar.sh first"
    finish
fi
# Robolectric's android-all has Android's own classes but not its java.* and javax.* (the JVM supplies those
# under Robolectric): the JDK stands in for them.
java_home=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
libraries=()
for jar in "$deps"/*.jar; do
    [ "$jar" = "$android_all" ] || libraries+=("$jar")
done

# --- d8 -------------------------------------------------------------------------------------------------
[ "$r8_only" = 0 ] || echo "     d8: skipped (--r8-only)"
classpath=()
for jar in "${libraries[@]}"; do
    classpath+=(--classpath "$jar")
done
if [ "$r8_only" = 1 ]; then
    :
elif java -cp "$r8" com.android.tools.r8.D8 --release --min-api "$MIN_SDK" --lib "$android_all" --lib "$java_home" "${classpath[@]}" \
    --output "$work/d8.zip" "$work/aar/classes.jar" >"$work/d8.log" 2>&1 &&
    unzip -Z1 "$work/d8.zip" 2>/dev/null | grep -x classes.dex >/dev/null; then
    pass "d8 (classes.dex at --min-api $MIN_SDK, $(unzip -l "$work/d8.zip" classes.dex | awk 'NR == 4 { print $1 }') bytes)"
else
    fail d8 "$(tail -n 5 "$work/d8.log")"
fi

# --- r8 -------------------------------------------------------------------------------------------------
(cd "$app" && jar cf "$work/app.jar" .)
cat >"$work/app-rules.pro" <<'EOF'
# The app's own rules: its entry points. Everything else is shrunk, obfuscated and optimised.
-keep class dev.pinwire.r8app.App { public static *; }
EOF
# Class files out (R8 takes no --min-api then), so that javap can read what is left.
if java -cp "$r8" com.android.tools.r8.R8 --release --classfile --lib "$android_all" --lib "$java_home" \
    --pg-conf "$work/aar/proguard.txt" --pg-conf "$work/app-rules.pro" --output "$work/r8.jar" \
    "$work/app.jar" "$work/aar/classes.jar" "${libraries[@]}" >"$work/r8.log" 2>&1; then
    pass "r8 (the app and the AAR shrunk with the consumer rules: $(unzip -Z1 "$work/r8.jar" | grep -c '\.class$') classes left of $(
        for jar in "$work/app.jar" "$work/aar/classes.jar" "${libraries[@]}"; do unzip -Z1 "$jar"; done | grep -c '\.class$'
    ))"
else
    fail r8 "$(grep -v '^Warning' "$work/r8.log" | tail -n 8)"
    finish
fi

# r8-jni: what the Rust code names over JNI, read from its sources.
trust_class=$(sed -n 's/^const PLATFORM_TRUST_CLASS: &str = "\(.*\)";/\1/p' bindings/src/android.rs)
trust_signature=$(grep -A3 'jni_str!("validate")' core/src/trust/platform/android.rs | sed -n 's/.*jni_sig!("\(.*\)").*/\1/p' | head -n 1)
native_symbol=$(grep -oE 'Java_[A-Za-z0-9_]+' bindings/src/android.rs | head -n 1)
native_class=${native_symbol#Java_}
native_method=${native_class##*_}
native_class=${native_class%_*}
native_class=${native_class//_/.}
problems=()
if [ -z "$trust_class" ] || [ -z "$trust_signature" ] || [ -z "$native_symbol" ]; then
    problems+=("could not read the JNI names from bindings/src/android.rs and core/src/trust/platform/android.rs")
else
    shrunk=$(javap -cp "$work/r8.jar" -p -s "$trust_class" "$native_class" 2>&1)
    grep -q "public static .* validate(" <<<"$shrunk" && grep -qF "descriptor: $trust_signature" <<<"$shrunk" ||
        problems+=("$trust_class.validate$trust_signature is gone")
    grep -qE "native void $native_method\(android.content.Context\)" <<<"$shrunk" ||
        problems+=("native $native_class.$native_method(Context) is gone")
fi
# The Kotlin request path's classes Rust reaches by name (bindings/src/jni/): NativeFailure's constructor
# and NativeCompletion's two methods.
request_path=$(javap -cp "$work/r8.jar" -p -s dev.pinwire.internal.NativeFailure dev.pinwire.internal.NativeCompletion 2>&1)
for member in "NativeFailure(byte[])" "void complete(byte[])" "void fail(byte[])"; do
    grep -qF "$member;" <<<"$request_path" || problems+=("$member is gone")
done
if [ "${#problems[@]}" -eq 0 ]; then
    pass "r8-jni ($trust_class.validate$trust_signature, native $native_class.$native_method, NativeFailure(byte[]), NativeCompletion.complete/fail)"
else
    fail r8-jni "${problems[*]}"
fi

# r8-uniffi: every class of the generated bindings with every member's name (what JNA looks up). Types from
# outside (Kotlin's own classes) may be renamed by R8 in the signatures; the names must not.
member_names() {
    xargs javap -cp "$1" -p <<<"$ffi_classes" 2>&1 | awk '
        /^[a-z ]*(class|interface) / { match($0, /dev\.pinwire\.ffi\.[^ <{]*/); cls = substr($0, RSTART, RLENGTH); next }
        { line = $0; gsub(/<[^<>]*>/, "", line); gsub(/<[^<>]*>/, "", line) }
        line ~ /\(/ { sub(/\(.*/, "", line); n = split(line, w, " "); print cls "." w[n] "()"; next }
        line ~ /;$/ { sub(/;$/, "", line); sub(/ = .*/, "", line); n = split(line, w, " "); print cls "." w[n] }' | sort
}
ffi_classes=$(unzip -Z1 "$work/aar/classes.jar" 'dev/pinwire/ffi/*.class' | sed 's/\.class$//; s|/|.|g')
before=$(member_names "$work/aar/classes.jar")
after=$(member_names "$work/r8.jar")
if [ -z "$ffi_classes" ] || [ -z "$before" ]; then
    fail r8-uniffi "classes.jar has no dev.pinwire.ffi classes"
elif [ "$before" = "$after" ]; then
    pass "r8-uniffi ($(wc -l <<<"$ffi_classes") classes, $(wc -l <<<"$before") members, every name kept)"
else
    fail r8-uniffi "changed by R8: $(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | head -n 5 | paste -sd';' -)"
fi

# r8-jna: every JNA class.
jna=$(printf '%s\n' "${libraries[@]}" | grep '/jna-[0-9.]*\.jar$' | head -n 1)
jna_classes=$(unzip -Z1 "$jna" 'com/sun/jna/*.class' | sort)
left=$(unzip -Z1 "$work/r8.jar" 'com/sun/jna/*.class' 2>/dev/null | sort)
gone=$(comm -23 <(echo "$jna_classes") <(echo "$left"))
if [ -z "$jna_classes" ]; then
    fail r8-jna "no JNA jar among the dependencies"
elif [ -z "$gone" ]; then
    pass "r8-jna ($(wc -l <<<"$jna_classes") classes kept)"
else
    fail r8-jna "$(wc -l <<<"$gone") JNA classes removed, e.g. $(head -n 3 <<<"$gone" | paste -sd' ' -)"
fi

# --- manifest -------------------------------------------------------------------------------------------
[ "$r8_only" = 0 ] || finish
cat >"$work/app-manifest.xml" <<'EOF'
<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="com.example.app">
    <application android:label="Example" />
</manifest>
EOF
merger=(java -cp "$(printf '%s:' "$tools"/*.jar)" com.android.manifmerger.Merger --main "$work/app-manifest.xml"
    --libs "$work/aar/AndroidManifest.xml")
if "${merger[@]}" --property MIN_SDK_VERSION="$MIN_SDK" --out "$work/merged.xml" >"$work/merge.log" 2>&1 &&
    grep -q 'android:name="android.permission.INTERNET"' "$work/merged.xml"; then
    if "${merger[@]}" --property MIN_SDK_VERSION=$((MIN_SDK - 3)) --out "$work/merged-low.xml" >"$work/merge-low.log" 2>&1; then
        fail manifest "an app with minSdk $((MIN_SDK - 3)) merged a library that needs $MIN_SDK"
    elif grep -q "minSdkVersion $((MIN_SDK - 3)) cannot be smaller than version $MIN_SDK" "$work/merge-low.log"; then
        pass "manifest (merged into an app with INTERNET; an app with minSdk $((MIN_SDK - 3)) refused)"
    else
        fail manifest "the minSdk $((MIN_SDK - 3)) merge failed for another reason: $(head -n 3 "$work/merge-low.log")"
    fi
else
    fail manifest "$(head -n 5 "$work/merge.log")"
fi
finish
