package dev.pinwire

import java.util.Collections
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** Cookies through the Kotlin API: the in-memory store, an app's own store, and pinned hosts. */
class CookiesTest {
    private suspend fun PinwireClient.text(url: String) = execute(Request.get(url)).use { it.string() }

    @Test
    fun `a login cookie is sent after a redirect to another path, and not to another host`() = runBlocking<Unit> {
        testClient { cookies(); resolve(TestServer.otherHost, "127.0.0.1") }.use { client ->
            assertEquals("session=s3cr3t", client.text(TestServer.url("good", "/cookies/login?to=/cookies/echo")))
            assertEquals("session=s3cr3t", client.text(TestServer.url("good", "/cookies/echo")))
            val other = "https://${TestServer.otherHost}:${TestServer.port("good")}/cookies/echo"
            assertEquals("", client.text(other))
        }
        testClient().use { client ->
            client.text(TestServer.url("good", "/cookies/login"))
            assertEquals("", client.text(TestServer.url("good", "/cookies/echo")), "no store, no cookies")
        }
    }

    /** An app's store: a list, handed back whole for any URL; the client filters. */
    private class ListStore : CookieStore {
        val cookies: MutableList<Cookie> = Collections.synchronizedList(mutableListOf())
        val calls: MutableList<String> = Collections.synchronizedList(mutableListOf())

        override fun save(url: String, cookies: List<Cookie>) {
            calls += "save $url"
            this.cookies += cookies
        }

        override fun load(url: String): List<Cookie> {
            calls += "load $url"
            return cookies.toList()
        }
    }

    @Test
    fun `the app's own store is called, and what it hands back is checked against the URL`() = runBlocking<Unit> {
        val store = ListStore()
        testClient { cookieStore(store); resolve(TestServer.otherHost, "127.0.0.1") }.use { client ->
            assertEquals("session=s3cr3t", client.text(TestServer.url("good", "/cookies/login")))
            val saved = store.cookies.single()
            assertEquals(Cookie("session", "s3cr3t", TestServer.host, true, "/", false, true, null), saved)
            assertTrue(store.calls.any { it.startsWith("save https://${TestServer.host}") }, "${store.calls}")
            assertTrue(store.calls.any { it.endsWith("/cookies/echo") && it.startsWith("load") }, "${store.calls}")
            // A cookie the app adds itself is sent too; the host-only session cookie is not sent elsewhere.
            store.cookies += Cookie("theme", "dark", "pinwire.test", false, "/", false, false)
            assertEquals("session=s3cr3t; theme=dark", client.text(TestServer.url("good", "/cookies/echo")))
            val other = "https://${TestServer.otherHost}:${TestServer.port("good")}/cookies/echo"
            assertEquals("theme=dark", client.text(other))
        }
    }

    @Test
    fun `a pinned host's cookies do not get past an impostor`() = runBlocking<Unit> {
        val store = ListStore()
        testClient {
            trustedRootsPem(TestServer.rootPem("evil"))
            add(TestServer.host, TestServer.pin("intermediate"), TestServer.pin("root"))
            cookieStore(store)
        }.use { client ->
            client.text(TestServer.url("good", "/cookies/login"))
            assertThrows<PinMismatchException> { client.text(TestServer.url("impostor", "/cookies/echo")) }
            assertEquals("session=s3cr3t", client.text(TestServer.url("good", "/cookies/echo")))
        }
    }
}
