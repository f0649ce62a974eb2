import Foundation
import Pinwire
import Testing

// The builder fixture shared with the Rust and Kotlin suites (bindings/tests/fixtures/builder-cases.json): the
// same builder calls give the same policy, as Pinwire JSON, on every platform.

private let fixture = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // PinwireTests
    .deletingLastPathComponent()  // Tests
    .deletingLastPathComponent()  // linux-tests
    .deletingLastPathComponent()  // swift
    .deletingLastPathComponent()  // bindings
    .appendingPathComponent("tests/fixtures/builder-cases.json")

private func replay(_ calls: [[String: Any]]) -> PinwireClient.Builder {
    var builder = PinwireClient.Builder()
    for call in calls {
        guard let (name, value) = call.first else { continue }
        switch name {
        case "add":
            let args = value as! [String: Any]
            builder = builder.add(
                args["pattern"] as! String, pins: args["pins"] as! [String],
                includeSubdomains: args["includeSubdomains"] as? Bool ?? false,
                reportOnly: args["reportOnly"] as? Bool ?? false,
                expiration: (args["expiration"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) },
                cleartextPermitted: args["cleartextPermitted"] as? Bool)
        case "exempt":
            builder = builder.exempt(value as! String)
        case "dangerousAllowSinglePin":
            if value as! Bool { builder = builder.dangerousAllowSinglePin() }
        case "cleartextPermittedByDefault":
            builder = builder.cleartextPermittedByDefault(value as! Bool)
        default:
            Issue.record("unknown builder call \(name)")
        }
    }
    return builder
}

/// JSON text with sorted keys: equal values give equal text (NSDictionary equality is unreliable for booleans
/// on Linux's Foundation).
private func canonical(_ object: [String: Any]) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
}

@Test func everyBuilderCaseGivesItsPolicy() throws {
    let document = try JSONSerialization.jsonObject(with: Data(contentsOf: fixture)) as! [String: Any]
    let cases = document["cases"] as! [[String: Any]]
    #expect(cases.count >= 10, "the fixture lost its cases")
    for testCase in cases {
        let name = testCase["name"] as! String
        let builder = replay(testCase["calls"] as! [[String: Any]])
        if let expected = testCase["policy"] as? [String: Any] {
            let json: String
            do {
                json = try builder.policyJSON()
            } catch {
                Issue.record("\(name): \(error)")
                continue
            }
            var actual = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
            // What the exported JSON holds that a builder's pin rules do not set.
            for key in ["version", "trust_anchors", "debug_anchors"] {
                actual[key] = nil
            }
            #expect(try canonical(actual) == canonical(expected), "\(name): \(actual), expected \(expected)")
        } else {
            let text = testCase["error"] as! String
            do {
                _ = try builder.policyJSON()
                Issue.record("\(name): no error")
            } catch let error as PinwireError {
                #expect(error.detail.contains(text), "\(name): \(error.detail) lacks \(text)")
            }
        }
    }
}
