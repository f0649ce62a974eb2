//! Platform trust on Android: the app's Network Security Config, asked through JNI.
//!
//! Each handshake hands the server's certificates to the Kotlin `dev.pinwire.android.PlatformTrust.validate`,
//! which calls `X509TrustManagerExtensions(defaultTrustManager).checkServerTrusted(chain, authType, host)`.
//! On API 24+ the default trust manager applies the app's Network Security Config for that host: its
//! trust anchors (system, user, bundled `@raw` CAs), `<pin-set>`s and debug overrides. Android returns the
//! path it validated (leaf first, trust anchor last), the same list OkHttp's `AndroidCertificateChainCleaner`
//! uses, and that path — never the certificates as the server sent them — is what Pinwire's pins are
//! matched against.
//!
//! On top of Android's verdict this validator always:
//! - checks that the validated path starts with the certificate the server presented (the one whose key
//!   the TLS handshake signature is checked with);
//! - verifies the host name on that leaf with rustls-webpki, because `checkServerTrusted(.., host)` does
//!   not check host names on every Android version (it uses the host to pick the NSC domain config).
//!
//! Any failure — an exception from Java, a JNI error, a missing or malformed result — refuses the chain.
//!
//! Android validates at the device's current time and applies its own revocation policy: the handshake's
//! `now` and stapled OCSP response are not passed to it. It builds one path, so `prefer` has nothing to
//! choose from (with cross-signed roots, pin the root of the path Android builds, or an intermediate).
//!
//! Set-up: the bindings' JNI entry point (`Pinwire.init(context)` in Kotlin) calls [`android_init`] with
//! the `JavaVM` and a global reference to the `PlatformTrust` class, loaded through the app's class
//! loader (threads that Rust attaches to the VM only see the system class loader, which cannot find app
//! classes). Building a client with platform trust before that is an [`Error::InvalidConfig`].

use super::super::webpki_validator::map_error;
use super::super::{ChainCert, ChainValidator, PresentedChain, UntrustedReason, ValidatedChain};
use super::android_reasons::{classify, ThrownCause};
use crate::error::Error;
use jni::objects::{Global, JByteArray, JClass, JObject, JObjectArray, JThrowable, JValue};
use jni::{jni_sig, jni_str, Env, JavaVM};
use rustls_pki_types::{CertificateDer, ServerName};
use std::fmt;
use std::sync::{Arc, OnceLock};

/// What `PlatformTrust.validate` gets as its auth type. Android's trust managers do not use it for
/// server certificates (Chromium passes "RSA" for every key exchange, crbug.com/627154).
const AUTH_TYPE: &str = "RSA";

/// How many causes of a thrown exception are read for the error message.
const MAX_CAUSES: usize = 8;

/// Longest validated path accepted back from Java (Android's own path builder stops far earlier).
const MAX_VALIDATED_LEN: usize = 16;

/// The message when [`android_init`] was not called.
const NOT_INITIALISED: &str = "Android platform trust is not initialised: call Pinwire.init(context) \
     (dev.pinwire.android.Pinwire) once, e.g. in Application.onCreate, before building a client with platform trust";

/// The message when extra roots are asked for beside Android's trust.
const EXTRA_ROOTS_UNSUPPORTED: &str = "on Android, platform trust is the app's Network Security Config and \
     roots cannot be added to it at run time: declare the bundled CA in res/xml/network_security_config.xml \
     (<certificates src=\"@raw/my_ca\"/> beside <certificates src=\"system\"/>) and use platform trust alone, \
     or trust only the bundled roots (trusted roots without platform trust)";

struct Runtime {
    vm: JavaVM,
    platform_trust: Global<JClass<'static>>,
}

static RUNTIME: OnceLock<Runtime> = OnceLock::new();

