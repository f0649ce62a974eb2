package dev.pinwire

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** Requests and responses cross the FFI with their method, headers, body and metadata. */
class RequestTest {
    @Test
    fun `method, header and body reach the server`() = runBlocking<Unit> {
        testClient().use { client ->
            val request = Request.Builder()
                .url(TestServer.url("good", "/echo"))
                .header("x-test", "hello-1")
                .method("PUT", "12345".encodeToByteArray())
                .build()
            client.execute(request).use { assertEquals("PUT x-test=hello-1 body=5", it.string()) }
            client.execute(Request.post(TestServer.url("good", "/echo"), "abc", "text/plain")).use {
                assertEquals("POST x-test= body=3", it.string())
            }
        }
    }

    @Test
    fun `status, headers, version and final url come back`() = runBlocking<Unit> {
        testClient().use { client ->
            val target = TestServer.url("good", "/status/204")
            client.execute(Request.get(TestServer.url("good", "/redirect?to=$target"))).use { response ->
                assertEquals(204, response.status)
                assertEquals(target, response.url)
                assertEquals("HTTP/2.0", response.version)
                assertEquals(0, response.bytes().size)
            }
            testClient { maxRedirects(0) }.use { noRedirects ->
                noRedirects.execute(Request.get(TestServer.url("good", "/loop"))).use { response ->
                    assertEquals(302, response.status)
                    assertEquals("/loop", response.headers["Location"])
                    assertEquals(listOf("/loop"), response.headers.values("location"))
                    assertNull(response.headers["x-absent"])
                }
            }
        }
    }

    @Test
    fun `followRedirects(false) returns the redirect on a client that follows them`() = runBlocking<Unit> {
        testClient().use { client ->
            val target = TestServer.url("good", "/status/204")
            val redirect = Request.Builder().url(TestServer.url("good", "/redirect?to=$target")).followRedirects(false).build()
            client.execute(redirect).use { response ->
                assertEquals(302, response.status)
                assertEquals(target, response.headers["location"])
            }
            // The builder keeps it, and the next request of the same client follows again.
            assertEquals(false, redirect.newBuilder().build().followRedirects)
            client.execute(Request.get(TestServer.url("good", "/redirect?to=$target"))).use { assertEquals(204, it.status) }
        }
    }

    @Test
    fun `http1Only is honoured`() = runBlocking<Unit> {
        testClient { http1Only() }.use { client ->
            client.execute(Request.get(TestServer.url("good", "/version"))).use {
                assertEquals("HTTP/1.1", it.version)
                assertEquals("HTTP/1.1", it.string())
            }
        }
    }

    @Test
    fun `cleartext is allowed only where permitted`() = runBlocking<Unit> {
        // The TLS server cannot speak plain HTTP: a ProtocolException shows the request was let through.
        val url = "http://${TestServer.host}:${TestServer.port("good")}/"
        testClient { cleartextPermittedByDefault(true) }.use { client ->
            assertThrows<ProtocolException> { client.execute(Request.get(url)) }
        }
        testClient { add(TestServer.host) { cleartextPermitted(true) } }.use { client ->
            assertThrows<ProtocolException> { client.execute(Request.get(url)) }
        }
    }

    @Test
    fun `the request builder copies and the DSL builds`() {
        val original = Request("https://example.invalid/a") { header("a", "1"); header("A", "2") }
        assertEquals(listOf("1", "2"), original.headers.values("a"))
        val copy = original.newBuilder().setHeader("a", "3").delete().build()
        assertEquals("DELETE", copy.method)
        assertEquals(listOf("3"), copy.headers.values("A"))
        assertEquals("GET", original.method)
        assertThrows<IllegalArgumentException> { Request.Builder().build() }
    }
}
