//! Hands a call's outcome to the Kotlin coroutine that waits for it, from the runtime thread that
//! finished the call: one call into Kotlin (`NativeCompletion.complete` or `.fail`), no thread of
//! Kotlin's blocked meanwhile.

use super::exports::with_attached_env;
use super::wire;
use crate::error::PinwireError;
use ::jni::objects::{Global, JObject};
use ::jni::{jni_sig, jni_str, Env};

/// The Kotlin `NativeCompletion` of one call, delivered exactly once: by [`Completion::deliver`], or
/// when dropped undelivered (the task that owned it panicked or its runtime stopped) as an internal
/// error, so no coroutine waits for good.
pub(super) struct Completion {
    target: Option<Global<JObject<'static>>>,
}

impl Completion {
    /// Holds `target` (a `dev.pinwire.internal.NativeCompletion`) beyond the native method's frame.
    pub(super) fn new(env: &Env<'_>, target: &JObject<'_>) -> ::jni::errors::Result<Completion> {
        Ok(Completion {
            target: Some(env.new_global_ref(target)?),
        })
    }

    /// Resumes the Kotlin side with the encoded response head, or the error.
    pub(super) fn deliver(mut self, outcome: Result<Vec<u8>, PinwireError>) {
        if let Some(target) = self.target.take() {
            deliver(target, outcome);
        }
    }
}

impl Drop for Completion {
    fn drop(&mut self) {
        if let Some(target) = self.target.take() {
            deliver(
                target,
                Err(PinwireError::Internal {
                    detail: "internal error: the call ended without an outcome".into(),
                }),
            );
        }
    }
}

fn deliver(target: Global<JObject<'static>>, outcome: Result<Vec<u8>, PinwireError>) {
    let completed = outcome.is_ok();
    let (method, bytes) = match outcome {
        Ok(head) => (jni_str!("complete"), head),
        Err(error) => (jni_str!("fail"), wire::error(error)),
    };
    // A failure here (no memory for the array) is retried once as an error the Kotlin side can still
    // throw; Kotlin's own methods catch everything, so nothing is thrown back at this thread.
    let sent = with_attached_env(|env| call(env, &target, method, &bytes));
    if sent.is_err() && completed {
        let error = wire::error(PinwireError::Internal {
            detail: "internal error: the response head could not be handed to Kotlin".into(),
        });
        let _ = with_attached_env(|env| call(env, &target, jni_str!("fail"), &error));
    }
    // `target` is dropped here, on a thread that is attached: freeing it needs no new attachment.
}

fn call(
    env: &mut Env<'_>,
    target: &JObject<'_>,
    method: &::jni::strings::JNIStr,
    bytes: &[u8],
) -> ::jni::errors::Result<()> {
    let array = env.byte_array_from_slice(bytes)?;
    env.call_method(target, method, jni_sig!("([B)V"), &[(&array).into()])?;
    Ok(())
}
