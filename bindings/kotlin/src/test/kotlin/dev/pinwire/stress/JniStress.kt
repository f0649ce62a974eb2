/**
 * The JNI request path under stress, run by scripts/test-jni-stress.sh under `-Xcheck:jni` (which also
 * fails the run on any JNI warning the JVM prints):
 *
 *   java -Xcheck:jni ... dev.pinwire.stress.JniStressKt [--requests N] [--concurrency N] [--seed N]
 *
 * [requests] calls, [concurrency] at a time, against the real `pinwire-testserver` (HTTP/2 and HTTP/1.1):
 * a third cancelled at a random point (before the head, or during the body; by `Call.cancel` from another
 * thread or by cancelling the coroutine), the others reading a random part of their body, or all of it,
 * then closing. A quarter send a streamed request body (written in pieces, its length announced or not)
 * to the digest endpoint, which answers with the length it received. Then one PASS/FAIL line per check: every call ended as it must; released, foreign and
 * wrong-kind handles are exceptions, not crashes; no handle leaked; JVM and OS threads did not grow after
 * the warm-up. Ends with `N passed, N failed`; exits non-zero on a failure.
 */
package dev.pinwire.stress

import dev.pinwire.Call
import dev.pinwire.ClosedException
import dev.pinwire.InternalException
import dev.pinwire.PinwireException
import dev.pinwire.Request
import dev.pinwire.RequestBody
import dev.pinwire.Response
import dev.pinwire.TestServer
import dev.pinwire.internal.NativeCall
import dev.pinwire.internal.NativeCalls
import dev.pinwire.testClient
import java.io.File
import java.util.Random
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.coroutines.cancellation.CancellationException
import kotlin.system.exitProcess
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TimeSource
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.sync.Semaphore
import kotlinx.coroutines.sync.withPermit
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield

private class Outcomes {
    val completed = AtomicInteger()
    val partlyRead = AtomicInteger()
    val cancelled = AtomicInteger()
    /** Cancelled so late that the call had already finished: fine, counted apart. */
    val finishedBeforeCancel = AtomicInteger()
    val wrong = AtomicInteger()
    /** Uploads answered with the length they sent (also counted in [completed]). */
    val uploadsVerified = AtomicInteger()
    val firstWrong = java.util.concurrent.atomic.AtomicReference<String?>(null)

    fun wrong(what: String) {
        wrong.incrementAndGet()
        firstWrong.compareAndSet(null, what)
    }

    val total get() = completed.get() + partlyRead.get() + cancelled.get() + finishedBeforeCancel.get() + wrong.get()
}

private var passed = 0
private var failed = 0

private fun check(ok: Boolean, what: String) {
    if (ok) passed++ else failed++
    println("${if (ok) "PASS" else "FAIL"} $what")
}

private fun osThreads(): Int =
    File("/proc/self/status").readLines().first { it.startsWith("Threads:") }.substringAfter(':').trim().toInt()

private fun jvmThreads(): Int = Thread.activeCount()

