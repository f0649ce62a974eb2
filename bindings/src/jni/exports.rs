//! The native methods of `dev.pinwire.internal.NativeCalls`: every `unsafe` of the JNI path is here.
//!
//! Each entry point runs its body inside `EnvUnowned::with_env`, which catches panics; failures are thrown
//! as `dev.pinwire.internal.NativeFailure` carrying the error in UniFFI's encoding (a panic becomes
//! `PinwireError::Internal`), which Kotlin maps like every UniFFI error. Local references are those of
//! the native method's own frame, freed when it returns; the header loop frees its elements as it goes.
//! The runtime's threads call into the JVM to complete calls ([`super::completion`]): each is attached
//! once, as a daemon, and detached when it ends ([`with_attached_env`]).
//!
//! `#[no_mangle]` is the `unsafe`-linted part of each function: the JVM finds a native method by its
//! exported symbol, a promise the linker cannot check. The signatures are the JNI ones for the static
//! methods declared in `NativeCalls.kt`.

use super::body::BodyChannel;
use super::call::{Call, RequestParts};
use super::completion::Completion;
use super::{handles, wire};
use crate::error::PinwireError;
use ::jni::errors::{Error as JniError, ErrorPolicy};
use ::jni::objects::{JByteArray, JClass, JObject, JObjectArray, JString, JThrowable};
use ::jni::sys::{self, jint, jlong};
use ::jni::{jni_sig, jni_str, Env, EnvUnowned, JavaVM};
use pinwire::read_ahead::Ready;
use std::cell::Cell;
use std::sync::Arc;
use std::time::Duration;

/// Why an entry point failed.
enum Failure {
    /// The call's own error, thrown to Kotlin as a `NativeFailure`.
    Pinwire(PinwireError),
    /// The JNI call itself failed (an exception may already be pending).
    Jni(JniError),
}

impl From<PinwireError> for Failure {
    fn from(error: PinwireError) -> Failure {
        Failure::Pinwire(error)
    }
}

impl From<JniError> for Failure {
    fn from(error: JniError) -> Failure {
        Failure::Jni(error)
    }
}

/// Throws failures and panics as `NativeFailure`; a Java exception already pending is left to propagate.
struct ThrowNativeFailure;

impl<T: Default> ErrorPolicy<T, Failure> for ThrowNativeFailure {
    type Captures<'unowned_env_local: 'native_method, 'native_method> = ();

    fn on_error<'unowned_env_local: 'native_method, 'native_method>(
        env: &mut Env<'unowned_env_local>,
        _captures: &mut (),
        failure: Failure,
    ) -> ::jni::errors::Result<T> {
        let error = match failure {
            Failure::Pinwire(error) => error,
            Failure::Jni(JniError::JavaException) => return Ok(T::default()),
            Failure::Jni(error) => PinwireError::Internal {
                detail: format!("internal error: JNI: {error}"),
            },
        };
        throw(env, error)?;
        Ok(T::default())
    }

    fn on_panic<'unowned_env_local: 'native_method, 'native_method>(
        env: &mut Env<'unowned_env_local>,
        _captures: &mut (),
        payload: Box<dyn std::any::Any + Send + 'static>,
    ) -> ::jni::errors::Result<T> {
        let detail = format!("internal error: {}", pinwire::panic_message(payload.as_ref()));
        throw(env, PinwireError::Internal { detail })?;
        Ok(T::default())
    }
}

fn throw(env: &mut Env<'_>, error: PinwireError) -> ::jni::errors::Result<()> {
    let encoded = env.byte_array_from_slice(&wire::error(error))?;
    let failure = env.new_object(
        jni_str!("dev/pinwire/internal/NativeFailure"),
        jni_sig!("([B)V"),
        &[(&encoded).into()],
    )?;
    let failure = env.cast_local::<JThrowable>(failure)?;
    env.throw(failure)
}

fn handle(value: jlong) -> u64 {
    value as u64
}

/// `NativeCalls.newCall(client: Long): Long`: a call on the client, to execute once.
#[no_mangle]
pub extern "system" fn Java_dev_pinwire_internal_NativeCalls_newCall<'caller>(
    mut unowned_env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    client: jlong,
) -> jlong {
    unowned_env
        .with_env(|_env| -> Result<jlong, Failure> {
            let client = handles::client(handle(client))?;
            Ok(handles::register(handles::Entry::Call(Arc::new(Call::new(client)))) as jlong)
        })
        .resolve::<ThrowNativeFailure>()
}

