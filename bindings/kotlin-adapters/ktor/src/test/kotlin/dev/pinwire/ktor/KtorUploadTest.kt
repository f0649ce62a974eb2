package dev.pinwire.ktor

import dev.pinwire.TestServer
import dev.pinwire.establishedConnectionsTo
import dev.pinwire.eventually
import dev.pinwire.testClient
import io.ktor.client.HttpClient
import io.ktor.client.request.post
import io.ktor.client.request.setBody
import io.ktor.client.statement.bodyAsText
import io.ktor.http.content.OutgoingContent
import io.ktor.utils.io.ByteWriteChannel
import io.ktor.utils.io.writeFully
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * Ktor's outgoing content streams into the Rust request as it is written: the body waits, half written,
 * until the connection to the server is open, which only happens if Pinwire is already sending it.
 */
class KtorUploadTest {
    @Test
    fun `a WriteChannelContent body streams, chunked when its length is unknown`() = runBlocking<Unit> {
        val port = TestServer.port("http1")
        val size = 8 * 1024 * 1024
        testClient { http1Only() }.use { pinwire ->
            HttpClient(Pinwire) { engine { client = pinwire } }.use { http ->
                val before = establishedConnectionsTo(port)
                var sawConnectionMidBody = false
                val text = http.post(TestServer.url("http1", "/upload/digest")) {
                    setBody(
                        object : OutgoingContent.WriteChannelContent() {
                            override suspend fun writeTo(channel: ByteWriteChannel) {
                                val piece = ByteArray(64 * 1024) { 7 }
                                repeat(size / piece.size) { i ->
                                    if (i == size / piece.size / 2) {
                                        channel.flush()
                                        sawConnectionMidBody = eventually(10.seconds) { establishedConnectionsTo(port) > before }
                                    }
                                    channel.writeFully(piece)
                                }
                            }
                        },
                    )
                }.bodyAsText()
                assertTrue(sawConnectionMidBody, "the request was being sent while its body was half written")
                assertTrue(text.contains("\"length\":$size"), text)
                assertTrue(text.contains("\"chunked\":true"), text)
            }
        }
    }
}
