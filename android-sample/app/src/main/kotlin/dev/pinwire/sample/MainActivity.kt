package dev.pinwire.sample

import android.app.Activity
import android.os.Bundle
import android.view.View
import android.widget.Button
import android.widget.TextView
import dev.pinwire.PinEvent
import dev.pinwire.PinMismatchException
import dev.pinwire.PinwireClient
import dev.pinwire.PinwireException
import dev.pinwire.Request
import kotlinx.coroutines.MainScope
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.time.Duration.Companion.seconds

/**
 * Fetches the pinned demo URL with the right pins (success, with the pin that matched and the
 * validated chain) or with wrong ones (PinMismatchException, with the expected pins and the chain's).
 */
class MainActivity : Activity() {
    private val scope = MainScope()
    private lateinit var output: TextView
    private val events = CopyOnWriteArrayList<PinEvent>()

    // One client per pin configuration, shared for the activity's life (a real app keeps one per process).
    private val pinned = lazy { client(SamplePins.PINS) }
    private val wronglyPinned = lazy { client(SamplePins.WRONG_PINS) }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContentView(R.layout.activity_main)
        output = view(R.id.output)
        view<Button>(R.id.fetch_pinned).setOnClickListener { fetch(pinned) }
        view<Button>(R.id.fetch_mismatch).setOnClickListener { fetch(wronglyPinned) }
    }

    override fun onDestroy() {
        scope.cancel() // cancels calls in flight: the Rust futures are dropped, their connections closed
        listOf(pinned, wronglyPinned).filter { it.isInitialized() }.forEach { it.value.close() }
        super.onDestroy()
    }

    private fun <T : View> view(id: Int): T = checkNotNull(findViewById<T>(id)) { "no view $id in the layout" }

    private fun client(pins: List<String>): PinwireClient = PinwireClient {
        add(SamplePins.HOST, *pins.toTypedArray())
        connectTimeout(15.seconds)
        callTimeout(30.seconds)
        listener { event -> events += event }
    }

    private fun fetch(client: Lazy<PinwireClient>) {
        output.text = getString(R.string.fetching, SamplePins.URL)
        events.clear()
        scope.launch {
            output.text = try {
                // Suspends; the request runs on Pinwire's Rust runtime, not on the main thread.
                val (status, length) = client.value.execute(Request.get(SamplePins.URL)).use { it.status to it.bytes().size }
                buildString {
                    appendLine("OK: HTTP $status, $length bytes from ${SamplePins.URL}")
                    events.lastOrNull()?.let { event ->
                        appendLine()
                        appendLine("Pin that matched: ${event.matchedPin}")
                        appendLine()
                        appendLine("Chain Android validated (leaf first, trust anchor last):")
                        event.chainPins.zip(event.chainSubjects).forEach { (pin, subject) ->
                            appendLine("  $pin\n    $subject")
                        }
                    }
                }
            } catch (e: PinMismatchException) {
                buildString {
                    appendLine("PinMismatchException for ${e.host} (rule ${e.pattern})")
                    appendLine()
                    appendLine("Expected one of:")
                    e.expectedPins.forEach { appendLine("  $it") }
                    appendLine()
                    appendLine("The validated chain's pins (leaf first, trust anchor last):")
                    e.chainPins.zip(e.chainSubjects).forEach { (pin, subject) -> appendLine("  $pin\n    $subject") }
                }
            } catch (e: PinwireException) {
                "${e::class.simpleName}: ${e.message}"
            }
        }
    }
}
