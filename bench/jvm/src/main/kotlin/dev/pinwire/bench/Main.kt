// The JVM bench clients of scripts/bench.sh: Pinwire through its Kotlin API, and OkHttp with a
// CertificatePinner for the same pins. Same line protocol as bench/src/client.rs (one command a line on
// stdin, one JSON line on stdout; `connab SECS` alternates pinned and unpinned new connections), driven by
// `pinwire-bench run`. Benchmarks, not tests.
//
//   client pinwire-kotlin|okhttp DIR   long-lived client
//   cold   pinwire-kotlin-json|pinwire-kotlin-nsc|okhttp DIR   time to build a client (see cold())
package dev.pinwire.bench

import dev.pinwire.Pin
import dev.pinwire.PinConfig
import dev.pinwire.PinwireClient
import dev.pinwire.Request as PinwireRequest
import java.io.ByteArrayInputStream
import java.io.Closeable
import java.io.File
import java.net.InetAddress
import java.net.Socket
import java.security.KeyStore
import java.security.cert.CertificateFactory
import java.util.concurrent.Callable
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import javax.net.SocketFactory
import javax.net.ssl.SSLContext
import javax.net.ssl.TrustManagerFactory
import javax.net.ssl.X509TrustManager
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import okhttp3.CertificatePinner
import okhttp3.ConnectionPool
import okhttp3.Dns
import okhttp3.OkHttp
import okhttp3.OkHttpClient
import okhttp3.Request as OkRequest
import okio.Buffer

/** What `pinwire-bench setup` wrote (bench.json, root.pem). */
class Env(val dir: File) {
    private val json = File(dir, "bench.json").readText()
    val host: String = field("host")
    val leafPin: String = field("leaf")
    val backupPin: String = field("backup")
    val rootPem: String = File(dir, "root.pem").readText()

    private fun field(name: String): String =
        Regex("\"$name\"\\s*:\\s*\"([^\"]*)\"").find(json)?.groupValues?.get(1) ?: error("bench.json: no $name")

    fun port(name: String): Int =
        Regex("\"$name\"\\s*:\\s*(\\d+)").find(json)?.groupValues?.get(1)?.toInt() ?: error("bench.json: no port $name")

    fun url(port: String, path: String) = "https://$host:${port(port)}$path"
}

/** One client implementation: a blocking GET that streams the body and returns its length. */
interface Bench : Closeable {
    /** Sequential GETs until [until] (System.nanoTime); returns how many. */
    fun sequential(url: String, pinned: Boolean, until: Long): Long

    /** [workers] loops of GETs until [until]; returns how many in all. */
    fun concurrent(url: String, workers: Int, until: Long): Long

    /** One GET of a big body, streamed; returns its length. */
    fun download(url: String): Long

    /** One GET with the pinned or the unpinned client. */
    fun one(url: String, pinned: Boolean)
}

/**
 * New connections from the pinned and the unpinned client in turn, so that drift hits both alike;
 * connections per second of each, from the time spent in its own requests.
 */
fun interleaved(bench: Bench, url: String, until: Long): String {
    val time = LongArray(2)
    val ops = LongArray(2)
    while (System.nanoTime() < until) {
        for (k in 0..1) {
            val start = System.nanoTime()
            bench.one(url, pinned = k == 0)
            time[k] += System.nanoTime() - start
            ops[k]++
        }
    }
    fun rate(k: Int) = ops[k] / (time[k] / 1e9)
    return """{"modes":{"pinned":${rate(0)},"unpinned":${rate(1)}}}"""
}

class PinwireBench(env: Env) : Bench {
    private fun build(env: Env, pinned: Boolean) = PinwireClient {
        if (pinned) add(env.host, env.leafPin, env.backupPin)
        trustedRootsPem(env.rootPem)
        includePlatformTrust(false)
        resolve(env.host, "127.0.0.1")
        userAgent("pinwire-bench")
    }

    private val pinnedClient = build(env, true)
    private val unpinnedClient = build(env, false)

    private suspend fun get(client: PinwireClient, url: String): Long =
        client.execute(PinwireRequest.get(url)).use { response ->
            check(response.status == 200) { "$url: status ${response.status}" }
            response.bytes().size.toLong()
        }

