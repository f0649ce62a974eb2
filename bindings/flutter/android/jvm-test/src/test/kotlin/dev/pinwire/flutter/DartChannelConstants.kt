package dev.pinwire.flutter

/** Renders lib/src/channel.g.dart, the Dart side of channel.json (the test checks the committed file). */
object DartChannelConstants {
    fun render(table: Map<String, Any?>): String {
        val methods = table.section("methods")
        val errors = table.section("errorFields")
        val events = table.section("events")
        val keys = sortedSetOf<String>()
        methods.keys.forEach { m -> keys += methods.section(m).strings("args") + methods.section(m).strings("result") }
        keys += table.strings("pinRule")
        errors.keys.forEach { keys += errors.strings(it) }
        keys += table.strings("eventEnvelope")
        events.keys.forEach { keys += events.strings(it) }

        fun constant(name: String, value: String) = "  static const String $name = '$value';\n"
        fun lowerFirst(s: String) = s.replaceFirstChar(Char::lowercase)
        fun set(values: List<String>) = values.joinToString(", ", "{", "}") { "'$it'" }

        return buildString {
            append("// GENERATED from channel.json by the Flutter shim's JVM tests (scripts/test-flutter.sh): do not edit.\n")
            append("// After a change to channel.json, PINWIRE_UPDATE_FIXTURES=1 scripts/test-flutter.sh rewrites it.\n\n")
            append("/// The names of the plugin's channels.\n")
            append("abstract final class Channels {\n")
            append(constant("methods", table["methodChannel"] as String))
            append(constant("events", table["eventChannel"] as String))
            append("}\n\n")
            append("/// The host bridge's methods.\n")
            append("abstract final class Methods {\n")
            methods.keys.forEach { append(constant(it, it)) }
            append("}\n\n")
            append("/// The arguments each method accepts (the native shims refuse any other).\n")
            append("const Map<String, Set<String>> methodArguments = <String, Set<String>>{\n")
            methods.keys.forEach { append("  Methods.$it: <String>${set(methods.section(it).strings("args"))},\n") }
            append("};\n\n")
            append("/// The error codes (`PlatformException.code`).\n")
            append("abstract final class ErrorCodes {\n")
            errors.keys.forEach { append(constant(lowerFirst(it), it)) }
            append("}\n\n")
            append("/// The fields each error carries (`PlatformException.details`).\n")
            append("const Map<String, Set<String>> errorFields = <String, Set<String>>{\n")
            errors.keys.forEach { append("  ErrorCodes.${lowerFirst(it)}: <String>${set(errors.strings(it))},\n") }
            append("};\n\n")
            append("/// The names of the events on the event channel.\n")
            append("abstract final class Events {\n")
            events.keys.forEach { append(constant(it, it)) }
            append("}\n\n")
            append("/// Every key of the messages.\n")
            append("abstract final class Keys {\n")
            keys.forEach { append(constant(it, it)) }
            append("}\n")
        }
    }
}
