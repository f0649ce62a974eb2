/**
 * The Kotlin soak: Pinwire's Kotlin API under load, coroutine cancellation and faults against the real
 * `pinwire-testserver` on 127.0.0.1, for a bounded time. Run by scripts/soak-kotlin.sh:
 *
 *   java ... dev.pinwire.soak.SoakKt [--seconds N] [--concurrency N] [--seed N]
 *
 * For the given time (and at most [MAX_CALLS] calls) [concurrency] coroutines make calls drawn from
 * [mix], each bounded by the client's call timeout. Then it checks, one PASS/FAIL line each: every kind
 * of call ended as it must; every call ended within its timeout; every failure was a PinwireException or
 * a cancellation; no uncaught exception; with the client closed, file descriptors, JVM and OS threads
 * and connections back to the baseline; the C heap Rust and JNA hold back to its baseline after close and
 * GC; resident memory and the Java heap (after GC) grew less than 16 MiB from the end of the warm-up.
 * It ends with `N passed, N failed` and exits non-zero on a failure.
 */
package dev.pinwire.soak

import dev.pinwire.PinwireClient
import dev.pinwire.Request
import dev.pinwire.TestServer
import dev.pinwire.testClient
import java.util.Random
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong
import kotlin.coroutines.cancellation.CancellationException
import kotlin.system.exitProcess
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TimeSource
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull

private const val MAX_CALLS = 2_000_000
private val CALL_TIMEOUT = 10.seconds

/** A call still running this long after its call timeout is hung. */
private val GRACE = 2.seconds
private const val MIB_KIB = 16L * 1024

/** What the C heap may hold above its baseline once everything is closed and collected (noise). */
private const val NATIVE_LEAK_KIB = 4L * 1024

/** Per kind: how its calls ended and the slowest. */
private class Tally {
    val counts = IntArray(Verdict.entries.size)
    var slowest: Duration = Duration.ZERO

    val calls get() = counts.sum()

    operator fun get(verdict: Verdict) = counts[verdict.ordinal]
}

private class Args(val seconds: Int, val concurrency: Int, val seed: Long)

private fun parse(args: Array<String>): Args {
    var seconds = 30
    var concurrency = 64
    var seed = System.nanoTime()
    var i = 0
    while (i < args.size) {
        val value = args.getOrNull(i + 1)?.toLongOrNull() ?: usage("${args[i]} needs a number")
        when (args[i]) {
            "--seconds" -> seconds = value.toInt()
            "--concurrency" -> concurrency = value.toInt()
            "--seed" -> seed = value
            else -> usage("unknown argument ${args[i]}")
        }
        i += 2
    }
    if (seconds < 1 || concurrency < 1) usage("seconds and concurrency must be positive")
    return Args(seconds, concurrency, seed)
}

private fun usage(problem: String): Nothing {
    System.err.println("soak: $problem\nusage: SoakKt [--seconds N] [--concurrency N] [--seed N]")
    exitProcess(2)
}

private fun client(): PinwireClient = testClient {
    // The impostor's CA is trusted too, so only the pin on the API host stops it (a pin mismatch).
    trustedRootsPem(TestServer.rootPem("evil"))
    resolve(TestServer.otherHost, "127.0.0.1")
    add(TestServer.host, TestServer.pin("root"), TestServer.pin("intermediate"))
    // Before the headers the read timeout spans the whole redirect chain (docs/reliability.md): 3 s and
    // three redirects keep a redirect loop a TooManyRedirectsException on a busy machine.
    readTimeout(3.seconds)
    callTimeout(CALL_TIMEOUT)
    maxRedirects(3)
}

/** Polls until [condition] holds or [limit] passes; returns how long it took, or null. */
private suspend fun settle(limit: Duration, condition: () -> Boolean): Duration? {
    val mark = TimeSource.Monotonic.markNow()
    while (mark.elapsedNow() < limit) {
        if (condition()) return mark.elapsedNow()
        delay(100)
    }
    return if (condition()) mark.elapsedNow() else null
}

fun main(arguments: Array<String>) {
    val args = parse(arguments)
    val uncaught = AtomicInteger()
    Thread.setDefaultUncaughtExceptionHandler { thread, e ->
        uncaught.incrementAndGet()
        System.err.println("uncaught in ${thread.name}: $e")
    }
    val passed = runBlocking(Dispatchers.Default) { soak(args, uncaught) }
    exitProcess(if (passed) 0 else 1)
}