/// Makes Android platform trust available: `vm` is the process's Java VM, `platform_trust` a global
/// reference to the class `dev.pinwire.android.PlatformTrust` (loaded with the app's class loader).
///
/// Called by the bindings' `Pinwire.init(context)`. The first call wins; later calls change nothing
/// (there is one VM per process and one class of that name per app class loader).
pub fn android_init(vm: JavaVM, platform_trust: Global<JClass<'static>>) {
    // A later call's global reference is dropped (deleted) here if one is already stored.
    let _ = RUNTIME.set(Runtime { vm, platform_trust });
}

/// The platform validator: Android's `X509TrustManagerExtensions`, which honours the app's Network
/// Security Config.
///
/// `extra_roots` must be empty: roots cannot be added to the Network Security Config at run time, and
/// accepting them through a second, separate validator would let chains to those roots skip the NSC's
/// pin-sets and domain rules. Bundled CAs belong in the app's NSC file (or in `TrustSource::Roots` alone).
pub fn platform_validator(extra_roots: &[CertificateDer<'static>]) -> Result<Arc<dyn ChainValidator>, Error> {
    if !extra_roots.is_empty() {
        return Err(Error::InvalidConfig {
            detail: EXTRA_ROOTS_UNSUPPORTED.into(),
        });
    }
    let runtime = RUNTIME.get().ok_or_else(|| Error::InvalidConfig {
        detail: NOT_INITIALISED.into(),
    })?;
    Ok(Arc::new(AndroidValidator { runtime }))
}

/// Validates with Android's trust manager; see the module documentation.
struct AndroidValidator {
    runtime: &'static Runtime,
}

impl fmt::Debug for AndroidValidator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AndroidValidator(X509TrustManagerExtensions)")
    }
}

/// Why the Java call did not produce a validated path.
enum CallError {
    /// Android refused the chain (it threw), or returned something that is not a path.
    Refused(UntrustedReason),
    /// JNI itself failed (attaching the thread, allocating, calling).
    Jni(jni::errors::Error),
}

impl From<jni::errors::Error> for CallError {
    fn from(error: jni::errors::Error) -> CallError {
        CallError::Jni(error)
    }
}

