package dev.pinwire.bridge

import dev.pinwire.TestServer
import java.util.Collections

/**
 * Drives a fresh [PinwireBridge] and writes down every message exchanged, in the order the calls were made,
 * with the pin events that arrived while each call ran: the record the TypeScript package's native-module
 * double replays. Values that differ between runs (ports, generated pins and roots, dates, timestamps) are
 * replaced by fixed stand-ins, so a record from one run equals a record from the next.
 */
class BridgeRecorder : AutoCloseable {
    private val events: MutableList<Map<String, Any?>> = Collections.synchronizedList(mutableListOf())
    val bridge = PinwireBridge { name, body -> events += linkedMapOf("event" to name, "body" to body) }
    val entries = mutableListOf<Map<String, Any?>>()

    /** Sends one message and records it; returns the result or throws the [BridgeException]. */
    suspend fun call(method: String, args: Map<String, Any?> = emptyMap()): Map<String, Any?> {
        val entry = linkedMapOf<String, Any?>("method" to method, "args" to args)
        synchronized(entries) { entries += entry }
        val before = events.size
        try {
            return bridge.call(method, args).also { entry["result"] = it }
        } catch (e: BridgeException) {
            entry["error"] = e.toMessage()
            throw e
        } finally {
            val arrived = synchronized(events) { events.subList(before, events.size).toList() }
            if (arrived.isNotEmpty()) entry["events"] = arrived
        }
    }

    /** The record, normalised: the same on every run. */
    fun normalised(): List<Any?> = synchronized(entries) { rechunked(entries).map { normalise(BridgeValues.jsonCompatible(it)) } }

    /**
     * A body's chunk boundaries depend on when its bytes arrived: each run of `readChunk` answers for one call
     * is re-cut into [PIECE]-byte pieces, so the record keeps the bytes and the number of messages is stable.
     */
    private fun rechunked(entries: List<Map<String, Any?>>): List<Map<String, Any?>> {
        fun chunkOf(entry: Map<String, Any?>): ByteArray? =
            if (entry["method"] == BridgeMethods.READ_CHUNK && entry["events"] == null) (entry["result"] as? Map<*, *>)?.get("chunk") as? ByteArray else null
        val out = mutableListOf<Map<String, Any?>>()
        var i = 0
        while (i < entries.size) {
            val first = entries[i]
            if (chunkOf(first) == null) {
                out += first
                i++
                continue
            }
            val body = java.io.ByteArrayOutputStream()
            while (i < entries.size && entries[i]["args"] == first["args"]) {
                body.write(chunkOf(entries[i]) ?: break)
                i++
            }
            val bytes = body.toByteArray()
            for (start in bytes.indices step PIECE) {
                out += linkedMapOf(
                    "method" to BridgeMethods.READ_CHUNK,
                    "args" to first["args"],
                    "result" to mapOf("chunk" to bytes.copyOfRange(start, minOf(bytes.size, start + PIECE))),
                )
            }
        }
        return out
    }

    override fun close() = bridge.close()

    companion object {
        private const val PIECE = 64 * 1024
        private val servers = listOf("good", "http1", "impostor", "untrusted")
        private val pins = listOf("leaf", "intermediate", "root", "impostor_leaf", "evil_root")

        /** The stand-in port of each server: what the fixture shows instead of the run's real ports. */
        fun standInPort(server: String) = 40001 + servers.indexOf(server)

        /** The stand-in of a pin: still looks like a pin, names the certificate. */
        fun standInPin(name: String) = "sha256/${name.uppercase()}-PIN="

        private val replacements: List<Pair<String, String>> by lazy {
            pins.map { TestServer.pin(it) to standInPin(it) } +
                listOf("test", "evil").map { TestServer.rootPem(it) to "<root PEM: $it>" } +
                // The same PEM inside a JSON configuration's string.
                listOf("test", "evil").map { JsonOut.write(TestServer.rootPem(it)).removeSurrounding("\"") to "<root PEM: $it>" } +
                servers.map { ":${TestServer.port(it)}" to ":${standInPort(it)}" }
        }

        private val realPorts by lazy { servers.associate { TestServer.port(it).toLong() to standInPort(it).toLong() } }

        fun normalise(value: Any?, key: String? = null): Any? = when {
            value is String -> sortPinLines(replacements.fold(value) { s, (from, to) -> s.replace(from, to) })
            key == "atMs" && value is Number -> 0
            // A pin set is a set: its order follows the run's freshly generated keys.
            key == "expectedPins" && value is List<*> -> value.map { normalise(it) as String }.sorted()
            key == "port" && value is Number -> realPorts[value.toLong()] ?: value
            value is Map<*, *> -> value.entries.associateTo(LinkedHashMap()) { (k, v) -> k.toString() to normalise(v, k.toString()) }
            // A response's `date` header is the one header whose value changes from run to run.
            value is List<*> && value.size == 2 && (value[0] as? String)?.lowercase() == "date" -> listOf(value[0], "<date>")
            value is List<*> -> value.map { normalise(it) }
            else -> value
        }

        /** The pinned pins a mismatch message lists, one per line, in a stable order (see `expectedPins`). */
        private fun sortPinLines(text: String): String {
            val lines = text.split('\n')
            val out = mutableListOf<String>()
            var i = 0
            while (i < lines.size) {
                var j = i
                while (j < lines.size && pinLine.matches(lines[j])) j++
                if (j > i) {
                    out += lines.subList(i, j).sorted()
                    i = j
                } else {
                    out += lines[i++]
                }
            }
            return out.joinToString("\n")
        }

        private val pinLine = Regex("""\s+sha256/[A-Z_]+-PIN=""")
    }
}

/** Enough JSON output for the fixture: stable layout, two-space indent, so a diff shows what changed. */
object JsonOut {
    fun write(value: Any?, indent: String = ""): String = when (value) {
        null -> "null"
        is String -> quote(value)
        is Boolean -> value.toString()
        is Double, is Float -> {
            val d = (value as Number).toDouble()
            if (d == Math.rint(d) && kotlin.math.abs(d) < 1e15) d.toLong().toString() else d.toString()
        }
        is Number -> value.toString()
        is Map<*, *> -> if (value.isEmpty()) "{}" else value.entries.joinToString(",\n", "{\n", "\n$indent}") { (k, v) ->
            "$indent  ${quote(k.toString())}: ${write(v, "$indent  ")}"
        }
        is List<*> -> if (value.isEmpty()) "[]" else if (value.all { it !is Map<*, *> && it !is List<*> }) {
            value.joinToString(", ", "[", "]") { write(it) }
        } else {
            value.joinToString(",\n", "[\n", "\n$indent]") { "$indent  ${write(it, "$indent  ")}" }
        }
        else -> error("not a JSON value: ${value.javaClass}")
    }

    private fun quote(s: String): String = buildString {
        append('"')
        for (c in s) {
            when {
                c == '"' -> append("\\\"")
                c == '\\' -> append("\\\\")
                c == '\n' -> append("\\n")
                c == '\r' -> append("\\r")
                c == '\t' -> append("\\t")
                c < ' ' -> append("\\u%04x".format(c.code))
                else -> append(c)
            }
        }
        append('"')
    }
}
