import Pinwire
import SwiftUI

struct ContentView: View {
    @State private var check = PinCheck()

    var body: some View {
        NavigationStack {
            Form {
                Section("Request") {
                    TextField("https://…", text: $check.url)
                        .keyboardType(.URL)
                        .textInputAutocapitalization(.never)
                        .autocorrectionDisabled()
                    Toggle("Report-only (do not fail on mismatch)", isOn: $check.reportOnly)
                }
                Section("Pins for the URL's host (one per line, at least two)") {
                    TextEditor(text: $check.pins)
                        .font(.footnote.monospaced())
                        .frame(minHeight: 70)
                        .textInputAutocapitalization(.never)
                        .autocorrectionDisabled()
                }
                Section {
                    HStack {
                        Button("Fetch") { check.fetch() }
                            .disabled(check.running)
                        Spacer()
                        if check.running {
                            ProgressView()
                            Button("Cancel", role: .cancel) { check.cancel() }
                        }
                    }
                }
                if let outcome = check.outcome {
                    OutcomeView(outcome: outcome, pinTheChain: check.pinTheChain)
                }
                if !check.events.isEmpty {
                    Section("Pin decisions") {
                        ForEach(Array(check.events.enumerated()), id: \.offset) { _, event in
                            EventRow(event: event)
                        }
                    }
                }
            }
            .navigationTitle("Pinwire")
        }
    }
}

struct OutcomeView: View {
    let outcome: FetchOutcome
    let pinTheChain: () -> Void

    var body: some View {
        switch outcome {
        case let .success(status, version, bytes, preview):
            Section("Pinned and fetched") {
                Label("\(status), \(version), \(bytes) bytes", systemImage: "lock.shield")
                    .foregroundStyle(.green)
                Text(preview).font(.caption.monospaced()).lineLimit(8)
            }
        case let .pinMismatch(host, expectedPins, chain):
            Section("Pin mismatch for \(host)") {
                Label("None of the pinned keys is on the validated chain", systemImage: "xmark.shield")
                    .foregroundStyle(.red)
                ForEach(expectedPins, id: \.self) { pin in
                    LabeledContent("expected", value: pin).font(.caption.monospaced())
                }
            }
            Section("The chain's pins (leaf first, root last)") {
                ForEach(chain) { entry in
                    VStack(alignment: .leading, spacing: 2) {
                        Text(entry.pin).font(.caption.monospaced()).textSelection(.enabled)
                        Text(entry.subject).font(.caption2).foregroundStyle(.secondary)
                    }
                }
                Button("Pin the leaf and intermediate keys", action: pinTheChain)
            }
        case let .failure(kind, message):
            Section("Failed: \(kind)") {
                Text(message).font(.caption.monospaced()).textSelection(.enabled)
            }
        case .cancelled:
            Section { Label("Cancelled", systemImage: "stop.circle") }
        }
    }
}

struct EventRow: View {
    let event: PinEvent

    var body: some View {
        VStack(alignment: .leading, spacing: 2) {
            Text("\(event.host) — \(describe(event.outcome))\(event.reportOnly ? " (report-only)" : "")")
                .font(.callout)
            Text("rule \(event.pattern), \(event.chainPins.count) certificates, \(event.allowed ? "allowed" : "refused")")
                .font(.caption2)
                .foregroundStyle(.secondary)
        }
    }

    private func describe(_ outcome: PinEvent.Outcome) -> String {
        switch outcome {
        case .matched(let pin): return "matched \(pin.prefix(20))…"
        case .mismatch: return "mismatch"
        case .overridden: return "pins overridden by a debug trust anchor"
        case .expired: return "pins expired, not enforced"
        }
    }
}