    override fun sequential(url: String, pinned: Boolean, until: Long): Long = runBlocking {
        val client = if (pinned) pinnedClient else unpinnedClient
        var ops = 0L
        while (System.nanoTime() < until) {
            get(client, url)
            ops++
        }
        ops
    }

    override fun concurrent(url: String, workers: Int, until: Long): Long = runBlocking(Dispatchers.Default) {
        (1..workers).map {
            async {
                var ops = 0L
                while (System.nanoTime() < until) {
                    get(pinnedClient, url)
                    ops++
                }
                ops
            }
        }.awaitAll().sum()
    }

    override fun one(url: String, pinned: Boolean) {
        runBlocking { get(if (pinned) pinnedClient else unpinnedClient, url) }
    }

    override fun download(url: String): Long = runBlocking {
        pinnedClient.execute(PinwireRequest.get(url)).use { response ->
            check(response.status == 200) { "$url: status ${response.status}" }
            var n = 0L
            while (true) {
                val chunk = response.chunk() ?: break
                n += chunk.size
            }
            n
        }
    }

    override fun close() {
        pinnedClient.close()
        unpinnedClient.close()
    }
}

class OkHttpBench(env: Env) : Bench {
    private val pinnedClient = okHttpClient(env, pinned = true)
    private val unpinnedClient = okHttpClient(env, pinned = false)
    private val pool = Executors.newFixedThreadPool(8)

    private fun get(client: OkHttpClient, url: String): Long =
        client.newCall(OkRequest.Builder().url(url).build()).execute().use { response ->
            check(response.code == 200) { "$url: status ${response.code}" }
            response.body.bytes().size.toLong()
        }

    override fun sequential(url: String, pinned: Boolean, until: Long): Long {
        val client = if (pinned) pinnedClient else unpinnedClient
        var ops = 0L
        while (System.nanoTime() < until) {
            get(client, url)
            ops++
        }
        return ops
    }

    override fun concurrent(url: String, workers: Int, until: Long): Long {
        val tasks = (1..workers).map {
            Callable {
                var ops = 0L
                while (System.nanoTime() < until) {
                    get(pinnedClient, url)
                    ops++
                }
                ops
            }
        }
        return pool.invokeAll(tasks).sumOf { it.get() }
    }

    override fun one(url: String, pinned: Boolean) {
        get(if (pinned) pinnedClient else unpinnedClient, url)
    }

    override fun download(url: String): Long =
        pinnedClient.newCall(OkRequest.Builder().url(url).build()).execute().use { response ->
            check(response.code == 200) { "$url: status ${response.code}" }
            val source = response.body.source()
            val sink = Buffer()
            var n = 0L
            while (true) {
                val read = source.read(sink, 64 * 1024L)
                if (read < 0) break
                n += read
                sink.clear()
            }
            n
        }

    override fun close() {
        pool.shutdownNow()
        for (client in listOf(pinnedClient, unpinnedClient)) {
            client.dispatcher.executorService.shutdown()
            client.connectionPool.evictAll()
        }
    }
}

/**
 * OkHttp trusting only the bench root (a trust manager from a KeyStore holding it), the host resolved to
 * 127.0.0.1, and, when [pinned], a CertificatePinner for the same two pins Pinwire gets. The pool keeps
 * up to 16 idle connections (default 5) so that 8 concurrent HTTP/1.1 calls reuse theirs, as Pinwire's do,
 * and its sockets get TCP_NODELAY, which reqwest sets by default: without it every new connection here
 * stalls ~40 ms (Nagle's algorithm against delayed ACKs on loopback), which would hide the handshake cost.
 */
