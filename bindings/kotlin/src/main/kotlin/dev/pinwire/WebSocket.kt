package dev.pinwire

import dev.pinwire.ffi.Header
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.coroutines.cancellation.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.async
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.isActive
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import dev.pinwire.ffi.CancellationToken as FfiCancellationToken
import dev.pinwire.ffi.PinwireClient as FfiClient
import dev.pinwire.ffi.WebSocket as FfiWebSocket
import dev.pinwire.ffi.WebSocketMessage as FfiMessage
import dev.pinwire.ffi.WebSocketRequest as FfiRequest

/** A WebSocket data message: text or binary. Pings and pongs are answered and sent by [WebSocket] itself. */
sealed class WebSocketMessage {
    /** A text message. */
    data class Text(val text: String) : WebSocketMessage()

    /** A binary message. */
    class Binary(val bytes: ByteArray) : WebSocketMessage() {
        override fun equals(other: Any?): Boolean = other is Binary && bytes.contentEquals(other.bytes)

        override fun hashCode(): Int = bytes.contentHashCode()

        override fun toString(): String = "Binary(${bytes.size} bytes)"
    }
}

/** A close code (1000 normal closure, 1001 going away, 3000 to 4999 the app's own) and a reason. */
data class WebSocketCloseFrame(val code: Int, val reason: String)

/**
 * What a WebSocket is opened with: a `wss://` URL (`ws://` only where the policy permits cleartext to the
 * host), extra headers for the upgrade request, subprotocols to offer, and the largest message accepted.
 */
class WebSocketRequest private constructor(
    val url: String,
    val headers: List<Pair<String, String>>,
    val protocols: List<String>,
    val maxMessageSize: Long?,
) {
    /** Builds a [WebSocketRequest]. */
    class Builder(private val url: String) {
        private val headers = mutableListOf<Pair<String, String>>()
        private val protocols = mutableListOf<String>()
        private var maxMessageSize: Long? = null

        /** Adds a header to the upgrade request (`Authorization`, ...). */
        fun header(name: String, value: String) = apply { headers += name to value }

        /** Offers a subprotocol; the server picks at most one ([WebSocket.protocol]). */
        fun protocol(protocol: String) = apply { protocols += protocol }

        /** The largest message accepted, in bytes (default 16 MiB); a larger one fails [WebSocket.messages]. */
        fun maxMessageSize(bytes: Long) = apply { maxMessageSize = bytes }

        fun build() = WebSocketRequest(url, headers.toList(), protocols.toList(), maxMessageSize)
    }

    internal fun toFfi() = FfiRequest(
        url = url,
        headers = headers.map { (name, value) -> Header(name, value) },
        protocols = protocols,
        maxMessageSize = maxMessageSize?.also { require(it > 0) { "maxMessageSize must be positive" } }?.toULong(),
    )

    companion object {
        /** A request for [url] with no extras. */
        fun of(url: String) = Builder(url).build()
    }
}

/**
 * An open WebSocket, made by [PinwireClient.webSocket] over the client's own TLS set-up: the same pins,
 * pin events and failure reports as its HTTPS calls.
 *
 * Read with [messages], write with [send], end with [close] (a closing handshake with a code) or [cancel]
 * (drops the connection at once). Cancelling the coroutine that collects [messages] cancels the socket.
 */
class WebSocket internal constructor(private val ffi: FfiWebSocket) {
    private val cancelled = AtomicBoolean(false)

    /** The URL the socket was opened with. */
    val url: String get() = ffi.url()

    /** The subprotocol the server chose among those offered, or null. */
    val protocol: String? get() = ffi.subprotocol()

    /** The close frame the server sent, once it has sent one. */
    val closeFrame: WebSocketCloseFrame? get() = ffi.closeFrame()?.let { WebSocketCloseFrame(it.code.toInt(), it.reason) }

    /** Whether the connection has ended (closed, failed or cancelled). */
    val isClosed: Boolean get() = ffi.isClosed()

    /**
     * The messages as they arrive, as a cold [Flow] to collect once. It completes when the socket is
     * closed by a closing handshake ([closeFrame] says how), and throws [PinwireException] when it ends
     * any other way (e.g. [ProtocolException] for a message over the size limit), and simply completes
     * after [cancel]. Cancelling the collector cancels the socket.
     */
    val messages: Flow<WebSocketMessage> = flow {
        try {
            while (true) {
                val message = ffiCall("websocket") { ffi.receive() } ?: break
                emit(message.toKotlin())
            }
        } catch (e: CancellationException) {
            // The collector cancelled cancels the socket; the app's cancel() ends the flow; an operator that
            // stops collecting (take, first) leaves the socket open.
            if (!currentCoroutineContext().isActive) {
                cancel()
                throw e
            }
            if (cancelled.get()) return@flow
            throw e
        }
    }

    /** The next message, or null once the socket is closed by a closing handshake. */
    suspend fun receive(): WebSocketMessage? = ffiCall("websocket") { ffi.receive() }?.toKotlin()

    /** Sends a text message; returns once it is written to the connection. */
    suspend fun send(text: String) = ffiCall("websocket") { ffi.send(FfiMessage.Text(text)) }

    /** Sends a binary message; returns once it is written to the connection. */
    suspend fun send(bytes: ByteArray) = ffiCall("websocket") { ffi.send(FfiMessage.Binary(bytes)) }

    /**
     * Sends a ping with [payload] (at most 125 bytes) and returns when the server's pong arrives; wrap it
     * in `withTimeout` to detect a connection that went away silently.
     */
    suspend fun ping(payload: ByteArray = ByteArray(0)) = ffiCall("websocket") { ffi.ping(payload) }

    /**
     * Closes with [code] and [reason] (at most 123 bytes): sends the close frame and waits for the server's
     * answer (at most 10 s). Closing a closed socket does nothing.
     *
     * @throws InvalidConfigException for a code an endpoint may not send (1005, 1006, 1015, below 1000, ...).
     */
    suspend fun close(code: Int = 1000, reason: String = "") {
        require(code in 0..65535) { "close code $code is not a 16-bit value" }
        ffiCall("websocket") { ffi.close(code.toUShort(), reason) }
    }

    /**
     * Drops the connection at once, without a closing handshake: [messages] completes, other calls in
     * flight throw [CancellationException]. The native socket is freed when this object is no longer
     * reachable.
     */
    fun cancel() {
        cancelled.set(true)
        ffiCall("websocket") { ffi.cancel() }
    }
}

/** Where WebSocket connects run: cancelling the caller cancels the connect through its token instead. */
private val connects = CoroutineScope(SupervisorJob() + Dispatchers.Default)

@OptIn(ExperimentalCoroutinesApi::class)
internal suspend fun openWebSocket(client: FfiClient, request: WebSocketRequest): WebSocket {
    // As for requests (see PinwireClient.execute): the native call is not cancelled with the caller,
    // its token is, and a socket that still opens is cancelled.
    val token = FfiCancellationToken()
    val connect = connects.async { WebSocket(ffiCall("client") { client.websocket(request.toFfi(), token) }) }
    try {
        return connect.await()
    } catch (e: CancellationException) {
        token.cancel()
        connect.invokeOnCompletion { failure -> if (failure == null) connect.getCompleted().cancel() }
        throw e
    }
}

private fun FfiMessage.toKotlin(): WebSocketMessage = when (this) {
    is FfiMessage.Text -> WebSocketMessage.Text(text)
    is FfiMessage.Binary -> WebSocketMessage.Binary(data)
}
