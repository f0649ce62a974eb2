package dev.pinwire

import java.io.IOException
import kotlin.coroutines.cancellation.CancellationException
import dev.pinwire.ffi.PinwireException as FfiError
import dev.pinwire.ffi.UpdateException as FfiUpdateError

/**
 * Every way a Pinwire call fails. Each subclass carries the fields a caller acts on; [message] is the
 * core's own text (the same in Rust, Kotlin and Swift), written to be understood from a crash report.
 *
 * Cancelling the calling coroutine (or [Call.cancel]) is not a failure: it surfaces as
 * [CancellationException], never as a [PinwireException].
 */
sealed class PinwireException(message: String, cause: Throwable? = null) : IOException(message, cause)

/**
 * The server's chain was valid, and none of its keys is pinned for the host: an impostor, or a key
 * rotation the app's pins do not know yet. [message] is laid out like OkHttp's "Certificate pinning
 * failure!".
 */
class PinMismatchException(
    /** The host that was connected to. */
    val host: String,
    /** The port, when known. */
    val port: Int?,
    /** The pattern of the pin rule that applied, e.g. `**.example.com`. */
    val pattern: String,
    /** The pins the rule expects (`sha256/...`). */
    val expectedPins: List<String>,
    /** The validated chain's pins, leaf first, trust anchor last. */
    val chainPins: List<String>,
    /** The validated chain's subjects, in the same order as [chainPins]. */
    val chainSubjects: List<String>,
    message: String,
) : PinwireException(message)

/**
 * Why a certificate chain was not trusted: `EXPIRED`, `NOT_YET_VALID`, `UNKNOWN_ISSUER`, `BAD_SIGNATURE`,
 * `HOSTNAME_MISMATCH`, `NOT_SERVER_AUTH`, `REVOKED`, `WRONG_ROLE`, `MALFORMED` or `OTHER` (the platform's own
 * reason, in the exception's message). The core's enum, as UniFFI generates it.
 */
typealias UntrustedReason = dev.pinwire.ffi.UntrustedReason

/** The chain did not validate (unknown issuer, expired, ...); pins were not looked at. */
class UntrustedCertificateException(
    /** The host that was connected to. */
    val host: String,
    /** Why the chain was refused. */
    val reason: UntrustedReason,
    message: String,
) : PinwireException(message)

/** The certificate is not valid for the host that was connected to. */
class HostnameMismatchException(
    /** The host that was connected to. */
    val host: String,
    message: String,
) : PinwireException(message)

/** `http://` to a host the policy does not permit cleartext to (also when a redirect leads there). */
class CleartextNotPermittedException(
    /** The host. */
    val host: String,
    /** The URL that was refused. */
    val url: String,
    message: String,
) : PinwireException(message)

/**
 * Which timeout fired: `CONNECT` (TCP and the TLS handshake, [PinwireClient.Builder.connectTimeout]), `READ`
 * (waiting for data, [PinwireClient.Builder.readTimeout]) or `CALL` (the whole call, body included,
 * [PinwireClient.Builder.callTimeout], [Request.callTimeout]). The core's enum, as UniFFI generates it.
 */
typealias TimeoutKind = dev.pinwire.ffi.TimeoutKind

/** A timeout fired: catch this to handle all three, or one of its subclasses to tell them apart. */
sealed class TimeoutException(
    /** Which timeout fired. */
    val kind: TimeoutKind,
    /** The URL being fetched. */
    val url: String,
    message: String,
) : PinwireException(message)

/** The connection (TCP and TLS handshake) was not made within the connect timeout. */
class ConnectTimeoutException(url: String, message: String) : TimeoutException(TimeoutKind.CONNECT, url, message)

/** The server sent nothing for longer than the read timeout. */
class ReadTimeoutException(url: String, message: String) : TimeoutException(TimeoutKind.READ, url, message)

/** The whole call took longer than the call timeout. */
class CallTimeoutException(url: String, message: String) : TimeoutException(TimeoutKind.CALL, url, message)