fun main(args: Array<String>) {
    val options = args.toList().chunked(2).associate { it[0].removePrefix("--") to it[1].toLong() }
    val requests = (options["requests"] ?: 10_000).toInt()
    val concurrency = (options["concurrency"] ?: 64).toInt()
    val seed = options["seed"] ?: System.nanoTime()
    println("==> JNI stress: $requests requests, $concurrency concurrent, seed $seed")
    val started = TimeSource.Monotonic.markNow()

    val baseline = NativeCalls.handleCount()
    val canceller = Executors.newScheduledThreadPool(2)
    val outcomes = Outcomes()
    var afterWarmUp = 0 to 0
    testClient { callTimeout(20.seconds) }.use { client ->
        checkHandles(client)
        runBlocking(Dispatchers.Default) {
            val random = Random(seed)
            val warmUp = minOf(requests, 1_000)
            suspend fun batch(from: Int, until: Int) = coroutineScope {
                val permits = Semaphore(concurrency)
                for (i in from until until) {
                    val plan = Plan(random)
                    permits.acquire()
                    launch {
                        try {
                            one(client, plan, canceller, outcomes)
                        } finally {
                            permits.release()
                        }
                    }
                }
            }
            batch(0, warmUp)
            afterWarmUp = jvmThreads() to osThreads()
            println("    after the warm-up: ${afterWarmUp.first} JVM threads, ${afterWarmUp.second} OS threads, ${NativeCalls.handleCount() - baseline} handles")
            batch(warmUp, requests)
        }
    }
    canceller.shutdownNow()
    canceller.awaitTermination(5, TimeUnit.SECONDS)

    println(
        "    ${outcomes.completed} read whole, ${outcomes.partlyRead} read partly, ${outcomes.cancelled} cancelled " +
            "(${outcomes.finishedBeforeCancel} had finished first), ${outcomes.wrong} wrong, in ${started.elapsedNow()}",
    )
    check(outcomes.total == requests, "every one of the $requests calls ended (${outcomes.total})")
    check(outcomes.wrong.get() == 0, "every call ended as it must (first wrong: ${outcomes.firstWrong.get()})")
    check(outcomes.cancelled.get() + outcomes.finishedBeforeCancel.get() >= requests / 4, "about a third were cancelled")
    check(outcomes.partlyRead.get() >= requests / 5, "bodies were read partly then closed")
    check(outcomes.uploadsVerified.get() >= requests / 40, "streamed uploads arrived whole (${outcomes.uploadsVerified} checked)")
    val leaked = NativeCalls.handleCount() - baseline
    check(leaked == 0L, "no handle leaked ($leaked left)")
    val (jvm, os) = jvmThreads() to osThreads()
    // Threads come and go (the IO dispatcher's, the JIT's, and the Rust runtime's, which the JVM counts
    // once they have completed a call: a handshake's blocking section hands a worker's part to another
    // thread, and the one it leaves ends when idle), but a leak per call would show in thousands.
    check(jvm <= afterWarmUp.first + 8, "JVM threads did not grow: $jvm after, ${afterWarmUp.first} after the warm-up")
    check(os <= afterWarmUp.second + 8, "OS threads did not grow: $os after, ${afterWarmUp.second} after the warm-up")
    println("${passed} passed, ${failed} failed")
    exitProcess(if (failed == 0) 0 else 1)
}

/** What one call does, drawn up front from the shared seed. */
private class Plan(random: Random) {
    val http1 = random.nextBoolean()
    val size = if (random.nextInt(4) == 0) random.nextInt(2_000) else random.nextInt(400_000)
    val cancel = random.nextInt(3) == 0
    /** For a cancelled call: `Call.cancel` from another thread (else the coroutine's cancellation). */
    val byCallCancel = random.nextBoolean()
    val cancelAfterMicros = random.nextInt(if (random.nextBoolean()) 2_000 else 30_000).toLong()
    /** For the others: read all, or this many bytes then close. */
    val readAll = random.nextInt(3) == 0
    val readPart = random.nextInt(maxOf(1, size))
    val viaStream = random.nextBoolean()
    /** Sends a streamed body of [size] bytes (answered with its length), its length announced or not. */
    val upload = random.nextInt(4) == 0
    val announced = random.nextBoolean()
}

/** The request [plan] sends: a GET of [Plan.size] bytes, or a streamed upload of as many. */
private fun request(plan: Plan): Request {
    val host = if (plan.http1) "http1" else "good"
    if (!plan.upload) return Request.get(TestServer.url(host, "/bytes/${plan.size}"))
    val body = RequestBody.writer(if (plan.announced) plan.size.toLong() else -1) { sink ->
        val piece = ByteArray(64 * 1024) { it.toByte() }
        var left = plan.size
        while (left > 0) {
            val n = minOf(left, piece.size)
            sink.write(piece, 0, n)
            left -= n
        }
    }
    return Request(TestServer.url(host, "/upload/digest")) { post(body) }
}

