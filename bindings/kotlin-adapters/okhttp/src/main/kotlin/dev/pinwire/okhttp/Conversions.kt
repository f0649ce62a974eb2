package dev.pinwire.okhttp

import java.io.IOException
import kotlin.time.Duration
import okhttp3.Headers
import okhttp3.HttpUrl.Companion.toHttpUrlOrNull
import okhttp3.MediaType
import okhttp3.MediaType.Companion.toMediaTypeOrNull
import okhttp3.Protocol
import okhttp3.Request
import okhttp3.Response
import okhttp3.ResponseBody
import okio.BufferedSource
import okio.buffer
import okio.sink
import okio.source
import dev.pinwire.Request as PinwireRequest
import dev.pinwire.RequestBody as PinwireRequestBody
import dev.pinwire.Response as PinwireResponse

/**
 * OkHttp's request as Pinwire's: method, URL, headers, the body (written into the request while it is
 * sent, never whole in memory), the [callTimeout] if there is one, and whether redirects are followed (the
 * OkHttpClient's `followRedirects`). The body decides `Content-Length` (known length) or chunked transfer
 * (unknown), so neither header is copied.
 */
internal fun Request.toPinwire(callTimeout: Duration?, followRedirects: Boolean): PinwireRequest {
    val body = body
    if (body != null && body.isDuplex()) throw IOException("duplex request bodies are not supported by Pinwire")
    return PinwireRequest(url.toString()) {
        for ((name, value) in headers) {
            val framing = name.equals("Content-Length", ignoreCase = true) ||
                name.equals("Transfer-Encoding", ignoreCase = true)
            if (!framing) header(name, value)
        }
        method(method, body?.toPinwire())
        callTimeout?.let { callTimeout(it) }
        followRedirects(followRedirects)
    }
}

/** OkHttp's body as Pinwire's: [okhttp3.RequestBody.writeTo] writes through an okio sink into the request. */
private fun okhttp3.RequestBody.toPinwire(): PinwireRequestBody =
    PinwireRequestBody.fromOutputStream(contentLength(), contentType()?.toString()) { out ->
        val sink = out.sink().buffer()
        writeTo(sink)
        sink.flush()
    }

/** Pinwire's response as OkHttp's; [request] is the one the chain sent, its URL replaced after redirects. */
internal fun PinwireResponse.toOkHttp(request: Request, sentAt: Long): Response {
    val headers = Headers.Builder().apply { for ((name, value) in this@toOkHttp.headers) addUnsafeNonAscii(name, value) }
        .build()
    val finalRequest = when (url) {
        request.url.toString() -> request
        else -> url.toHttpUrlOrNull()?.let { request.newBuilder().url(it).build() } ?: request
    }
    return Response.Builder()
        .request(finalRequest)
        .protocol(protocolOf(version))
        .code(status)
        // The core does not hand over HTTP/1.1's reason phrase; HTTP/2 has none (OkHttp's is empty too).
        .message("")
        .headers(headers)
        .body(StreamingBody(this, headers["Content-Type"]?.toMediaTypeOrNull(), headers["Content-Length"]?.toLongOrNull()))
        .sentRequestAtMillis(sentAt)
        .receivedResponseAtMillis(System.currentTimeMillis())
        .build()
}

private fun protocolOf(version: String): Protocol = when (version) {
    "HTTP/2.0" -> Protocol.HTTP_2
    "HTTP/1.0" -> Protocol.HTTP_1_0
    "HTTP/3.0" -> Protocol.HTTP_3
    else -> Protocol.HTTP_1_1
}

/**
 * The body as it arrives from Rust (one chunk in memory at a time). Closing it closes the Pinwire
 * response, which releases the connection; a cancelled call ends a read with an IOException.
 */
private class StreamingBody(
    private val response: PinwireResponse,
    private val contentType: MediaType?,
    private val contentLength: Long?,
) : ResponseBody() {
    private val source: BufferedSource by lazy { response.byteStream().source().buffer() }

    override fun contentType(): MediaType? = contentType

    override fun contentLength(): Long = contentLength ?: -1L

    override fun source(): BufferedSource = source

    override fun close() = response.close()
}