/// The request's fields as Kotlin passes them to `start`: strings and arrays read here, on the
/// native method's thread.
#[allow(clippy::too_many_arguments)] // one argument per request field, as the JNI signature has them
fn request_parts<'caller>(
    env: &mut Env<'caller>,
    method: &JString<'caller>,
    url: &JString<'caller>,
    headers: &JObjectArray<'caller, JString<'caller>>,
    body: &JByteArray<'caller>,
    body_handle: jlong,
    call_timeout_nanos: jlong,
    decompress: jint,
    follow_redirects: bool,
) -> Result<RequestParts, Failure> {
    let count = headers.len(env)?;
    let mut header_strings = Vec::with_capacity(count);
    for index in 0..count {
        let element = headers.get_element(env, index)?;
        header_strings.push(element.try_to_string(env)?);
        // Freed now: a request may carry more headers than the frame's guaranteed 16 references.
        env.delete_local_ref(element);
    }
    Ok(RequestParts {
        method: method.try_to_string(env)?,
        url: url.try_to_string(env)?,
        headers: header_strings,
        body: if body.is_null() {
            None
        } else {
            Some(env.convert_byte_array(body)?)
        },
        stream: match body_handle {
            0 => None,
            stream => Some(handles::body(handle(stream))?.take_body()?),
        },
        call_timeout: u64::try_from(call_timeout_nanos).ok().map(Duration::from_nanos),
        decompress: (decompress >= 0).then_some(decompress != 0),
        follow_redirects,
    })
}

/// `NativeCalls.start(call, method, url, headers, body, bodyHandle, callTimeoutNanos, decompress,
/// followRedirects, completion)`: sends the request on the runtime and returns at once; the response
/// head (encoded, see `wire::head`) or the error reaches `completion` (a `NativeCompletion`) from the
/// runtime's thread. `bodyHandle` is a streamed body (from `openBody`), 0 for none; a negative timeout
/// means none; `decompress` is 1 or 0 to override the client's setting, negative to keep it. A failure
/// before the request is under way (a bad handle, a bad header) is thrown here instead.
#[no_mangle]
#[allow(clippy::too_many_arguments)] // the JNI signature: one argument per request field
pub extern "system" fn Java_dev_pinwire_internal_NativeCalls_start<'caller>(
    mut unowned_env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    call: jlong,
    method: JString<'caller>,
    url: JString<'caller>,
    headers: JObjectArray<'caller, JString<'caller>>,
    body: JByteArray<'caller>,
    body_handle: jlong,
    call_timeout_nanos: jlong,
    decompress: jint,
    follow_redirects: bool,
    completion: JObject<'caller>,
) {
    unowned_env
        .with_env(|env| -> Result<(), Failure> {
            let call = handles::call(handle(call))?;
            let parts = request_parts(
                env,
                &method,
                &url,
                &headers,
                &body,
                body_handle,
                call_timeout_nanos,
                decompress,
                follow_redirects,
            )?;
            let request = call.request(parts)?;
            let completion = Completion::new(env, &completion)?;
            Call::start(call, request, completion);
            Ok(())
        })
        .resolve::<ThrowNativeFailure>()
}

/// `NativeCalls.read(call, into, offset, length): Int`: copies up to `length` body bytes that have
/// arrived into `into[offset..]`; returns how many, -1 at the end of the body, or -2 when nothing has
/// arrived yet (`awaitBody` then says when something has).
#[no_mangle]
pub extern "system" fn Java_dev_pinwire_internal_NativeCalls_read<'caller>(
    mut unowned_env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    call: jlong,
    into: JByteArray<'caller>,
    offset: jint,
    length: jint,
) -> jint {
    unowned_env
        .with_env(|env| -> Result<jint, Failure> {
            let call = handles::call(handle(call))?;
            let size = into.len(env)?;
            let (Ok(start), Ok(max)) = (usize::try_from(offset), usize::try_from(length)) else {
                return Err(bad_range(offset, length, size).into());
            };
            if start.checked_add(max).is_none_or(|end| end > size) {
                return Err(bad_range(offset, length, size).into());
            }
            match call.read(max)? {
                Ready::Data(bytes) => {
                    // SAFETY: `bytes` is a live, initialised `[u8]` of `bytes.len()` elements; `i8` has the
                    // size and alignment of `u8` and every bit pattern is valid, so the same memory read as
                    // `[i8]` (Java's `byte`) is valid for the same lifetime.
                    let signed = unsafe { std::slice::from_raw_parts(bytes.as_ptr().cast::<i8>(), bytes.len()) };
                    into.set_region(env, offset, signed)?;
                    Ok(bytes.len() as jint) // at most `length`, a jint
                }
                Ready::End => Ok(-1),
                Ready::Empty => Ok(-2),
            }
        })
        .resolve::<ThrowNativeFailure>()
}

