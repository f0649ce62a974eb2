package dev.pinwire.reactnative

import com.facebook.react.bridge.ReadableArray
import com.facebook.react.bridge.ReadableMap
import com.facebook.react.bridge.ReadableType
import com.facebook.react.bridge.WritableArray
import com.facebook.react.bridge.WritableMap

/**
 * Bridge messages to and from React Native's values. Reads go through the Readable interfaces only, so they
 * work on every implementation (native maps in an app, JavaOnlyMap on the JVM); writes go to the maps
 * [newMap] and [newArray] make (Arguments.createMap/createArray in an app).
 */
internal class ReactValues(
    private val newMap: () -> WritableMap,
    private val newArray: () -> WritableArray,
) {
    fun toPlain(map: ReadableMap): Map<String, Any?> {
        val out = LinkedHashMap<String, Any?>()
        val keys = map.keySetIterator()
        while (keys.hasNextKey()) {
            val key = keys.nextKey()
            out[key] = when (map.getType(key)) {
                ReadableType.Null -> null
                ReadableType.Boolean -> map.getBoolean(key)
                ReadableType.Number -> map.getDouble(key)
                ReadableType.String -> map.getString(key)
                ReadableType.Map -> map.getMap(key)?.let(::toPlain)
                ReadableType.Array -> map.getArray(key)?.let(::toPlain)
            }
        }
        return out
    }

    fun toPlain(array: ReadableArray): List<Any?> = (0 until array.size()).map { i ->
        when (array.getType(i)) {
            ReadableType.Null -> null
            ReadableType.Boolean -> array.getBoolean(i)
            ReadableType.Number -> array.getDouble(i)
            ReadableType.String -> array.getString(i)
            ReadableType.Map -> array.getMap(i)?.let(::toPlain)
            ReadableType.Array -> array.getArray(i)?.let(::toPlain)
        }
    }

    /** A JSON-compatible message (no byte arrays: see BridgeValues.jsonCompatible) as a WritableMap. */
    fun toWritable(map: Map<String, Any?>): WritableMap {
        val out = newMap()
        for ((key, value) in map) {
            when (value) {
                null -> out.putNull(key)
                is Boolean -> out.putBoolean(key, value)
                is Int -> out.putInt(key, value)
                is Number -> out.putDouble(key, value.toDouble())
                is String -> out.putString(key, value)
                is Map<*, *> -> out.putMap(key, toWritable(stringKeys(value)))
                is List<*> -> out.putArray(key, toWritable(value))
                else -> throw IllegalArgumentException("$key: ${value.javaClass.name} is not a message value")
            }
        }
        return out
    }

    fun toWritable(list: List<*>): WritableArray {
        val out = newArray()
        for (value in list) {
            when (value) {
                null -> out.pushNull()
                is Boolean -> out.pushBoolean(value)
                is Int -> out.pushInt(value)
                is Number -> out.pushDouble(value.toDouble())
                is String -> out.pushString(value)
                is Map<*, *> -> out.pushMap(toWritable(stringKeys(value)))
                is List<*> -> out.pushArray(toWritable(value))
                else -> throw IllegalArgumentException("${value.javaClass.name} is not a message value")
            }
        }
        return out
    }

    private fun stringKeys(map: Map<*, *>): Map<String, Any?> = map.entries.associate { (k, v) -> k.toString() to v }
}