fun okHttpClient(env: Env, pinned: Boolean): OkHttpClient {
    val root = CertificateFactory.getInstance("X.509").generateCertificate(ByteArrayInputStream(env.rootPem.toByteArray()))
    val keyStore = KeyStore.getInstance(KeyStore.getDefaultType()).apply {
        load(null, null)
        setCertificateEntry("bench-root", root)
    }
    val factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm()).apply { init(keyStore) }
    val trustManager = factory.trustManagers.filterIsInstance<X509TrustManager>().first()
    val context = SSLContext.getInstance("TLS").apply { init(null, arrayOf(trustManager), null) }
    val loopback = InetAddress.getByName("127.0.0.1")
    val builder = OkHttpClient.Builder()
        .sslSocketFactory(context.socketFactory, trustManager)
        .dns(Dns { host -> if (host == env.host) listOf(loopback) else Dns.SYSTEM.lookup(host) })
        .connectionPool(ConnectionPool(16, 5, TimeUnit.MINUTES))
        .socketFactory(NoDelaySocketFactory)
    if (pinned) {
        builder.certificatePinner(CertificatePinner.Builder().add(env.host, env.leafPin, env.backupPin).build())
    }
    return builder.build()
}

/** Plain sockets with TCP_NODELAY set (OkHttp connects the unconnected socket from [createSocket]). */
object NoDelaySocketFactory : SocketFactory() {
    private val default = getDefault()

    private fun Socket.noDelay() = apply { tcpNoDelay = true }

    override fun createSocket(): Socket = default.createSocket().noDelay()

    override fun createSocket(host: String, port: Int): Socket = default.createSocket(host, port).noDelay()

    override fun createSocket(host: String, port: Int, local: InetAddress, localPort: Int): Socket =
        default.createSocket(host, port, local, localPort).noDelay()

    override fun createSocket(host: InetAddress, port: Int): Socket = default.createSocket(host, port).noDelay()

    override fun createSocket(host: InetAddress, port: Int, local: InetAddress, localPort: Int): Socket =
        default.createSocket(host, port, local, localPort).noDelay()
}

/**
 * `dev.pinwire.internal.NativeCalls.handleCount()`: internal to the library (no public API is one
 * crossing alone), reached by a method handle, which adds next to nothing once compiled.
 */
private val JNI_CROSSING: java.lang.invoke.MethodHandle = java.lang.invoke.MethodHandles.publicLookup().findStatic(
    Class.forName("dev.pinwire.internal.NativeCalls"),
    "handleCount",
    java.lang.invoke.MethodType.methodType(Long::class.javaPrimitiveType),
)

/** CPU time of the whole process (every thread: JIT, GC, JNA's cleaner), in nanoseconds. */
fun processCpuNanos(): Long =
    (java.lang.management.ManagementFactory.getOperatingSystemMXBean() as com.sun.management.OperatingSystemMXBean).processCpuTime

/** Peak RSS (VmHWM) in KiB. */
fun peakKib(): Long =
    File("/proc/self/status").readLines().firstOrNull { it.startsWith("VmHWM:") }
        ?.removePrefix("VmHWM:")?.trim()?.removeSuffix("kB")?.trim()?.toLong() ?: 0L

/** Resets the peak RSS to the current RSS (Linux clear_refs 5). */
fun resetPeak(): Boolean = runCatching { File("/proc/self/clear_refs").writeText("5") }.isSuccess

