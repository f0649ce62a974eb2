package dev.pinwire

import java.io.File
import java.time.Instant
import org.json.JSONArray
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assertions.fail
import org.junit.jupiter.api.Test

/**
 * The builder fixture shared with the Rust and Swift suites (bindings/tests/fixtures/builder-cases.json): the
 * same builder calls give the same policy, as Pinwire JSON, on every platform.
 */
class BuilderCasesTest {
    private val fixture = File(System.getProperty("basedir", "."), "../tests/fixtures/builder-cases.json")

    private fun replay(calls: JSONArray): PinwireClient.Builder {
        val builder = PinwireClient.builder()
        for (i in 0 until calls.length()) {
            val call = calls.getJSONObject(i)
            val name = call.keys().next()
            when (name) {
                "add" -> {
                    val args = call.getJSONObject(name)
                    val pins = args.getJSONArray("pins").map { it as String }.toTypedArray()
                    builder.add(args.getString("pattern"), *pins) {
                        if (args.has("includeSubdomains")) includeSubdomains(args.getBoolean("includeSubdomains"))
                        if (args.has("reportOnly")) reportOnly(args.getBoolean("reportOnly"))
                        if (args.has("expiration")) expiresAt(Instant.parse(args.getString("expiration")))
                        if (args.has("cleartextPermitted")) cleartextPermitted(args.getBoolean("cleartextPermitted"))
                    }
                }
                "exempt" -> builder.exempt(call.getString(name))
                "dangerousAllowSinglePin" -> if (call.getBoolean(name)) builder.dangerousAllowSinglePin()
                "cleartextPermittedByDefault" -> builder.cleartextPermittedByDefault(call.getBoolean(name))
                else -> fail("unknown builder call $name")
            }
        }
        return builder
    }

    @Test
    fun everyBuilderCaseGivesItsPolicy() {
        val cases = JSONObject(fixture.readText()).getJSONArray("cases")
        assertTrue(cases.length() >= 10, "the fixture lost its cases")
        for (i in 0 until cases.length()) {
            val case = cases.getJSONObject(i)
            val name = case.getString("name")
            val builder = replay(case.getJSONArray("calls"))
            if (case.has("policy")) {
                val json = try {
                    builder.policyJson()
                } catch (e: InvalidConfigException) {
                    fail("$name: ${e.message}")
                }
                val actual = JSONObject(json)
                // What the exported JSON holds that a builder's pin rules do not set.
                listOf("version", "trust_anchors", "debug_anchors").forEach { actual.remove(it) }
                val expected = case.getJSONObject("policy")
                assertTrue(expected.similar(actual), "$name: $actual, expected $expected")
            } else {
                val error = case.getString("error")
                try {
                    builder.policyJson()
                    fail("$name: no error")
                } catch (e: InvalidConfigException) {
                    assertTrue(e.message.orEmpty().contains(error), "$name: ${e.message} lacks $error")
                }
            }
        }
    }
}
