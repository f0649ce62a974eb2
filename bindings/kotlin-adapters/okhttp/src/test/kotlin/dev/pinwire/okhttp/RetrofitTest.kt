package dev.pinwire.okhttp

import com.google.gson.Gson
import dev.pinwire.PinMismatchException
import dev.pinwire.TestServer
import dev.pinwire.establishedConnectionsTo
import dev.pinwire.eventually
import java.io.IOException
import java.util.UUID
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TimeSource
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import okhttp3.OkHttpClient
import okhttp3.ResponseBody
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import retrofit2.Call
import retrofit2.Callback
import retrofit2.Response
import retrofit2.Retrofit
import retrofit2.converter.gson.GsonConverterFactory
import retrofit2.http.Body
import retrofit2.http.GET
import retrofit2.http.POST

/** A note the test server stores (`/collect`) and lists back as JSON (`/collected`). */
data class Note(val id: String, val text: String)

/** The test server's API as an app would declare it for Retrofit. */
interface NotesApi {
    @POST("collect")
    fun post(@Body note: Note): Call<Unit>

    @GET("collected")
    fun all(): Call<List<String>>

    @GET("collected")
    suspend fun allSuspending(): List<String>

    @GET("stall")
    suspend fun stall(): ResponseBody
}

/** Retrofit with a JSON converter over [PinwireCallFactory]: the one line an app changes. */
class RetrofitTest {
    private fun api(factory: PinwireCallFactory, server: String = "good"): NotesApi = Retrofit.Builder()
        .baseUrl(TestServer.url(server, "/"))
        .callFactory(factory)
        .addConverterFactory(GsonConverterFactory.create())
        .build()
        .create(NotesApi::class.java)

    @Test
    fun `a pinned JSON round trip, the request body and the response body go through the converter`() {
        pinnedClient().use { client ->
            val api = api(PinwireCallFactory(client))
            val note = Note(UUID.randomUUID().toString(), "pinned ✓")
            val posted = api.post(note).execute()
            assertEquals(204, posted.code())
            val listed = api.all().execute()
            assertTrue(listed.isSuccessful)
            assertEquals(okhttp3.Protocol.HTTP_2, listed.raw().protocol)
            val notes = listed.body()!!.mapNotNull { runCatching { Gson().fromJson(it, Note::class.java) }.getOrNull() }
            assertTrue(note in notes, "$note not in $notes")
        }
    }

    @Test
    fun `a pin mismatch is the IOException Retrofit callers catch, and Pinwire's PinMismatchException`() {
        impostorTrustingClient().use { client ->
            val api = api(PinwireCallFactory(client), server = "impostor")
            val e = assertThrows<IOException> { api.all().execute() }
            assertInstanceOf(PinMismatchException::class.java, e)
            e as PinMismatchException
            assertEquals(TestServer.host, e.host)
            assertEquals(TestServer.port("impostor"), e.port)
            assertEquals("**.pinwire.test", e.pattern)
            assertEquals(setOf(TestServer.pin("leaf"), TestServer.pin("root")), e.expectedPins.toSet())
            assertEquals(listOf(TestServer.pin("impostor_leaf"), TestServer.pin("evil_root")), e.chainPins)
        }
    }

    @Test
    fun `enqueue answers on a background thread, success and mismatch alike`() {
        pinnedClient().use { client ->
            val answered = CompletableFuture<Pair<String, Response<List<String>>>>()
            api(PinwireCallFactory(client)).all().enqueue(
                object : Callback<List<String>> {
                    override fun onResponse(call: Call<List<String>>, response: Response<List<String>>) {
                        answered.complete(Thread.currentThread().name to response)
                    }

                    override fun onFailure(call: Call<List<String>>, t: Throwable) {
                        answered.completeExceptionally(t)
                    }
                },
            )
            val (thread, response) = answered.get(10, TimeUnit.SECONDS)
            assertNotEquals(Thread.currentThread().name, thread)
            assertTrue(response.isSuccessful)
        }
        impostorTrustingClient().use { client ->
            val failed = CompletableFuture<Throwable>()
            api(PinwireCallFactory(client), server = "impostor").all().enqueue(
                object : Callback<List<String>> {
                    override fun onResponse(call: Call<List<String>>, response: Response<List<String>>) {
                        failed.completeExceptionally(AssertionError("the impostor answered: $response"))
                    }

                    override fun onFailure(call: Call<List<String>>, t: Throwable) {
                        failed.complete(t)
                    }
                },
            )
            assertInstanceOf(PinMismatchException::class.java, failed.get(10, TimeUnit.SECONDS))
        }
    }

    @Test
    fun `a suspend call runs over Pinwire, and cancelling its coroutine closes the connection`() = runBlocking<Unit> {
        val port = TestServer.port("http1")
        pinnedClient { http1Only() }.use { client ->
            val factory = PinwireCallFactory(client)
            val api = api(factory)
            val note = Note(UUID.randomUUID().toString(), "suspending")
            withContext(Dispatchers.IO) { api.post(note).execute() }
            assertTrue(api.allSuspending().any { note.id in it }, "the suspend call lists the note")
            // The stalled call goes to the HTTP/1.1 server, where nothing else holds a connection.
            val before = establishedConnectionsTo(port)
            val stalled = async(Dispatchers.Default) { api(factory, server = "http1").stall() }
            assertTrue(eventually { establishedConnectionsTo(port) > before }, "the stalled call connects")
            delay(200)
            val mark = TimeSource.Monotonic.markNow()
            stalled.cancel()
            stalled.join()
            assertTrue(mark.elapsedNow() < 1.seconds, "cancellation took ${mark.elapsedNow()}")
            assertTrue(eventually(2.seconds) { establishedConnectionsTo(port) <= before }, "the connection is closed")
        }
    }

    @Test
    fun `OkHttp's call timeout ends a stalled call`() {
        pinnedClient().use { client ->
            val factory = PinwireCallFactory(client, OkHttpClient.Builder().callTimeout(300, TimeUnit.MILLISECONDS).build())
            val mark = TimeSource.Monotonic.markNow()
            val e = assertThrows<IOException> {
                factory.newCall(okhttp3.Request.Builder().url(TestServer.url("good", "/stall")).build()).execute()
            }
            assertTrue(mark.elapsedNow() < 5.seconds, "took ${mark.elapsedNow()}")
            assertTrue(e is java.io.InterruptedIOException && e.message == "timeout", "$e")
        }
    }
}
