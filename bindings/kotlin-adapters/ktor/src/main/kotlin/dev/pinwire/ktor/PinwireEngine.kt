package dev.pinwire.ktor

import dev.pinwire.PinwireClient
import io.ktor.client.engine.HttpClientEngineBase
import io.ktor.client.engine.callContext
import io.ktor.client.request.HttpRequestData
import io.ktor.client.request.HttpResponseData
import io.ktor.http.Headers
import io.ktor.http.HttpProtocolVersion
import io.ktor.http.HttpStatusCode
import io.ktor.util.date.GMTDate
import io.ktor.utils.io.InternalAPI
import io.ktor.utils.io.ByteReadChannel
import io.ktor.utils.io.writeFully
import io.ktor.utils.io.writer
import kotlin.coroutines.CoroutineContext
import kotlinx.coroutines.CoroutineScope
import dev.pinwire.Response as PinwireResponse

/**
 * Sends Ktor's requests with a [PinwireClient]. The call runs in Ktor's call coroutine: cancelling it (or
 * the caller's job) cancels the Rust request, and the body, read from Rust chunk by chunk as the caller
 * reads the channel, stops with it.
 *
 * Ktor marks the engine interface as its internal API (its own engines implement it the same way), so this
 * class opts in; it is built and tested with the Ktor version in the pom.
 */
@OptIn(InternalAPI::class)
internal class PinwireEngine(override val config: PinwireEngineConfig) : HttpClientEngineBase("ktor-pinwire") {
    private val client: PinwireClient = requireNotNull(config.client) {
        "HttpClient(Pinwire): no PinwireClient: configure it with engine { client = pinwireClient }"
    }

    init {
        require(config.proxy == null) {
            "HttpClient(Pinwire): Ktor's engine proxy is not used; set it with PinwireClient.Builder.proxy"
        }
    }

    @InternalAPI
    override suspend fun execute(data: HttpRequestData): HttpResponseData {
        val callContext = callContext()
        val requestTime = GMTDate()
        val response = client.execute(data.toPinwire())
        try {
            return HttpResponseData(
                statusCode = HttpStatusCode.fromValue(response.status),
                requestTime = requestTime,
                headers = Headers.build { for ((name, value) in response.headers) append(name, value) },
                version = HttpProtocolVersion.parse(response.version),
                body = response.bodyChannel(callContext),
                callContext = callContext,
            )
        } catch (e: Throwable) {
            response.close() // nothing will read it
            throw e
        }
    }
}

/**
 * The body as a channel fed from Rust one chunk at a time. The feeding coroutine is a child of the call: when
 * the call is cancelled or the caller stops reading, the read in Rust is cancelled; the response is closed
 * in every case, which releases the connection.
 */
private fun PinwireResponse.bodyChannel(callContext: CoroutineContext): ByteReadChannel {
    val response = this
    return CoroutineScope(callContext).writer {
        try {
            while (true) {
                val chunk = response.chunk() ?: break
                channel.writeFully(chunk)
                channel.flush()
            }
        } finally {
            response.close()
        }
    }.channel
}
