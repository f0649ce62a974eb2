package dev.pinwire.flutter

import java.io.File
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * What can be checked of the Dart package without a Dart SDK: its code names channels, methods, error codes
 * and message keys only through the generated constants (so channel.json is the one place they are spelt),
 * every constant it refers to exists, and pubspec.yaml names the plugin classes the shims declare.
 */
class DartSourcesTest {
    private val generated = File(flutterDir, "lib/src/channel.g.dart")

    private fun dartFiles(vararg dirs: String) = dirs.flatMap { dir ->
        File(flutterDir, dir).walkTopDown().filter { it.isFile && it.name.endsWith(".dart") && it != generated }.toList()
    }

    @Test
    fun `channel, method, error and event names are spelt only in the generated constants`() {
        val methods = channelTable.section("methods").keys
        val names = methods + channelTable.section("errorFields").keys + channelTable.section("events").keys +
            listOf(channelTable["methodChannel"] as String, channelTable["eventChannel"] as String)
        val found = dartFiles("lib", "example/lib").flatMap { file ->
            names.filter { name -> file.readText().contains("'$name'") || file.readText().contains("\"$name\"") }
                .map { "${file.relativeTo(flutterDir)}: '$it'" }
        }
        assertEquals(emptyList<String>(), found, "use the constants of lib/src/channel.g.dart")
    }

    @Test
    fun `every generated constant the Dart code refers to exists`() {
        val declared = Regex("""abstract final class (\w+) \{(.*?)\n}""", RegexOption.DOT_MATCHES_ALL)
            .findAll(generated.readText())
            .associate { m -> m.groupValues[1] to Regex("""static const String (\w+) =""").findAll(m.groupValues[2]).map { it.groupValues[1] }.toSet() }
        assertEquals(setOf("Channels", "Methods", "ErrorCodes", "Events", "Keys"), declared.keys)
        val reference = Regex("""\b(Channels|Methods|ErrorCodes|Events|Keys)\.(\w+)""")
        val files = dartFiles("lib", "test", "example/lib")
        assertTrue(files.size >= 5, "the Dart sources are there: $files")
        val missing = files.flatMap { file ->
            reference.findAll(file.readText()).filter { it.groupValues[2] !in declared.getValue(it.groupValues[1]) }
                .map { "${file.relativeTo(flutterDir)}: ${it.value}" }.toList()
        }
        assertEquals(emptyList<String>(), missing)
    }

    @Test
    fun `pubspec names the plugin classes the Kotlin and Swift shims declare`() {
        val pubspec = File(flutterDir, "pubspec.yaml").readText()
        assertTrue(Regex("""android:\s+package: dev\.pinwire\.flutter\s+pluginClass: PinwirePlugin""").containsMatchIn(pubspec), pubspec)
        assertTrue(Regex("""ios:\s+pluginClass: PinwirePlugin""").containsMatchIn(pubspec), pubspec)
        val kotlin = File(flutterDir, "android/src/main/kotlin/dev/pinwire/flutter/PinwirePlugin.kt").readText()
        assertTrue(kotlin.contains("package dev.pinwire.flutter") && kotlin.contains("class PinwirePlugin : FlutterPlugin"))
        val swift = File(flutterDir, "ios/pinwire/Sources/pinwire/PinwirePlugin.swift").readText()
        assertTrue(swift.contains("public final class PinwirePlugin: NSObject, FlutterPlugin"), "the Swift plugin class")
    }
}