private suspend fun one(client: dev.pinwire.PinwireClient, plan: Plan, canceller: java.util.concurrent.ScheduledExecutorService, outcomes: Outcomes) {
    val request = request(plan)
    val url = request.url
    val call = client.newCall(request)
    try {
        if (plan.cancel && plan.byCallCancel) {
            canceller.schedule({ call.cancel() }, plan.cancelAfterMicros, TimeUnit.MICROSECONDS)
            val read = runCatching { call.execute().use { readAll(it) } }
            classifyCancelled(read.exceptionOrNull(), read.getOrNull(), plan, outcomes)
        } else if (plan.cancel) {
            val work = coroutineScope {
                val job = async { call.execute().use { readAll(it) } }
                launch {
                    delay(plan.cancelAfterMicros / 1_000)
                    yield()
                    job.cancel()
                }
                runCatching { job.await() }
            }
            classifyCancelled(work.exceptionOrNull(), work.getOrNull(), plan, outcomes)
        } else {
            val response = withTimeout(30.seconds) { call.execute() }
            response.use {
                if (plan.readAll && plan.upload) {
                    val answer = it.string()
                    if (answer.contains("\"length\":${plan.size},")) {
                        outcomes.completed.incrementAndGet()
                        outcomes.uploadsVerified.incrementAndGet()
                    } else {
                        outcomes.wrong("$url: $answer")
                    }
                } else if (plan.readAll) {
                    val n = readAll(it)
                    if (n == plan.size) outcomes.completed.incrementAndGet() else outcomes.wrong("read $n of ${plan.size}")
                } else {
                    readPart(it, plan)
                    outcomes.partlyRead.incrementAndGet()
                }
            }
            if (runCatching { response.chunk() }.exceptionOrNull() !is ClosedException) outcomes.wrong("read after close")
        }
    } catch (e: Throwable) {
        outcomes.wrong("$url: $e")
    }
}

private fun classifyCancelled(failure: Throwable?, read: Int?, plan: Plan, outcomes: Outcomes) {
    when {
        failure == null && (read == plan.size || plan.upload) -> outcomes.finishedBeforeCancel.incrementAndGet()
        failure is CancellationException -> outcomes.cancelled.incrementAndGet()
        failure is java.io.InterruptedIOException -> outcomes.cancelled.incrementAndGet()
        else -> outcomes.wrong("cancelled call ended with $failure / $read")
    }
}

private suspend fun readAll(response: Response): Int {
    var n = 0
    while (true) n += (response.chunk() ?: return n).size
}

private suspend fun readPart(response: Response, plan: Plan) {
    if (plan.viaStream) {
        val stream = response.byteStream()
        val buffer = ByteArray(8 * 1024)
        var left = plan.readPart
        while (left > 0) {
            val n = stream.read(buffer, 0, minOf(left, buffer.size))
            if (n < 0) break
            left -= n
        }
        stream.close()
    } else {
        var got = 0
        while (got < plan.readPart) got += (response.chunk() ?: break).size
        response.closeBody()
    }
}

private fun field(owner: Any, name: String): Any =
    owner.javaClass.getDeclaredField(name).apply { isAccessible = true }.get(owner)

/** The call handle behind a response with a body. */
private fun handleOf(response: Response): Long = field(field(response, "body"), "call") as Long

/** Released, foreign and wrong-kind handles: exceptions, never a crash. */
private fun checkHandles(client: dev.pinwire.PinwireClient) = runBlocking {
    val buffer = ByteArray(16)
    fun read(handle: Long, offset: Int = 0) =
        runCatching { NativeCall.mapped { NativeCalls.read(handle, buffer, offset, 16) } }.exceptionOrNull()

    val response = client.execute(Request.get(TestServer.url("good", "/bytes/300000")))
    val handle = handleOf(response)
    response.close()
    val released = read(handle)
    check(released is ClosedException, "a read on a released handle is a ClosedException ($released)")
    check(runCatching { NativeCall.release(handle) }.isSuccess, "releasing a handle twice is harmless")
    check(runCatching { NativeCall.cancel(handle) }.isSuccess, "cancelling a released handle is harmless")
    for (foreign in listOf(0L, 1L, -1L, 12345L, handle + 1_000_000L)) {
        val e = read(foreign)
        check(e is InternalException, "a read on the foreign handle $foreign is an InternalException ($e)")
        val r = runCatching { NativeCall.release(foreign) }.exceptionOrNull()
        check(r is InternalException, "releasing the foreign handle $foreign is an InternalException ($r)")
    }
    val newCall = runCatching { NativeCall.mapped { NativeCalls.newCall(handle) } }.exceptionOrNull()
    check(newCall is PinwireException, "a call handle taken for a client is an exception ($newCall)")
    val clientHandle = field(client, "native") as Long
    val wrongKind = read(clientHandle)
    check(wrongKind is InternalException, "a client handle taken for a call is an InternalException ($wrongKind)")
    client.execute(Request.get(TestServer.url("good", "/bytes/300000"))).use { live ->
        val bad = read(handleOf(live), offset = 10)
        check(bad is InternalException, "a read past the end of the array is an InternalException ($bad)")
    }
}