/// `NativeCalls.awaitBody(call, completion)`: returns at once; `completion` (a `NativeCompletion`) is
/// completed, with no bytes, from the runtime's thread once `read` has something to return, or failed
/// with the body's error.
#[no_mangle]
pub extern "system" fn Java_dev_pinwire_internal_NativeCalls_awaitBody<'caller>(
    mut unowned_env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    call: jlong,
    completion: JObject<'caller>,
) {
    unowned_env
        .with_env(|env| -> Result<(), Failure> {
            let call = handles::call(handle(call))?;
            Call::await_body(call, Completion::new(env, &completion)?);
            Ok(())
        })
        .resolve::<ThrowNativeFailure>()
}

fn bad_range(offset: jint, length: jint, size: usize) -> PinwireError {
    PinwireError::Internal {
        detail: format!("internal error: {length} bytes at {offset} of an array of {size}"),
    }
}

/// `NativeCalls.openBody(contentLength): Long`: a request body to write while it is sent, of
/// `contentLength` bytes (sent with `Content-Length`), or of unknown length when negative.
#[no_mangle]
pub extern "system" fn Java_dev_pinwire_internal_NativeCalls_openBody<'caller>(
    mut unowned_env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    content_length: jlong,
) -> jlong {
    unowned_env
        .with_env(|_env| -> Result<jlong, Failure> {
            let channel = BodyChannel::new(u64::try_from(content_length).ok());
            Ok(handles::register(handles::Entry::Body(Arc::new(channel))) as jlong)
        })
        .resolve::<ThrowNativeFailure>()
}

/// `NativeCalls.writeBody(body, from, offset, length)`: sends `from[offset..offset + length]`, blocking
/// while the request is not ready for more (call it from an IO thread). `Closed` once the request stopped
/// reading the body or the handle was released.
#[no_mangle]
pub extern "system" fn Java_dev_pinwire_internal_NativeCalls_writeBody<'caller>(
    mut unowned_env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    body: jlong,
    from: JByteArray<'caller>,
    offset: jint,
    length: jint,
) {
    unowned_env
        .with_env(|env| -> Result<(), Failure> {
            let channel = handles::body(handle(body))?;
            let size = from.len(env)?;
            let (Ok(start), Ok(count)) = (usize::try_from(offset), usize::try_from(length)) else {
                return Err(bad_range(offset, length, size).into());
            };
            if start.checked_add(count).is_none_or(|end| end > size) {
                return Err(bad_range(offset, length, size).into());
            }
            let mut signed = vec![0i8; count];
            from.get_region(env, offset, &mut signed)?;
            // Copied: the Kotlin array may be reused as soon as this returns.
            let chunk: Vec<u8> = signed.into_iter().map(|byte| byte as u8).collect();
            Ok(channel.write(chunk)?)
        })
        .resolve::<ThrowNativeFailure>()
}

/// `NativeCalls.finishBody(body)`: ends the body; `InvalidConfig` when fewer bytes than declared were
/// written.
#[no_mangle]
pub extern "system" fn Java_dev_pinwire_internal_NativeCalls_finishBody<'caller>(
    mut unowned_env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    body: jlong,
) {
    unowned_env
        .with_env(|_env| -> Result<(), Failure> { Ok(handles::body(handle(body))?.finish()?) })
        .resolve::<ThrowNativeFailure>()
}

/// `NativeCalls.abortBody(body, reason)`: ends the body with an error naming `reason`; the request fails.
#[no_mangle]
pub extern "system" fn Java_dev_pinwire_internal_NativeCalls_abortBody<'caller>(
    mut unowned_env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    body: jlong,
    reason: JString<'caller>,
) {
    unowned_env
        .with_env(|env| -> Result<(), Failure> {
            let reason = reason.try_to_string(env)?;
            handles::body(handle(body))?.abort(&reason);
            Ok(())
        })
        .resolve::<ThrowNativeFailure>()
}

/// `NativeCalls.stopBody(body)`: refuses writes from now on, a waiting one included (`Closed`).
#[no_mangle]
pub extern "system" fn Java_dev_pinwire_internal_NativeCalls_stopBody<'caller>(
    mut unowned_env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    body: jlong,
) {
    unowned_env
        .with_env(|_env| -> Result<(), Failure> {
            handles::body(handle(body))?.stop();
            Ok(())
        })
        .resolve::<ThrowNativeFailure>()
}