/** The connection could not be made: refused, unreachable, DNS, or a proxy refused the tunnel. */
class ConnectException(
    /** The URL being fetched. */
    val url: String,
    message: String,
) : PinwireException(message)

/** The peer broke the TLS or HTTP protocol, or the connection dropped mid-exchange. */
class ProtocolException(
    /** The URL being fetched. */
    val url: String,
    message: String,
) : PinwireException(message)

/**
 * A compressed response body expanded beyond the client's bound when decoded (a decompression bomb, or
 * more than [PinwireClient.Builder.maxDecodedSize] allows). The body is not read further.
 */
class DecodedBodyTooLargeException(
    /** The URL being fetched. */
    val url: String,
    /** Decoded bytes when the bound was crossed. */
    val decodedBytes: Long,
    /** Compressed bytes received by then. */
    val compressedBytes: Long,
    message: String,
) : PinwireException(message)

/** More redirects than [PinwireClient.Builder.maxRedirects] allows. */
class TooManyRedirectsException(
    /** The URL of the redirect that was refused. */
    val url: String,
    /** The limit. */
    val maxRedirects: Int,
    message: String,
) : PinwireException(message)

/** The client, pin policy, a pin, a certificate or a header is invalid. Never a silent fallback. */
class InvalidConfigException(message: String) : PinwireException(message)

/** A malformed URL or an unsupported scheme. */
class InvalidUrlException(
    /** The URL as given. */
    val url: String,
    message: String,
) : PinwireException(message)

/** A client or response was used after `close()` (or a body after [Response.closeBody]). */
class ClosedException(
    /** Which object, e.g. `response body`. */
    val what: String,
    message: String = "$what was used after close()",
) : PinwireException(message)

/**
 * A bug: code inside the call panicked (Pinwire's, or a validator or listener). The call failed; it was
 * not cancelled, so this is never a [CancellationException]. [message] carries the panic's message.
 */
class InternalException(message: String) : PinwireException(message)

// ---------------------------------------------------------------------------------------------------
// The one place where the generated error becomes a Kotlin exception.

internal fun FfiError.toKotlin(): Exception = when (this) {
    is FfiError.PinMismatch -> PinMismatchException(
        host = host,
        port = port?.toInt(),
        pattern = pattern,
        expectedPins = expectedPins,
        chainPins = chainPins,
        chainSubjects = chainSubjects,
        message = detail,
    )
    is FfiError.UntrustedCertificate -> UntrustedCertificateException(host, reason, detail)
    is FfiError.HostnameMismatch -> HostnameMismatchException(host, detail)
    is FfiError.CleartextNotPermitted -> CleartextNotPermittedException(host, url, detail)
    is FfiError.Timeout -> when (kind) {
        TimeoutKind.CONNECT -> ConnectTimeoutException(url, detail)
        TimeoutKind.READ -> ReadTimeoutException(url, detail)
        TimeoutKind.CALL -> CallTimeoutException(url, detail)
    }
    is FfiError.Connect -> ConnectException(url, detail)
    is FfiError.Protocol -> ProtocolException(url, detail)
    is FfiError.DecodedBodyTooLarge -> DecodedBodyTooLargeException(
        url,
        decodedBytes.toLong(),
        compressedBytes.toLong(),
        detail,
    )
    is FfiError.TooManyRedirects -> TooManyRedirectsException(
        url,
        max.toLong().coerceAtMost(Int.MAX_VALUE.toLong()).toInt(),
        detail,
    )
    is FfiError.InvalidConfig -> InvalidConfigException(detail)
    is FfiError.InvalidUrl -> InvalidUrlException(url, detail)
    // A CancellationToken produces this: Call.cancel, or PinwireClient.execute's own token when the
    // calling coroutine is cancelled.
    is FfiError.Cancelled -> CancellationException("the call was cancelled")
    is FfiError.Closed -> ClosedException(what)
    is FfiError.Internal -> InternalException(detail)
}

/**
 * Runs a call into the generated bindings, turning its errors into [PinwireException]s (or
 * [CancellationException]) and a use of a destroyed native object into [ClosedException]. Coroutine
 * cancellation passes through untouched.
 */
