package dev.pinwire

import java.io.BufferedReader
import java.io.File
import java.io.InputStreamReader
import java.nio.file.Files
import java.util.concurrent.TimeUnit
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TimeSource
import kotlinx.coroutines.delay

/**
 * The real `pinwire-testserver` process (path in the `pinwire.testserver` system property), started once
 * for the whole test JVM. It prints one JSON line (ports, root PEMs, pins) and serves on 127.0.0.1 until
 * its standard input closes, which happens when this JVM exits.
 */
object TestServer {
    private val process: Process
    private val info: Map<String, Any?>

    init {
        val path = System.getProperty("pinwire.testserver")
            ?: error("system property pinwire.testserver (the pinwire-testserver binary) is not set")
        check(File(path).canExecute()) { "pinwire.testserver=$path is not an executable: build it with cargo first" }
        process = ProcessBuilder(path).redirectError(ProcessBuilder.Redirect.INHERIT).start()
        Runtime.getRuntime().addShutdownHook(
            Thread {
                runCatching { process.outputStream.close() }
                if (!process.waitFor(2, TimeUnit.SECONDS)) process.destroyForcibly()
            },
        )
        val line = BufferedReader(InputStreamReader(process.inputStream)).readLine()
            ?: error("pinwire-testserver exited without printing its JSON line (exit ${process.waitFor()})")
        @Suppress("UNCHECKED_CAST")
        info = Json.parse(line) as Map<String, Any?>
    }

    @Suppress("UNCHECKED_CAST")
    private fun section(name: String) = info.getValue(name) as Map<String, Any?>

    /** `api.pinwire.test`: the name every server's certificate is for. */
    val host: String get() = info.getValue("host") as String

    /** `other.pinwire.test`: a second name on the same certificates. */
    val otherHost: String get() = info.getValue("other_host") as String

    /** Every server's port by name: those below, `fault-<name>` for each fault, and `refused`. */
    val ports: Map<String, Int> get() = section("ports").mapValues { (_, port) -> (port as Number).toInt() }

    /** `good`, `http1`, `impostor`, `untrusted`. */
    fun port(server: String): Int = (section("ports").getValue(server) as Number).toInt()

    /** `test` (Test Root) or `evil` (Evil Root). */
    fun rootPem(name: String): String = section("roots_pem").getValue(name) as String

    /** `leaf`, `intermediate`, `root`, `impostor_leaf`, `evil_root`. */
    fun pin(name: String): String = section("pins").getValue(name) as String

    /** `https://api.pinwire.test:<port of server><path>`. */
    fun url(server: String, path: String = "/"): String = "https://$host:${port(server)}$path"
}

/**
 * A client that trusts only the Test Root (no platform roots), resolves the test host to 127.0.0.1, and
 * whatever [configure] adds.
 */
fun testClient(configure: PinwireClient.Builder.() -> Unit = {}): PinwireClient = PinwireClient {
    trustedRootsPem(TestServer.rootPem("test"))
    includePlatformTrust(false)
    resolve(TestServer.host, "127.0.0.1")
    configure()
}

/** Sockets of this process (the Rust library's included) in state ESTABLISHED to 127.0.0.1:[port]. */
fun establishedConnectionsTo(port: Int): Int {
    val inodes = File("/proc/self/fd").listFiles().orEmpty().mapNotNullTo(HashSet()) { fd ->
        val target = runCatching { Files.readSymbolicLink(fd.toPath()).toString() }.getOrNull()
        target?.removePrefix("socket:[")?.removeSuffix("]")?.takeIf { target.startsWith("socket:[") }
    }
    var count = 0
    for (table in listOf("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
        val file = File(table)
        if (!file.exists()) continue
        for (line in file.readLines().drop(1)) {
            val fields = line.trim().split(Regex("\\s+"))
            val remotePort = fields[2].substringAfterLast(':').toInt(16)
            val established = fields[3] == "01"
            if (remotePort == port && established && fields[9] in inodes) count++
        }
    }
    return count
}

/** Polls [condition] until it holds or [timeout] passes; returns whether it held. */
suspend fun eventually(timeout: Duration = 5.seconds, condition: () -> Boolean): Boolean {
    val deadline = TimeSource.Monotonic.markNow() + timeout
    while (deadline.hasNotPassedNow()) {
        if (condition()) return true
        delay(10)
    }
    return condition()
}

/** Just enough JSON for the test server's line: objects, arrays, strings, numbers, booleans, null. */
object Json {
    fun parse(text: String): Any? {
        val parser = Parser(text)
        val value = parser.value()
        parser.skipSpace()
        require(parser.atEnd()) { "trailing characters in JSON at ${parser.pos}" }
        return value
    }

    private class Parser(val s: String) {
        var pos = 0

        fun atEnd() = pos >= s.length

        fun skipSpace() {
            while (!atEnd() && s[pos].isWhitespace()) pos++
        }

        fun value(): Any? {
            skipSpace()
            return when (val c = s[pos]) {
                '{' -> obj()
                '[' -> array()
                '"' -> string()
                't' -> literal("true", true)
                'f' -> literal("false", false)
                'n' -> literal("null", null)
                else -> if (c == '-' || c.isDigit()) number() else error("unexpected '$c' at $pos")
            }
        }

        private fun literal(word: String, value: Any?): Any? {
            require(s.startsWith(word, pos)) { "expected $word at $pos" }
            pos += word.length
            return value
        }

        private fun number(): Number {
            val start = pos
            while (!atEnd() && (s[pos].isDigit() || s[pos] in "+-.eE")) pos++
            val text = s.substring(start, pos)
            return text.toLongOrNull() ?: text.toDouble()
        }

        private fun string(): String {
            pos++ // opening quote
            val out = StringBuilder()
            while (true) {
                val c = s[pos++]
                when (c) {
                    '"' -> return out.toString()
                    '\\' -> when (val e = s[pos++]) {
                        'n' -> out.append('\n')
                        't' -> out.append('\t')
                        'r' -> out.append('\r')
                        'b' -> out.append('\b')
                        'f' -> out.append('\u000c')
                        'u' -> {
                            out.append(s.substring(pos, pos + 4).toInt(16).toChar())
                            pos += 4
                        }
                        else -> out.append(e) // \" \\ \/
                    }
                    else -> out.append(c)
                }
            }
        }

        private fun array(): List<Any?> {
            pos++
            val out = mutableListOf<Any?>()
            skipSpace()
            if (s[pos] == ']') return out.also { pos++ }
            while (true) {
                out += value()
                skipSpace()
                when (s[pos++]) {
                    ',' -> continue
                    ']' -> return out
                    else -> error("expected , or ] at ${pos - 1}")
                }
            }
        }

        private fun obj(): Map<String, Any?> {
            pos++
            val out = LinkedHashMap<String, Any?>()
            skipSpace()
            if (s[pos] == '}') return out.also { pos++ }
            while (true) {
                skipSpace()
                val key = string()
                skipSpace()
                require(s[pos++] == ':') { "expected : at ${pos - 1}" }
                out[key] = value()
                skipSpace()
                when (s[pos++]) {
                    ',' -> continue
                    '}' -> return out
                    else -> error("expected , or } at ${pos - 1}")
                }
            }
        }
    }
}
