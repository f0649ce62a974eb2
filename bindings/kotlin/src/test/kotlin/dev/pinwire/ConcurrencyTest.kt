package dev.pinwire

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test

class ConcurrencyTest {
    @Test
    fun `50 coroutines share one client, each gets its own answer`() = runBlocking<Unit> {
        testClient {
            add(TestServer.host, TestServer.pin("intermediate"), TestServer.pin("evil_root"))
        }.use { client ->
            val answers = (1..50).map { i ->
                async(Dispatchers.Default) {
                    val request = Request(TestServer.url("good", "/echo")) {
                        header("x-test", "call-$i")
                        post(ByteArray(i))
                    }
                    client.execute(request).use { it.status to it.string() }
                }
            }.awaitAll()
            answers.forEachIndexed { index, (status, body) ->
                val i = index + 1
                assertEquals(200, status)
                assertEquals("POST x-test=call-$i body=$i", body)
            }
        }
    }

    @Test
    fun `50 coroutines over HTTP-1-1 each get a connection of their own`() = runBlocking<Unit> {
        testClient { http1Only() }.use { client ->
            val versions = (1..50).map {
                async(Dispatchers.Default) {
                    client.execute(Request.get(TestServer.url("http1", "/version"))).use { it.string() }
                }
            }.awaitAll()
            assertEquals(List(50) { "HTTP/1.1" }, versions)
        }
    }
}