/// `NativeCalls.bodyWritten(body): Long`: the bytes written so far.
#[no_mangle]
pub extern "system" fn Java_dev_pinwire_internal_NativeCalls_bodyWritten<'caller>(
    mut unowned_env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    body: jlong,
) -> jlong {
    unowned_env
        .with_env(|_env| -> Result<jlong, Failure> { Ok(handles::body(handle(body))?.written() as jlong) })
        .resolve::<ThrowNativeFailure>()
}

/// `NativeCalls.cancel(handle)`: cancels the call and its body reads; harmless on a released handle.
#[no_mangle]
pub extern "system" fn Java_dev_pinwire_internal_NativeCalls_cancel<'caller>(
    mut unowned_env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    call: jlong,
) {
    unowned_env
        .with_env(|_env| -> Result<(), Failure> { Ok(handles::cancel(handle(call))?) })
        .resolve::<ThrowNativeFailure>()
}

/// `NativeCalls.release(handle)`: frees a client or call handle (a call is cancelled, its body dropped);
/// harmless when called again.
#[no_mangle]
pub extern "system" fn Java_dev_pinwire_internal_NativeCalls_release<'caller>(
    mut unowned_env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    handle_value: jlong,
) {
    unowned_env
        .with_env(|_env| -> Result<(), Failure> { Ok(handles::release(handle(handle_value))?) })
        .resolve::<ThrowNativeFailure>()
}

/// `NativeCalls.handleCount(): Long`: the handles not yet released (tests check that none leak).
#[no_mangle]
pub extern "system" fn Java_dev_pinwire_internal_NativeCalls_handleCount<'caller>(
    mut unowned_env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
) -> jlong {
    unowned_env
        .with_env(|_env| -> Result<jlong, Failure> { Ok(handles::count() as jlong) })
        .resolve::<ThrowNativeFailure>()
}

/// Runs `f` with the JVM's environment on this thread, one of the runtime's, attaching the thread first
/// if nothing has: once, as a daemon (a runtime thread never keeps the JVM from exiting), detached when
/// the thread ends.
pub(super) fn with_attached_env<T>(
    f: impl FnOnce(&mut Env<'_>) -> ::jni::errors::Result<T>,
) -> ::jni::errors::Result<T> {
    let vm = JavaVM::singleton()?;
    DAEMON.with(|attachment| attachment.ensure(&vm))?;
    vm.attach_current_thread(f)
}

/// This thread's attachment to the JVM, when it made one itself.
struct DaemonAttachment {
    /// The JVM this thread attached to (null until then).
    vm: Cell<*mut sys::JavaVM>,
    /// Attached already (by this or other code): nothing to do.
    attached: Cell<bool>,
}

thread_local! {
    static DAEMON: DaemonAttachment = const {
        DaemonAttachment { vm: Cell::new(std::ptr::null_mut()), attached: Cell::new(false) }
    };
}

impl DaemonAttachment {
    fn ensure(&self, vm: &JavaVM) -> ::jni::errors::Result<()> {
        if self.attached.get() {
            return Ok(());
        }
        let raw = vm.get_raw();
        let mut env: *mut std::ffi::c_void = std::ptr::null_mut();
        // SAFETY: `raw` is the JVM that loaded this library (jni's singleton, set by the native method
        // that started the call), valid for the life of the process; GetEnv (JNI 1.2) only writes the
        // out-pointer, which lives for the call.
        let code = unsafe { ((**raw).v1_2.GetEnv)(raw, &mut env, sys::JNI_VERSION_1_4) };
        if code == sys::JNI_OK {
            // Attached by other code (which then owns the detaching).
            self.attached.set(true);
            return Ok(());
        }
        let mut args = sys::JavaVMAttachArgs {
            version: sys::JNI_VERSION_1_4,
            name: c"pinwire".as_ptr().cast_mut(),
            group: std::ptr::null_mut(),
        };
        // SAFETY: as above for `raw`; AttachCurrentThreadAsDaemon (JNI 1.4) reads `args` (a live struct
        // whose name is a static NUL-terminated string the JVM copies) and writes the out-pointer.
        let code = unsafe {
            ((**raw).v1_4.AttachCurrentThreadAsDaemon)(raw, &mut env, (&mut args as *mut sys::JavaVMAttachArgs).cast())
        };
        ::jni::errors::jni_error_code_to_result(code)?;
        self.vm.set(raw);
        self.attached.set(true);
        Ok(())
    }
}

impl Drop for DaemonAttachment {
    fn drop(&mut self) {
        let raw = self.vm.get();
        if !raw.is_null() {
            // SAFETY: this thread attached itself to `raw` (see `ensure`) and is ending: no JNI frame of
            // its own is live while its thread-locals are destroyed.
            unsafe {
                ((**raw).v1_1.DetachCurrentThread)(raw);
            }
        }
    }
}
