//! The JNI entry point behind Kotlin's `Pinwire.init(context)` (`dev.pinwire.android.Pinwire`).
//!
//! UniFFI's JNA calls give Rust no `JNIEnv`, so Android platform trust is set up through this one
//! native method: it records the Java VM and a global reference to `dev.pinwire.android.PlatformTrust`
//! for the core, which calls that class on every handshake. The class is loaded through the app
//! context's class loader: `FindClass` on the handshake threads (tokio workers attached from Rust) only
//! sees the system class loader, which cannot find app classes.

use jni::errors::ThrowRuntimeExAndDefault;
use jni::objects::{JClass, JClassLoader, JObject};
use jni::{jni_sig, jni_str, EnvUnowned};

/// The Kotlin class the core calls (kept by the AAR's consumer R8 rules).
const PLATFORM_TRUST_CLASS: &str = "dev.pinwire.android.PlatformTrust";

/// `dev.pinwire.android.PinwireAndroid.nativeInit(context: Context)`.
///
/// Errors (a null context, the class not found) are thrown to the Kotlin caller as exceptions; a
/// panic is caught by `with_env` and thrown as a `RuntimeException`, never unwound into the JVM.
// `no_mangle` is the only `unsafe`-linted item in this crate: the JVM finds native methods by their
// exported symbol name, and an exported name is a promise the linker cannot check. The signature is
// the JNI one for a static native method taking one object; the body is safe code.
#[allow(unsafe_code)]
#[no_mangle]
pub extern "system" fn Java_dev_pinwire_android_PinwireAndroid_nativeInit<'caller>(
    mut unowned_env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    context: JObject<'caller>,
) {
    unowned_env
        .with_env(|env| -> jni::errors::Result<()> {
            let loader = env
                .call_method(
                    &context,
                    jni_str!("getClassLoader"),
                    jni_sig!("()Ljava/lang/ClassLoader;"),
                    &[],
                )?
                .l()?;
            let loader = env.cast_local::<JClassLoader>(loader)?;
            let name = env.new_string(PLATFORM_TRUST_CLASS)?;
            let class = loader.load_class(env, &name)?;
            let class = env.new_global_ref(class)?;
            pinwire::trust::android_init(env.get_java_vm()?, class);
            Ok(())
        })
        .resolve::<ThrowRuntimeExAndDefault>()
}