private suspend fun soak(args: Args, uncaught: AtomicInteger): Boolean {
    println("soak (Kotlin): ${args.seconds} s, ${args.concurrency} concurrent, seed ${args.seed}")
    val serverPorts = TestServer.ports.filterKeys { it != "refused" }.values

    // Warm-up client: loads the library, starts the Rust runtime, the dispatcher's and JNA's threads;
    // closed again, so the baseline holds no connection.
    client().use { warm ->
        concurrently(args.concurrency) {
            warm.execute(Request.get(TestServer.url("good", "/bytes/$SMALL"))).use { it.bytes() }
        }
    }
    settle(5.seconds) { establishedTo(serverPorts) == 0 }
    // Past the IO dispatcher's keep-alive (5 s in soak-kotlin.sh): the warm-up's idle IO threads, blocked
    // in JNI calls until then, have ended, so the baseline does not count them.
    delay(6000)
    // Measured before the baseline: its first use may open descriptors it keeps (seen once as a socket).
    Probe.heapAfterGcKib()
    val nativeBaseline = settledNative()
    val baseline = Probe.now()
    val baselineFds = openFiles()

    val client = client()
    val clients = Clients(client)
    val kinds = mix(clients)
    val picker = Picker(kinds)
    val tallies = kinds.associate { it.name to Tally() }
    val details = mutableListOf<String>()
    val untyped = AtomicInteger()
    val hung = AtomicInteger()
    val calls = AtomicLong()

    val start = TimeSource.Monotonic.markNow()
    val runFor = args.seconds.seconds
    // A third of the run: on a busy machine glibc's arenas, the JIT and the pools are still growing toward
    // their plateau after a sixth of a 30 s run (docs/reliability.md has the figures).
    val warmUp = (runFor / 3).coerceIn(3.seconds, 60.seconds).coerceAtMost(runFor)
    var afterWarmUp: Probe? = null
    var heapAfterWarmUp = 0L
    var peakRss = baseline.rssKib

    kotlinx.coroutines.coroutineScope {
        val sampler = launch {
            while (true) {
                delay(250)
                val probe = Probe.now()
                peakRss = maxOf(peakRss, probe.rssKib)
                if (afterWarmUp == null && start.elapsedNow() >= warmUp) {
                    heapAfterWarmUp = Probe.heapAfterGcKib()
                    afterWarmUp = Probe.now()
                }
            }
        }
        val workers = (0 until args.concurrency).map { worker ->
            launch {
                val random = Random(args.seed + worker)
                while (start.elapsedNow() < runFor && calls.incrementAndGet() <= MAX_CALLS) {
                    val kind = picker.pick(random)
                    val mark = TimeSource.Monotonic.markNow()
                    val outcome = try {
                        withTimeoutOrNull(CALL_TIMEOUT + GRACE) { kind.run(clients, random) }
                            ?: Outcome(Verdict.UNEXPECTED, "hung: still running after ${CALL_TIMEOUT + GRACE}")
                    } catch (e: CancellationException) {
                        throw e
                    } catch (e: Throwable) {
                        // Not a PinwireException (the scenario judges those) nor a cancellation.
                        untyped.incrementAndGet()
                        Outcome(Verdict.UNEXPECTED, "untyped ${e::class.qualifiedName}: ${e.message}")
                    }
                    val took = mark.elapsedNow()
                    synchronized(tallies) {
                        val tally = tallies.getValue(kind.name)
                        tally.counts[outcome.verdict.ordinal]++
                        if (took > tally.slowest) tally.slowest = took
                        if (took > CALL_TIMEOUT + GRACE) hung.incrementAndGet()
                        if (outcome.detail != null && details.size < 20) details += "${kind.name}: ${outcome.detail}"
                    }
                }
            }
        }
        workers.forEach { it.join() }
        sampler.cancel()
    }
    val elapsed = start.elapsedNow()
    val atEnd = Probe.now()
    val connectionsAtEnd = establishedTo(serverPorts)

    // Idle now: closing the client drops its pool; wait (bounded) for everything to be back.
    client.close()
    val settled = settle(15.seconds) {
        val p = Probe.now()
        p.fds <= baseline.fds && p.jvmThreads <= baseline.jvmThreads && p.osThreads <= baseline.osThreads &&
            establishedTo(serverPorts) == 0
    }
    val idle = Probe.now()
    val openConnections = establishedTo(serverPorts)
    val heapAtEnd = Probe.heapAfterGcKib()
    val nativeIdle = settledNative()
    val warm = afterWarmUp ?: atEnd

    // --- table ---
    val total = tallies.values.sumOf { it.calls }
    println()
    println(String.format("%-30s %7s %7s %9s %9s %10s %9s", "kind", "calls", "ok", "expected", "cancelled", "unexpected", "slowest"))
    for (kind in kinds) {
        val t = tallies.getValue(kind.name)
        println(
            String.format(
                "%-30s %7d %7d %9d %9d %10d %8.2fs",
                kind.name, t.calls, t[Verdict.OK], t[Verdict.EXPECTED_ERROR], t[Verdict.CANCELLED], t[Verdict.UNEXPECTED],
                t.slowest.inWholeMilliseconds / 1000.0,
            ),
        )
    }
    val sum = { v: Verdict -> tallies.values.sumOf { it[v] } }
    val cancelling = kinds.filter { it.cancels }.sumOf { tallies.getValue(it.name).calls }
    val slowest = tallies.values.maxOf { it.slowest }
    println()
    println(
        "calls: $total in ${"%.1f".format(elapsed.inWholeMilliseconds / 1000.0)} s " +
            "(${(total / elapsed.inWholeMilliseconds.coerceAtLeast(1).toDouble() * 1000).toInt()}/s): " +
            "${sum(Verdict.OK)} ok, ${sum(Verdict.EXPECTED_ERROR)} expected typed exceptions, ${sum(Verdict.CANCELLED)} cancelled; " +
            "$cancelling (${if (total > 0) cancelling * 100 / total else 0} %) of the cancelling or partly-read kinds",
    )
    println("slowest call: ${"%.2f".format(slowest.inWholeMilliseconds / 1000.0)} s; hung or late: ${hung.get()}")
    if (sum(Verdict.H2_RESET_LIMIT) > 0) {
        println("${sum(Verdict.H2_RESET_LIMIT)} calls ended with ProtocolException when h2 closed a connection at its local reset limit (a known limitation under heavy cancellation)")
    }
    println(
        "RSS: ${baseline.rssKib / 1024} MiB baseline, ${warm.rssKib / 1024} MiB after warm-up (${warmUp.inWholeSeconds} s), " +
            "${atEnd.rssKib / 1024} MiB at end (peak ${peakRss / 1024}); heap after GC: ${heapAfterWarmUp / 1024} MiB after warm-up, " +
            "${heapAtEnd / 1024} MiB at end",
    )
    println(
        "fds: ${baseline.fds} baseline, ${atEnd.fds} at end of load, ${idle.fds} after close + ${settled?.let { "%.1f s".format(it.inWholeMilliseconds / 1000.0) } ?: "15 s (not settled)"}; " +
            "JVM threads: ${baseline.jvmThreads} / ${atEnd.jvmThreads} / ${idle.jvmThreads}; OS threads: ${baseline.osThreads} / ${atEnd.osThreads} / ${idle.osThreads}; " +
            "connections to the servers: $connectionsAtEnd at end of load, $openConnections after close",
    )
    println(
        "C heap in use outside the JVM (Rust, JNA): " + (
            if (nativeBaseline == null || nativeIdle == null) "not measured (needs glibc and -XX:NativeMemoryTracking=summary)"
            else "${nativeBaseline / 1024} MiB baseline, ${nativeIdle / 1024} MiB after close + GC"
        ),
    )
    if (idle.fds > baseline.fds) {
        println("files open after close that were not at baseline: ${(openFiles() - baselineFds).map(::describeSocket)}")
    }
    if (details.isNotEmpty()) {
        println("unexpected outcomes (first ${details.size}):")
        details.forEach { println("  $it") }
    }

    // --- checks ---
    val checks = mutableListOf<Pair<Boolean, String>>()
    for (kind in kinds) {
        val t = tallies.getValue(kind.name)
        checks += (t.calls > 0 && t[Verdict.UNEXPECTED] == 0) to "${kind.name}: ${t.calls} calls ended as they must"
    }
    checks += (total > 0 && cancelling * 4 >= total && cancelling * 2 <= total) to
        "about a third of the calls cancelled or read partly ($cancelling of $total)"
    checks += (hung.get() == 0 && slowest <= CALL_TIMEOUT + GRACE) to
        "every call ended within its timeout (slowest ${slowest.inWholeMilliseconds} ms, bound ${(CALL_TIMEOUT + GRACE).inWholeMilliseconds} ms)"
    checks += (untyped.get() == 0) to "every failure a PinwireException or a cancellation (${untyped.get()} untyped)"
    checks += (uncaught.get() == 0) to "no uncaught exception (${uncaught.get()})"
    checks += (idle.fds <= baseline.fds) to "file descriptors back to baseline (${baseline.fds} -> ${idle.fds})"
    checks += (idle.jvmThreads <= baseline.jvmThreads) to "JVM threads back to baseline (${baseline.jvmThreads} -> ${idle.jvmThreads})"
    checks += (idle.osThreads <= baseline.osThreads) to "OS threads back to baseline (${baseline.osThreads} -> ${idle.osThreads})"
    checks += (openConnections == 0) to "connections closed with the client ($openConnections open)"
    if (nativeBaseline != null && nativeIdle != null) {
        checks += (nativeIdle - nativeBaseline < NATIVE_LEAK_KIB) to
            "C heap in use outside the JVM back to baseline after close + GC (${(nativeIdle - nativeBaseline) / 1024} MiB, bound ${NATIVE_LEAK_KIB / 1024})"
    }
    checks += (atEnd.rssKib - warm.rssKib < MIB_KIB) to
        "RSS growth after warm-up < 16 MiB (${(atEnd.rssKib - warm.rssKib) / 1024} MiB)"
    checks += (heapAtEnd - heapAfterWarmUp < MIB_KIB) to
        "Java heap (after GC) growth after warm-up < 16 MiB (${(heapAtEnd - heapAfterWarmUp) / 1024} MiB)"
    println()
    for ((ok, what) in checks) println("${if (ok) "PASS" else "FAIL"} $what")
    val failed = checks.count { !it.first }
    println("${checks.size - failed} passed, $failed failed")
    return failed == 0
}

