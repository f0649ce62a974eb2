package dev.pinwire.bridge

import dev.pinwire.CallTimeoutException
import dev.pinwire.CleartextNotPermittedException
import dev.pinwire.ClosedException
import dev.pinwire.ConnectException
import dev.pinwire.ConnectTimeoutException
import dev.pinwire.DecodedBodyTooLargeException
import dev.pinwire.HostnameMismatchException
import dev.pinwire.InternalException
import dev.pinwire.InvalidConfigException
import dev.pinwire.InvalidUrlException
import dev.pinwire.PinMismatchException
import dev.pinwire.PinwireException
import dev.pinwire.ProtocolException
import dev.pinwire.ReadTimeoutException
import dev.pinwire.TimeoutException
import dev.pinwire.TooManyRedirectsException
import dev.pinwire.UntrustedCertificateException
import dev.pinwire.UpdateException
import kotlin.coroutines.cancellation.CancellationException

/**
 * A failed bridge call as a plain message: a [code] the host maps to its own error type, the core's
 * [message], and the error's [fields] (strings, numbers, lists of strings). [toMessage] is what hosts send on.
 */
class BridgeException(
    /** One of [BridgeErrorCodes]. */
    val code: String,
    message: String,
    /** The error's fields, e.g. `host`, `expectedPins`, `chainPins` for [BridgeErrorCodes.PIN_MISMATCH]. */
    val fields: Map<String, Any?> = emptyMap(),
) : Exception(message) {
    /** `{ code, message, ...fields }`. */
    fun toMessage(): Map<String, Any?> = linkedMapOf<String, Any?>("code" to code, "message" to message) + fields
}

/** The error codes of bridge messages; each platform's host maps them to its own error types. */
object BridgeErrorCodes {
    const val PIN_MISMATCH = "PinMismatch"
    const val UNTRUSTED_CERTIFICATE = "UntrustedCertificate"
    const val HOSTNAME_MISMATCH = "HostnameMismatch"
    const val CLEARTEXT_NOT_PERMITTED = "CleartextNotPermitted"
    const val TIMEOUT = "Timeout"
    const val CONNECT = "Connect"
    const val PROTOCOL = "Protocol"
    const val TOO_MANY_REDIRECTS = "TooManyRedirects"
    const val DECODED_BODY_TOO_LARGE = "DecodedBodyTooLarge"
    const val INVALID_CONFIG = "InvalidConfig"
    const val INVALID_URL = "InvalidUrl"
    const val CLOSED = "Closed"

    /** The call was cancelled by a `cancel` message (or the bridge was disposed). */
    const val CANCELLED = "Cancelled"

    /** The message itself was malformed: a missing or mistyped argument, an unknown method. */
    const val BAD_MESSAGE = "BadMessage"

    /** The id names no live client or call (never created, or already closed). */
    const val UNKNOWN_HANDLE = "UnknownHandle"

    /** A failure the bridge did not expect (a bug): reported to the host instead of crashing it. */
    const val INTERNAL = "Internal"

    /** Every code, for hosts that check their tables against this one. */
    val ALL = listOf(
        PIN_MISMATCH, UNTRUSTED_CERTIFICATE, HOSTNAME_MISMATCH, CLEARTEXT_NOT_PERMITTED, TIMEOUT, CONNECT,
        PROTOCOL, TOO_MANY_REDIRECTS, DECODED_BODY_TOO_LARGE, INVALID_CONFIG, INVALID_URL, CLOSED, CANCELLED, BAD_MESSAGE, UNKNOWN_HANDLE,
        INTERNAL,
    )
}

/** The Kotlin API's exception as a bridge error: every subclass by name, so a new one cannot slip through. */
internal fun PinwireException.toBridge(): BridgeException {
    val text = message ?: javaClass.simpleName
    return when (this) {
        is PinMismatchException -> BridgeException(
            BridgeErrorCodes.PIN_MISMATCH,
            text,
            linkedMapOf(
                "host" to host,
                "port" to port,
                "pattern" to pattern,
                "expectedPins" to expectedPins,
                "chainPins" to chainPins,
                "chainSubjects" to chainSubjects,
            ),
        )
        is UntrustedCertificateException -> BridgeException(
            BridgeErrorCodes.UNTRUSTED_CERTIFICATE,
            text,
            linkedMapOf("host" to host, "reason" to constantName(reason.name)),
        )
        is HostnameMismatchException -> BridgeException(BridgeErrorCodes.HOSTNAME_MISMATCH, text, mapOf("host" to host))
        is CleartextNotPermittedException ->
            BridgeException(BridgeErrorCodes.CLEARTEXT_NOT_PERMITTED, text, linkedMapOf("host" to host, "url" to url))
        is TimeoutException -> BridgeException(
            BridgeErrorCodes.TIMEOUT,
            text,
            linkedMapOf(
                "kind" to when (this) {
                    is ConnectTimeoutException -> "connect"
                    is ReadTimeoutException -> "read"
                    is CallTimeoutException -> "call"
                },
                "url" to url,
            ),
        )
        is ConnectException -> BridgeException(BridgeErrorCodes.CONNECT, text, mapOf("url" to url))
        is ProtocolException -> BridgeException(BridgeErrorCodes.PROTOCOL, text, mapOf("url" to url))
        is TooManyRedirectsException ->
            BridgeException(BridgeErrorCodes.TOO_MANY_REDIRECTS, text, linkedMapOf("url" to url, "maxRedirects" to maxRedirects))
        is DecodedBodyTooLargeException -> BridgeException(
            BridgeErrorCodes.DECODED_BODY_TOO_LARGE,
            text,
            linkedMapOf("url" to url, "decodedBytes" to decodedBytes, "compressedBytes" to compressedBytes),
        )
        is InvalidConfigException -> BridgeException(BridgeErrorCodes.INVALID_CONFIG, text)
        is InvalidUrlException -> BridgeException(BridgeErrorCodes.INVALID_URL, text, mapOf("url" to url))
        is ClosedException -> BridgeException(BridgeErrorCodes.CLOSED, text, mapOf("what" to what))
        is InternalException -> BridgeException(BridgeErrorCodes.INTERNAL, text)
        // The bridge offers no pin-update calls, so an update error reaching it is a bug in the bridge.
        is UpdateException -> BridgeException(BridgeErrorCodes.INTERNAL, text, mapOf("reason" to constantName(reason.name)))
    }
}

/** Any failure of a bridge operation as a [BridgeException]: unexpected ones as [BridgeErrorCodes.INTERNAL]. */
internal fun Throwable.toBridge(): BridgeException = when (this) {
    is BridgeException -> this
    is PinwireException -> toBridge()
    is CancellationException -> BridgeException(BridgeErrorCodes.CANCELLED, "the call was cancelled")
    // The Kotlin API's own argument checks (a negative timeout, ...) are bad input, not bugs.
    is IllegalArgumentException -> BridgeException(BridgeErrorCodes.BAD_MESSAGE, message ?: "invalid argument")
    else -> BridgeException(BridgeErrorCodes.INTERNAL, "${javaClass.name}: $message")
}

/** `UNKNOWN_ISSUER` -> `unknownIssuer`: enum constants as message values. */
internal fun constantName(name: String): String {
    val words = name.lowercase().split('_')
    return words.first() + words.drop(1).joinToString("") { it.replaceFirstChar(Char::uppercase) }
}
