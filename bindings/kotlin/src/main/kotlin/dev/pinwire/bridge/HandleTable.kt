package dev.pinwire.bridge

import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicInteger

/**
 * The objects a bridge hands out by number: clients and calls. Ids are never reused within one bridge, so a
 * stale id from a host finds nothing instead of another caller's object.
 */
internal class HandleTable<T : Any> {
    private val next = AtomicInteger(1)
    private val entries = ConcurrentHashMap<Int, T>()

    fun add(value: T): Int {
        val id = next.getAndIncrement()
        entries[id] = value
        return id
    }

    operator fun get(id: Int): T? = entries[id]

    /** Removes [id]; returns what it held, or null when it was already gone (so only one remover acts). */
    fun remove(id: Int): T? = entries.remove(id)

    /** Removes and returns every entry. */
    fun drain(): List<T> = entries.keys.toList().mapNotNull(entries::remove)

    val size: Int get() = entries.size
}