impl ChainValidator for AndroidValidator {
    fn validate(
        &self,
        presented: &PresentedChain<'_>,
        // Android returns the one path it built; there is no choice to make.
        _prefer: &dyn Fn(&ValidatedChain) -> bool,
    ) -> Result<ValidatedChain, UntrustedReason> {
        let host = host_for_android(presented.server_name);
        // A scoped attachment: a thread this attaches (a tokio worker) is detached again afterwards, so
        // Pinwire never changes the JVM attachment of threads it does not own. Threads already attached
        // (Java threads) are used as they are.
        let called = self.runtime.vm.attach_current_thread_for_scope(|env| {
            call_platform_trust(env, &self.runtime.platform_trust, presented, &host)
        });
        let validated = match called {
            Ok(validated) => validated,
            Err(CallError::Refused(reason)) => return Err(reason),
            Err(CallError::Jni(error)) => {
                return Err(UntrustedReason::Other {
                    detail: format!("Android platform trust could not be asked (JNI error: {error})"),
                })
            }
        };

        // The path Android validated must start with the certificate the server presented: the handshake
        // signature is checked against that certificate's key, so the path must be about that key.
        match validated.first() {
            Some(leaf) if leaf.as_slice() == presented.end_entity.as_ref() => {}
            Some(_) => {
                return Err(UntrustedReason::Other {
                    detail: "the chain Android validated does not start with the server's certificate".into(),
                })
            }
            None => {
                return Err(UntrustedReason::Other {
                    detail: "Android returned an empty validated chain".into(),
                })
            }
        }

        // The host name, checked here on every Android version.
        webpki::EndEntityCert::try_from(presented.end_entity)
            .map_err(map_error)?
            .verify_is_valid_for_subject_name(presented.server_name)
            .map_err(map_error)?;

        let certs = validated
            .into_iter()
            .map(|der| {
                ChainCert::from_der(CertificateDer::from(der)).map_err(|e| UntrustedReason::Malformed {
                    detail: format!("a certificate Android validated cannot be read: {e}"),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ValidatedChain::new(certs))
    }
}

/// The host as Android's Network Security Config looks it up: the DNS name without a trailing dot, or
/// the IP address.
fn host_for_android(server_name: &ServerName<'_>) -> String {
    let name = server_name.to_str();
    name.strip_suffix('.').unwrap_or(&name).to_string()
}

/// Calls `PlatformTrust.validate(byte[][] chain, String host, String authType): byte[][]` and returns
/// the validated path's DER, leaf first, or why there is none.
fn call_platform_trust(
    env: &mut Env<'_>,
    platform_trust: &Global<JClass<'static>>,
    presented: &PresentedChain<'_>,
    host: &str,
) -> Result<Vec<Vec<u8>>, CallError> {
    let count = 1 + presented.intermediates.len();
    let chain = JObjectArray::<JByteArray>::new(env, count, JByteArray::null())?;
    let certificates = std::iter::once(presented.end_entity).chain(presented.intermediates.iter());
    for (index, certificate) in certificates.enumerate() {
        let bytes = env.byte_array_from_slice(certificate.as_ref())?;
        chain.set_element(env, index, &bytes)?;
        env.delete_local_ref(bytes);
    }
    let host = env.new_string(host)?;
    let auth_type = env.new_string(AUTH_TYPE)?;

    let returned = env.call_static_method(
        platform_trust,
        jni_str!("validate"),
        jni_sig!("([[BLjava/lang/String;Ljava/lang/String;)[[B"),
        &[JValue::from(&chain), JValue::from(&host), JValue::from(&auth_type)],
    );
    let returned: JObject<'_> = match returned {
        Ok(value) => value.l()?,
        // Android refused the chain: read why, then clear the exception so the thread can go on.
        Err(jni::errors::Error::JavaException) => return Err(CallError::Refused(take_exception(env)?)),
        Err(other) => return Err(CallError::Jni(other)),
    };
    if returned.is_null() {
        return Err(CallError::Refused(UntrustedReason::Other {
            detail: "PlatformTrust.validate returned null".into(),
        }));
    }

    let returned = env.cast_local::<JObjectArray<JByteArray>>(returned)?;
    let len = returned.len(env)?;
    if len > MAX_VALIDATED_LEN {
        return Err(CallError::Refused(UntrustedReason::Other {
            detail: format!("Android returned a validated chain of {len} certificates"),
        }));
    }
    let mut validated = Vec::with_capacity(len);
    for index in 0..len {
        let element = returned.get_element(env, index)?;
        if element.is_null() {
            return Err(CallError::Refused(UntrustedReason::Other {
                detail: "Android returned a validated chain with a null certificate".into(),
            }));
        }
        validated.push(env.convert_byte_array(&element)?);
        env.delete_local_ref(element);
    }
    Ok(validated)
}

/// Takes the pending exception (clearing it) and says why Android refused the chain.
fn take_exception(env: &mut Env<'_>) -> Result<UntrustedReason, jni::errors::Error> {
    let Some(thrown) = env.exception_occurred() else {
        return Ok(UntrustedReason::Other {
            detail: "PlatformTrust.validate failed without an exception".into(),
        });
    };
    env.exception_clear();

    let mut causes = Vec::new();
    let mut current: JThrowable<'_> = thrown;
    for _ in 0..MAX_CAUSES {
        let class_name = env.get_object_class(&current)?.get_name(env)?.try_to_string(env)?;
        let message = current.get_message(env)?;
        let message = if message.is_null() {
            String::new()
        } else {
            message.try_to_string(env)?
        };
        causes.push(ThrownCause { class_name, message });
        let cause = current.get_cause(env)?;
        if cause.is_null() {
            break;
        }
        current = cause;
    }
    Ok(classify(&causes))
}