/**
 * [NativeHeap.outsideJvmKib] once it stops falling: native objects whose Java side was collected are
 * freed by the JNA/UniFFI cleaner threads shortly after the GC (polled for up to 3 s).
 */
private suspend fun settledNative(): Long? {
    var last = NativeHeap.outsideJvmKib() ?: return null
    repeat(6) {
        delay(500)
        val now = NativeHeap.outsideJvmKib() ?: return null
        if (now >= last) return minOf(now, last)
        last = now
    }
    return last
}

/** What this process's file descriptors point at (sockets, pipes, files). */
private fun openFiles(): Set<String> =
    java.io.File("/proc/self/fd").listFiles()?.mapNotNull { runCatching { java.nio.file.Files.readSymbolicLink(it.toPath()).toString() }.getOrNull() }?.toSet()
        ?: emptySet()

/** A `socket:[inode]` with its TCP state and ports when it is a TCP socket (else [target] as it is). */
private fun describeSocket(target: String): String {
    val inode = target.removePrefix("socket:[").removeSuffix("]").takeIf { target.startsWith("socket:[") } ?: return target
    for (table in listOf("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
        val line = java.io.File(table).takeIf { it.exists() }?.readLines()?.drop(1)
            ?.map { it.trim().split(Regex("\\s+")) }?.firstOrNull { it.size > 9 && it[9] == inode } ?: continue
        val port = { field: String -> field.substringAfterLast(':').toInt(16) }
        val server = TestServer.ports.entries.firstOrNull { it.value == port(line[2]) }?.key
        return "$target tcp state ${line[3]} to port ${port(line[2])} (${server ?: "no test server"})"
    }
    return "$target (not TCP)"
}

/** Runs [count] copies of [block] concurrently and waits for them. */
private suspend fun concurrently(count: Int, block: suspend () -> Unit) = kotlinx.coroutines.coroutineScope {
    repeat(count) { launch { block() } }
}
