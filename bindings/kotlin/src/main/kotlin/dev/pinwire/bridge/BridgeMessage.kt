package dev.pinwire.bridge

import java.util.Base64

/**
 * Typed reads from a message's arguments. Hosts hand over what their runtime gives: numbers may be any
 * [Number] (JavaScript's are doubles), lists any [List], byte arrays a [ByteArray]. A missing or mistyped
 * argument is a [BridgeErrorCodes.BAD_MESSAGE] naming it, never a guess.
 */
internal class BridgeMessage(private val method: String, private val args: Map<String, Any?>) {
    fun has(key: String): Boolean = args[key] != null

    fun string(key: String): String = optString(key) ?: missing(key, "a string")

    fun optString(key: String): String? = when (val v = args[key]) {
        null -> null
        is String -> v
        else -> wrongType(key, "a string", v)
    }

    fun optBoolean(key: String): Boolean? = when (val v = args[key]) {
        null -> null
        is Boolean -> v
        else -> wrongType(key, "a boolean", v)
    }

    fun id(key: String): Int = optLong(key)?.let {
        if (it < 1 || it > Int.MAX_VALUE) bad("$key must be a handle id, was $it")
        it.toInt()
    } ?: missing(key, "a handle id")

    /** An integer: a whole number that fits a Long, however the host's runtime represents it. */
    fun optLong(key: String): Long? = when (val v = args[key]) {
        null -> null
        is Byte, is Short, is Int, is Long -> (v as Number).toLong()
        is Number -> {
            val d = v.toDouble()
            if (d != Math.rint(d) || d.isInfinite() || kotlin.math.abs(d) > 9.007199254740991E15) {
                bad("$key must be a whole number, was $v")
            }
            d.toLong()
        }
        else -> wrongType(key, "a number", v)
    }

    fun optNonNegative(key: String): Long? = optLong(key)?.also { if (it < 0) bad("$key must not be negative, was $it") }

    fun optStrings(key: String): List<String>? = when (val v = args[key]) {
        null -> null
        is List<*> -> v.mapIndexed { i, item -> item as? String ?: bad("$key[$i] must be a string") }
        else -> wrongType(key, "a list of strings", v)
    }

    fun optMap(key: String): Map<String, Any?>? = when (val v = args[key]) {
        null -> null
        is Map<*, *> -> v.entries.associate { (k, value) -> (k as? String ?: bad("$key has a non-string key")) to value }
        else -> wrongType(key, "a map", v)
    }

    /** Bytes as a [ByteArray], or (for hosts whose channel has no bytes) a base64 string. */
    fun optBytes(key: String): ByteArray? = when (val v = args[key]) {
        null -> null
        is ByteArray -> v
        is String -> try {
            Base64.getDecoder().decode(v)
        } catch (e: IllegalArgumentException) {
            bad("$key is not valid base64: ${e.message}")
        }
        else -> wrongType(key, "bytes", v)
    }

    /** Header lines: a list of `[name, value]` pairs (order and repeated names kept). */
    fun optHeaders(key: String): List<Pair<String, String>>? = when (val v = args[key]) {
        null -> null
        is List<*> -> v.mapIndexed { i, line ->
            val pair = line as? List<*>
            val name = pair?.getOrNull(0) as? String
            val value = pair?.getOrNull(1) as? String
            if (pair?.size != 2 || name == null || value == null) bad("$key[$i] must be a [name, value] pair of strings")
            name to value
        }
        else -> wrongType(key, "a list of [name, value] pairs", v)
    }

    fun bad(text: String): Nothing = throw BridgeException(BridgeErrorCodes.BAD_MESSAGE, "$method: $text")

    private fun missing(key: String, what: String): Nothing = bad("$key (${what}) is missing")

    private fun wrongType(key: String, what: String, value: Any): Nothing =
        bad("$key must be $what, was ${value.javaClass.simpleName}")
}

/**
 * A message value made fit for channels that carry only JSON-like values: byte arrays become base64
 * strings, every other value is kept (maps and lists converted deeply). React Native's host uses this;
 * hosts with a bytes type (Flutter) send messages as they are.
 */
object BridgeValues {
    @JvmStatic
    fun jsonCompatible(value: Any?): Any? = when (value) {
        is ByteArray -> Base64.getEncoder().encodeToString(value)
        is Map<*, *> -> value.entries.associateTo(LinkedHashMap()) { (k, v) -> k.toString() to jsonCompatible(v) }
        is List<*> -> value.map(::jsonCompatible)
        else -> value
    }
}
