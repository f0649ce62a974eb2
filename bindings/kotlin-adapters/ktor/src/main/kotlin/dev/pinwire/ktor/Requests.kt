package dev.pinwire.ktor

import io.ktor.client.engine.KTOR_DEFAULT_USER_AGENT
import io.ktor.client.engine.mergeHeaders
import io.ktor.client.request.HttpRequestData
import io.ktor.http.HttpHeaders
import io.ktor.http.content.OutgoingContent
import io.ktor.utils.io.InternalAPI
import io.ktor.utils.io.toByteArray
import io.ktor.utils.io.writer
import kotlin.coroutines.CoroutineContext
import kotlinx.coroutines.CoroutineScope
import dev.pinwire.Request as PinwireRequest

/**
 * Ktor's request as Pinwire's: method, URL, the request's and the content's headers, and the body.
 * Ktor's default User-Agent is left out so the [dev.pinwire.PinwireClient]'s applies; one set on the request
 * is sent. The core computes Content-Length from the body it is given.
 */
@OptIn(InternalAPI::class)
internal suspend fun HttpRequestData.toPinwire(callContext: CoroutineContext): PinwireRequest {
    val bytes = body.bytes(callContext)
    return PinwireRequest(url.toString()) {
        mergeHeaders(headers, body) { name, value ->
            val defaultAgent = name.equals(HttpHeaders.UserAgent, ignoreCase = true) && value == KTOR_DEFAULT_USER_AGENT
            val length = name.equals(HttpHeaders.ContentLength, ignoreCase = true)
            if (!defaultAgent && !length) header(name, value)
        }
        method(method.value, bytes)
    }
}

/** The whole body, or null for none. */
private suspend fun OutgoingContent.bytes(callContext: CoroutineContext): ByteArray? = when (this) {
    is OutgoingContent.NoContent -> null
    is OutgoingContent.ByteArrayContent -> bytes()
    is OutgoingContent.ReadChannelContent -> readFrom().toByteArray()
    is OutgoingContent.WriteChannelContent ->
        CoroutineScope(callContext).writer { writeTo(channel) }.channel.toByteArray()
    is OutgoingContent.ContentWrapper -> delegate().bytes(callContext)
    is OutgoingContent.ProtocolUpgrade ->
        throw UnsupportedOperationException("HttpClient(Pinwire) does not upgrade protocols (WebSockets over Ktor)")
}
