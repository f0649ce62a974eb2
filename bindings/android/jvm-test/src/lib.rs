//! Runs the Android platform validator on the desktop JVM: the Rust and JNI code of
//! `core/src/trust/platform/android.rs` (built for the host with pinwire's test-only `android-jvm-test`
//! feature) and the bindings' JNI entry point `bindings/src/android.rs` (included below, unchanged), calling
//! the real Kotlin `dev.pinwire.android.PlatformTrust` compiled against Java stand-ins of the Android
//! classes it uses (`java/android/...`). The stand-in `X509TrustManagerExtensions` validates with the
//! JDK's PKIX trust manager over a trust store holding this run's test root.
//!
//! The JVM side, `java/dev/pinwire/android/jvmtest/AndroidJvmTest.java`, loads this library, installs
//! the trust store, initialises Pinwire as an app does and calls the native methods below; each check
//! prints one line, `PASS name` or `FAIL name: detail`. `scripts/test-android-jvm.sh` builds everything
//! and runs it under `-Xcheck:jni`.
//!
//! Everything is behind the `jvm` feature (see Cargo.toml): without it, as in workspace builds, this
//! crate is empty.
#![cfg(feature = "jvm")]
// As in the bindings: `#[no_mangle]` (the JVM binds native methods by their exported names) is the only
// `unsafe`-linted item, allowed on each native method alone.
#![deny(unsafe_code)]

mod checks;
mod pki;

/// The bindings' JNI entry point, `Java_dev_pinwire_android_PinwireAndroid_nativeInit`, compiled from
/// the bindings' own file so that the code under test is the code that ships.
#[path = "../../../src/android.rs"]
mod init;

use jni::errors::ThrowRuntimeExAndDefault;
use jni::objects::{JByteArray, JClass, JString};
use jni::EnvUnowned;

/// `AndroidJvmTest.trustedRoot()`: the DER of the test PKI's root, which the JVM side puts in the trust
/// store the stand-in trust manager uses. The PKI is generated on first use, here.
#[allow(unsafe_code)]
#[no_mangle]
pub extern "system" fn Java_dev_pinwire_android_jvmtest_AndroidJvmTest_trustedRoot<'caller>(
    mut unowned_env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
) -> JByteArray<'caller> {
    unowned_env
        .with_env(|env| -> jni::errors::Result<_> { env.byte_array_from_slice(pki::pki().root.cert().as_ref()) })
        .resolve::<ThrowRuntimeExAndDefault>()
}

/// `AndroidJvmTest.foreignRoot()`: the DER of the root that the JVM side's foreign security provider
/// (installed ahead of the Network Security Config's, where apps put Conscrypt) trusts instead.
#[allow(unsafe_code)]
#[no_mangle]
pub extern "system" fn Java_dev_pinwire_android_jvmtest_AndroidJvmTest_foreignRoot<'caller>(
    mut unowned_env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
) -> JByteArray<'caller> {
    unowned_env
        .with_env(|env| -> jni::errors::Result<_> {
            env.byte_array_from_slice(pki::pki().stranger_root.cert().as_ref())
        })
        .resolve::<ThrowRuntimeExAndDefault>()
}

/// `AndroidJvmTest.checkNotInitialised()`: the checks that only hold before `Pinwire.init`, as report
/// lines.
#[allow(unsafe_code)]
#[no_mangle]
pub extern "system" fn Java_dev_pinwire_android_jvmtest_AndroidJvmTest_checkNotInitialised<'caller>(
    mut unowned_env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
) -> JString<'caller> {
    unowned_env
        .with_env(|env| -> jni::errors::Result<_> { JString::from_str(env, checks::not_initialised().lines()) })
        .resolve::<ThrowRuntimeExAndDefault>()
}

/// `AndroidJvmTest.run()`: every check that needs `Pinwire.init`, as report lines. Runs on the calling
/// Java thread (some checks are about that thread) and on threads it starts.
#[allow(unsafe_code)]
#[no_mangle]
pub extern "system" fn Java_dev_pinwire_android_jvmtest_AndroidJvmTest_run<'caller>(
    mut unowned_env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
) -> JString<'caller> {
    unowned_env
        .with_env(|env| -> jni::errors::Result<_> { JString::from_str(env, checks::run().lines()) })
        .resolve::<ThrowRuntimeExAndDefault>()
}