internal inline fun <T> ffiCall(what: String, block: () -> T): T {
    try {
        return block()
    } catch (e: CancellationException) {
        throw e // an IllegalStateException too: must not be taken for the case below
    } catch (e: FfiError) {
        throw e.toKotlin()
    } catch (e: IllegalStateException) {
        // The generated objects throw this when used after destroy(): a close() raced with this call.
        if (e.message?.contains("already been destroyed") == true) throw ClosedException(what)
        throw e
    }
}

/**
 * Why a signed pin update was refused: [BAD_SIGNATURE][UpdateRefusal.BAD_SIGNATURE],
 * [ROLLBACK][UpdateRefusal.ROLLBACK], [EXPIRED][UpdateRefusal.EXPIRED], ... The core's enum, as UniFFI
 * generates it.
 */
typealias UpdateRefusal = dev.pinwire.ffi.UpdateRefusal

/**
 * A signed pin update was not applied ([PinwireClient.applyUpdate], [PinwireClient.checkForUpdate]); the
 * configuration in use stays in use. [reason] says why, [message] is the core's own text.
 */
class UpdateException(
    /** Why. */
    val reason: UpdateRefusal,
    /** The document's version, when it was read that far. */
    val version: Long?,
    message: String,
) : PinwireException(message)

internal fun FfiUpdateError.toKotlin(): UpdateException = when (this) {
    is FfiUpdateError.NotConfigured -> UpdateException(UpdateRefusal.NOT_CONFIGURED, null, detail)
    is FfiUpdateError.TooLarge -> UpdateException(UpdateRefusal.TOO_LARGE, null, detail)
    is FfiUpdateError.Malformed -> UpdateException(UpdateRefusal.MALFORMED, null, detail)
    is FfiUpdateError.MissingKeyId -> UpdateException(UpdateRefusal.MISSING_KEY_ID, null, detail)
    is FfiUpdateError.UnknownKeyId -> UpdateException(UpdateRefusal.UNKNOWN_KEY_ID, null, detail)
    is FfiUpdateError.AlgorithmNotAllowed -> UpdateException(UpdateRefusal.ALGORITHM_NOT_ALLOWED, null, detail)
    is FfiUpdateError.BadSignature -> UpdateException(UpdateRefusal.BAD_SIGNATURE, null, detail)
    is FfiUpdateError.InvalidPayload -> UpdateException(UpdateRefusal.INVALID_PAYLOAD, null, detail)
    is FfiUpdateError.Expired -> UpdateException(UpdateRefusal.EXPIRED, version.toLong(), detail)
    is FfiUpdateError.IssuedInFuture -> UpdateException(UpdateRefusal.ISSUED_IN_FUTURE, version.toLong(), detail)
    is FfiUpdateError.InvalidConfiguration ->
        UpdateException(UpdateRefusal.INVALID_CONFIGURATION, version.toLong(), detail)
    is FfiUpdateError.UnacceptableConfiguration ->
        UpdateException(UpdateRefusal.UNACCEPTABLE_CONFIGURATION, version.toLong(), detail)
    is FfiUpdateError.Rollback -> UpdateException(UpdateRefusal.ROLLBACK, version.toLong(), detail)
    is FfiUpdateError.SameVersionDifferentContent ->
        UpdateException(UpdateRefusal.SAME_VERSION_DIFFERENT_CONTENT, version.toLong(), detail)
    is FfiUpdateError.Fetch -> UpdateException(UpdateRefusal.FETCH, null, detail)
    is FfiUpdateError.Store -> UpdateException(UpdateRefusal.STORE, null, detail)
    is FfiUpdateError.Client -> UpdateException(UpdateRefusal.CLIENT, null, detail)
}

/** [ffiCall] for the update calls, whose generated error is their own. */
internal inline fun <T> ffiUpdateCall(block: () -> T): T {
    try {
        return ffiCall("client", block)
    } catch (e: FfiUpdateError) {
        throw e.toKotlin()
    }
}