fun answer(bench: Bench, env: Env, line: String): String {
    val words = line.trim().split(Regex("\\s+"))
    fun until(secs: String) = System.nanoTime() + (secs.toDouble() * 1e9).toLong()
    fun timed(block: () -> Long): String {
        val cpu = processCpuNanos()
        val start = System.nanoTime()
        val ops = block()
        return """{"ops":$ops,"secs":${(System.nanoTime() - start) / 1e9},"cpu_secs":${(processCpuNanos() - cpu) / 1e9}}"""
    }
    return when (words[0]) {
        "seq" -> timed { bench.sequential(env.url(words[1], "/small"), true, until(words[2])) }
        "conc" -> timed { bench.concurrent(env.url(words[1], "/small"), words[3].toInt(), until(words[2])) }
        "connab" -> interleaved(bench, env.url("conn", "/small"), until(words[1]))
        "conn" -> timed { bench.sequential(env.url("conn", "/small"), words[1] == "pinned", until(words[2])) }
        "bulk" -> {
            val reset = resetPeak()
            val before = peakKib()
            val start = System.nanoTime()
            val bytes = bench.download(env.url(words[1], "/big.bin"))
            val secs = (System.nanoTime() - start) / 1e9
            val growth = maxOf(0L, peakKib() - before)
            """{"bytes":$bytes,"secs":$secs,"rss_growth_kib":$growth,"peak_reset":$reset}"""
        }
        "ffi" -> {
            // The Kotlin side of the FFI figure: a call into Pinwire that does no I/O.
            val key = File(env.dir, "backup.spki.der").readBytes()
            val end = until(words[1])
            var sink = 0
            val result = timed {
                var ops = 0L
                while (System.nanoTime() < end) {
                    repeat(256) { sink += Pin.fromPublicKey(key).length }
                    ops += 256
                }
                check(sink != 0)
                ops
            }
            result
        }
        "jni" -> {
            // One JNI crossing of the Kotlin request path: a native method that reads one counter.
            val end = until(words[1])
            var sink = 0L
            timed {
                var ops = 0L
                while (System.nanoTime() < end) {
                    repeat(1024) { sink += JNI_CROSSING.invokeExact() as Long }
                    ops += 1024
                }
                check(sink >= 0)
                ops
            }
        }
        else -> error("unknown command $line")
    }
}

fun jsonString(s: String): String = "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\""

fun serve(implementation: String, env: Env) {
    val bench: Bench = when (implementation) {
        "pinwire-kotlin" -> PinwireBench(env)
        "okhttp" -> OkHttpBench(env)
        else -> error("unknown client $implementation")
    }
    val version = if (implementation == "okhttp") OkHttp.VERSION else "pinwire-kotlin"
    println("""{"ready":true,"version":${jsonString(version)},"java":${jsonString(System.getProperty("java.vm.version"))}}""")
    System.out.flush()
    bench.use {
        while (true) {
            val line = readlnOrNull()?.trim() ?: break
            if (line == "quit") break
            val reply = try {
                answer(bench, env, line)
            } catch (e: Throwable) {
                """{"error":${jsonString("$e")}}"""
            }
            println(reply)
            System.out.flush()
        }
    }
}

/**
 * Microseconds to create a client: from Pinwire's JSON or an NSC XML file through [PinConfig] (the text
 * is read before the clock starts), or OkHttp's builder with the same pins and root. The first in this
 * JVM (class loading, and for Pinwire loading the native library), then the median of 30 more.
 */
fun cold(implementation: String, env: Env) {
    val configDir = File(env.dir, "config")
    val json = File(configDir, "pins.json").readText()
    val nsc = File(configDir, "network_security_config.xml").readText()
    val raw = File(configDir, "raw").listFiles().orEmpty().associate { it.name to it.readBytes() }
    fun once(): Long {
        val start = System.nanoTime()
        val client: Closeable = when (implementation) {
            "pinwire-kotlin-json" -> PinConfig.fromJson(json, "pins.json").use { config ->
                PinwireClient {
                    config(config)
                    resolve(env.host, "127.0.0.1")
                }
            }
            "pinwire-kotlin-nsc" -> PinConfig.fromNscXml(nsc, targetSdkVersion = 34, rawResources = raw).use { config ->
                PinwireClient {
                    config(config)
                    resolve(env.host, "127.0.0.1")
                }
            }
            "okhttp" -> okHttpClient(env, pinned = true).let { c -> Closeable { c.dispatcher.executorService.shutdown() } }
            else -> error("unknown client $implementation")
        }
        val elapsed = System.nanoTime() - start
        client.close()
        return elapsed
    }
    val first = once()
    val warm = (1..30).map { once() }.sorted()
    println("""{"first_us":${first / 1e3},"warm_us":${warm[warm.size / 2] / 1e3}}""")
}

fun main(args: Array<String>) {
    require(args.size == 3) { "usage: client pinwire-kotlin|okhttp DIR, or cold pinwire-kotlin-json|pinwire-kotlin-nsc|okhttp DIR" }
    val env = Env(File(args[2]))
    when (args[0]) {
        "client" -> serve(args[1], env)
        "cold" -> cold(args[1], env)
        else -> error("unknown mode ${args[0]}")
    }
}
