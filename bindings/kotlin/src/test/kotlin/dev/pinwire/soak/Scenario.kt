package dev.pinwire.soak

import dev.pinwire.ConnectException
import dev.pinwire.PinMismatchException
import dev.pinwire.PinwireClient
import dev.pinwire.PinwireException
import dev.pinwire.ProtocolException
import dev.pinwire.ReadTimeoutException
import dev.pinwire.Request
import dev.pinwire.TestServer
import dev.pinwire.TooManyRedirectsException
import java.util.Random
import kotlin.coroutines.cancellation.CancellationException
import kotlin.reflect.KClass
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay

/** How a call ended, judged against what its kind must end with. */
enum class Verdict {
    /** The body arrived whole (or, for a partial read, the chunks asked for). */
    OK,

    /** The typed [PinwireException] this kind must end with. */
    EXPECTED_ERROR,

    /** Cancelled (its coroutine cancelled from outside) before it ended. */
    CANCELLED,

    /** Anything else: a wrong exception, a wrong body length, success where failure was due. */
    UNEXPECTED,

    /**
     * A [ProtocolException] because the HTTP/2 connection closed itself at h2's local reset limit (GOAWAY
     * ENHANCE_YOUR_CALM after 1024 resets it sent on its own, which frames for cancelled streams count
     * once too many cancellations are pending): a known limitation under heavy cancellation, counted apart.
     */
    H2_RESET_LIMIT,
}

/** A failure that was not the one due: the h2 reset limit apart, else [Verdict.UNEXPECTED]. */
private fun unexpected(e: PinwireException, detail: String): Outcome =
    if (e is ProtocolException && e.message.orEmpty().contains("too_many_internal_resets")) {
        Outcome(Verdict.H2_RESET_LIMIT)
    } else {
        Outcome(Verdict.UNEXPECTED, detail)
    }

/** A verdict and, when it is [Verdict.UNEXPECTED], what happened instead. */
data class Outcome(val verdict: Verdict, val detail: String? = null)

const val SMALL = 1000
const val LARGE = 1024 * 1024
private const val HUGE = 4 * 1024 * 1024

/**
 * One kind of call: its name, its weight in the mix, whether it is one of the cancelled or abandoned
 * kinds, and how to make it with [Clients].
 */
class Kind(
    val name: String,
    val weight: Int,
    val cancels: Boolean,
    val run: suspend (Clients, Random) -> Outcome,
)

/** The client the soak calls through, the host names and the servers' ports. */
class Clients(val client: PinwireClient) {
    val pinned: String = TestServer.host
    val unpinned: String = TestServer.otherHost
    val ports: Map<String, Int> = TestServer.ports

    fun url(host: String, server: String, path: String = "/") = "https://$host:${ports.getValue(server)}$path"
}

/** Reads the whole body chunk by chunk and returns its length. */
private suspend fun readAll(client: PinwireClient, url: String): Int =
    client.execute(Request.get(url)).use { response ->
        var total = 0
        while (true) total += (response.chunk() ?: break).size
        total
    }

private suspend fun body(client: PinwireClient, url: String, expected: Int): Outcome = try {
    val n = readAll(client, url)
    if (n == expected) Outcome(Verdict.OK) else Outcome(Verdict.UNEXPECTED, "body of $n bytes, expected $expected")
} catch (e: PinwireException) {
    unexpected(e, "${e::class.simpleName}: ${e.message}")
}

private suspend fun failure(client: PinwireClient, url: String, expected: KClass<out PinwireException>): Outcome = try {
    val n = readAll(client, url)
    Outcome(Verdict.UNEXPECTED, "succeeded ($n bytes) where ${expected.simpleName} is due")
} catch (e: PinwireException) {
    if (expected.isInstance(e)) {
        Outcome(Verdict.EXPECTED_ERROR)
    } else {
        unexpected(e, "wrong exception ${e::class.simpleName}: ${e.message}")
    }
}

/**
 * Starts [call] in a child coroutine and cancels that coroutine after [afterMs]: either the call won
 * the race (its own outcome) or it ends in a [CancellationException].
 */
