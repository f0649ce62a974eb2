import Foundation
internal import PinwireBindings

/// A pin configuration read from a file: Pinwire's JSON format, a TrustKit configuration dictionary (the
/// `TSKConfiguration` of an app that used TrustKit), or an Android Network Security Config (the file the
/// Android app ships, so one file can serve both apps): the same formats the Kotlin package reads. Build a client from it with
/// `PinwireClient.Builder().config(config).build()`; the file gives the pins, trust anchors and cleartext
/// rules, the builder the rest (timeouts, proxy, listeners...).
///
/// Errors are `PinwireError.invalidConfig` with `file:line:column: what is wrong`.
public final class PinConfig: Sendable {
    let inner: PinwireBindings.PinConfig

    private init(_ inner: PinwireBindings.PinConfig) {
        self.inner = inner
    }

    /// Reads Pinwire's JSON format (`core/config.schema.json`). `fileName` names the text in errors;
    /// `debuggable`: whether its debug-only trust anchors count.
    public convenience init(json: String, fileName: String = "pinwire.json", debuggable: Bool = false) throws {
        self.init(try callRust { try PinwireBindings.PinConfig.fromJson(text: json, file: fileName, debuggable: debuggable) })
    }

    /// Reads an Android `network_security_config.xml` with Android's semantics, as the Android app would get
    /// them: its defaults depend on `targetSdkVersion` (the Android app's; the default is Android 14's, 34),
    /// `debug-overrides` apply only when `debuggable`, and `@raw/name` certificates come from `rawResources`
    /// (name, e.g. `my_ca`, to the file's bytes, PEM or DER). What iOS cannot use is listed in `warnings`.
    public convenience init(
        nscXML xml: String, fileName: String = "network_security_config.xml", targetSdkVersion: UInt32 = 34,
        debuggable: Bool = false, rawResources: [String: Data] = [:], dangerousAllowSinglePin: Bool = false
    ) throws {
        let options = NscImportOptions(
            targetSdkVersion: targetSdkVersion, debuggable: debuggable, rawResources: rawResources,
            dangerousAllowSinglePin: dangerousAllowSinglePin)
        self.init(try callRust { try PinwireBindings.PinConfig.fromNscXml(text: xml, file: fileName, options: options) })
    }

    /// Reads a TrustKit configuration dictionary written as JSON (optionally under `TSKConfiguration`).
    public convenience init(trustKitJSON json: String, fileName: String = "TrustKit.json") throws {
        self.init(try callRust { try PinwireBindings.PinConfig.fromTrustkitJson(text: json, file: fileName) })
    }

    /// Reads a TrustKit configuration dictionary written as plist XML, or an Info.plist holding one under
    /// `TSKConfiguration`.
    public convenience init(trustKitPlist plist: String, fileName: String = "Info.plist") throws {
        self.init(try callRust { try PinwireBindings.PinConfig.fromTrustkitPlist(text: plist, file: fileName) })
    }

    /// Reads a TrustKit configuration dictionary as TrustKit itself takes it, e.g.
    /// `Bundle.main.object(forInfoDictionaryKey: "TSKConfiguration") as? [String: Any]`.
    public convenience init(trustKitDictionary dictionary: [String: Any]) throws {
        let data: Data
        do {
            data = try PropertyListSerialization.data(fromPropertyList: dictionary, format: .xml, options: 0)
        } catch {
            throw PinwireError.invalidConfig(detail: "the TrustKit dictionary is not a property list: \(error)")
        }
        try self.init(trustKitPlist: String(decoding: data, as: UTF8.self), fileName: "TSKConfiguration")
    }

    /// What the file said that Pinwire does not use, each as `file:line:column: warning: ...`.
    public var warnings: [String] {
        inner.warnings()
    }

    /// The configuration in Pinwire's JSON format (a TrustKit dictionary converted, for instance).
    public func toJSON() throws -> String {
        try callRust { try inner.toJson() }
    }
}
