package dev.pinwire.ktor

import dev.pinwire.BodySink
import io.ktor.client.engine.KTOR_DEFAULT_USER_AGENT
import io.ktor.client.engine.mergeHeaders
import io.ktor.client.request.HttpRequestData
import io.ktor.http.HttpHeaders
import io.ktor.http.content.OutgoingContent
import io.ktor.utils.io.ByteReadChannel
import io.ktor.utils.io.InternalAPI
import io.ktor.utils.io.readAvailable
import io.ktor.utils.io.writer
import kotlinx.coroutines.coroutineScope
import dev.pinwire.Request as PinwireRequest
import dev.pinwire.RequestBody as PinwireRequestBody

/**
 * Ktor's request as Pinwire's: method, URL, the request's and the content's headers, and the body, which
 * streams into the request while it is sent. Ktor's default User-Agent is left out so the
 * [dev.pinwire.PinwireClient]'s applies; one set on the request is sent. The body decides `Content-Length`
 * (known length) or chunked transfer (unknown), so neither header is copied.
 */
@OptIn(InternalAPI::class)
internal fun HttpRequestData.toPinwire(): PinwireRequest = PinwireRequest(url.toString()) {
    mergeHeaders(headers, body) { name, value ->
        val defaultAgent = name.equals(HttpHeaders.UserAgent, ignoreCase = true) && value == KTOR_DEFAULT_USER_AGENT
        val framing = name.equals(HttpHeaders.ContentLength, ignoreCase = true) ||
            name.equals(HttpHeaders.TransferEncoding, ignoreCase = true)
        if (!defaultAgent && !framing) header(name, value)
    }
    method(method.value, body.toPinwire())
}

/** The body for Pinwire, or null for none: bytes as they are, channels copied while the request is sent. */
private fun OutgoingContent.toPinwire(): PinwireRequestBody? = when (this) {
    is OutgoingContent.NoContent -> null
    is OutgoingContent.ByteArrayContent -> PinwireRequestBody.create(bytes())
    is OutgoingContent.ReadChannelContent ->
        PinwireRequestBody.writer(contentLength ?: -1) { sink -> readFrom().copyTo(sink) }
    is OutgoingContent.WriteChannelContent -> PinwireRequestBody.writer(contentLength ?: -1) { sink ->
        // The content writes into a channel in a child coroutine; a failed or cancelled send cancels it.
        coroutineScope { writer { writeTo(channel) }.channel.copyTo(sink) }
    }
    is OutgoingContent.ContentWrapper -> delegate().toPinwire()
    is OutgoingContent.ProtocolUpgrade ->
        throw UnsupportedOperationException("HttpClient(Pinwire) does not upgrade protocols (WebSockets over Ktor)")
}

/** Copies this channel into [sink] as its bytes arrive, until its end. */
private suspend fun ByteReadChannel.copyTo(sink: BodySink) {
    val buffer = ByteArray(64 * 1024)
    while (true) {
        val n = readAvailable(buffer)
        if (n < 0) return
        if (n > 0) sink.write(buffer, 0, n)
    }
}