private suspend fun cancelledAfter(afterMs: Long, call: suspend () -> Outcome): Outcome = coroutineScope {
    val job = async { call() }
    delay(afterMs)
    job.cancel()
    try {
        job.await()
    } catch (e: CancellationException) {
        if (!job.isCancelled) throw e
        Outcome(Verdict.CANCELLED)
    }
}

/** A large body: a few chunks read, then the response closed with the rest unread. */
private suspend fun partialRead(client: PinwireClient, url: String, chunks: Int): Outcome = try {
    client.execute(Request.get(url)).use { response ->
        var read = 0
        repeat(chunks) { read += (response.chunk() ?: return Outcome(Verdict.UNEXPECTED, "body ended after $read bytes")).size }
        Outcome(Verdict.OK)
    }
} catch (e: PinwireException) {
    unexpected(e, "${e::class.simpleName}: ${e.message}")
}

/** The mix: weights out of their sum. About a third of the calls are cancelled or read partly. */
fun mix(clients: Clients): List<Kind> {
    val kinds = mutableListOf(
        Kind("small pinned h2", 14, false) { s, _ -> body(s.client, s.url(s.pinned, "good", "/bytes/$SMALL"), SMALL) },
        Kind("small unpinned h2", 8, false) { s, _ -> body(s.client, s.url(s.unpinned, "good", "/bytes/$SMALL"), SMALL) },
        Kind("small pinned h1", 8, false) { s, _ -> body(s.client, s.url(s.pinned, "http1", "/bytes/$SMALL"), SMALL) },
        Kind("large pinned h2", 5, false) { s, _ -> body(s.client, s.url(s.pinned, "good", "/bytes/$LARGE"), LARGE) },
        Kind("large unpinned h1", 5, false) { s, _ -> body(s.client, s.url(s.unpinned, "http1", "/bytes/$LARGE"), LARGE) },
        Kind("partial read", 11, true) { s, r ->
            val server = if (r.nextBoolean()) "good" else "http1"
            partialRead(s.client, s.url(s.pinned, server, "/bytes/$HUGE"), 1 + r.nextInt(4))
        },
        // Cancelled at a random point: usually before the headers, sometimes after (then the call wins).
        Kind("cancel early", 11, true) { s, r ->
            val url = s.url(s.pinned, if (r.nextBoolean()) "good" else "http1", "/bytes/$SMALL")
            cancelledAfter(r.nextInt(30).toLong()) { body(s.client, url, SMALL) }
        },
        // Cancelled at a random point of a 4 MiB body (or before it).
        Kind("cancel mid-body", 11, true) { s, r ->
            val url = s.url(if (r.nextBoolean()) s.pinned else s.unpinned, if (r.nextBoolean()) "good" else "http1", "/bytes/$HUGE")
            cancelledAfter(r.nextInt(200).toLong()) { body(s.client, url, HUGE) }
        },
        Kind("pin mismatch", 2, false) { s, _ -> failure(s.client, s.url(s.pinned, "impostor"), PinMismatchException::class) },
        Kind("refused", 1, false) { s, _ -> failure(s.client, s.url(s.pinned, "refused"), ConnectException::class) },
        Kind("stall headers", 1, false) { s, _ -> failure(s.client, s.url(s.pinned, "good", "/stall"), ReadTimeoutException::class) },
        Kind("stall body", 1, false) { s, _ -> failure(s.client, s.url(s.pinned, "good", "/slow-body"), ReadTimeoutException::class) },
        Kind("redirect loop", 1, false) { s, _ -> failure(s.client, s.url(s.pinned, "good", "/loop"), TooManyRedirectsException::class) },
    )
    for (server in clients.ports.keys.filter { it.startsWith("fault-") }.sorted()) {
        kinds += Kind(server, 1, false) { s, _ -> failure(s.client, s.url(s.pinned, server), ProtocolException::class) }
    }
    return kinds
}

/** Picks kinds by weight. */
class Picker(private val kinds: List<Kind>) {
    private val total = kinds.sumOf { it.weight }

    fun pick(random: Random): Kind {
        var n = random.nextInt(total)
        for (kind in kinds) {
            n -= kind.weight
            if (n < 0) return kind
        }
        error("weights out of range")
    }
}
