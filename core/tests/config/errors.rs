//! Every refusal names the file, the line and column, and what is wrong.

use super::common::*;
use pinwire::config::{ConfigErrorKind, ImportOptions, PinConfig};
use pinwire::HostError;

const A: &str = "7HIpactkIAq2Y49orFOOQKurWxmmSFZhBCoQYcRhJ3Y=";
const B: &str = "fwza0LRMXouZHRC8Ei+4PyuldPDcf3UKgO/04cDM1oE=";

fn pins() -> String {
    format!("<pin-set><pin digest=\"SHA-256\">{A}</pin><pin digest=\"SHA-256\">{B}</pin></pin-set>")
}

/// (document body on line 2, expected line, column, a piece of the message)
fn nsc_cases() -> Vec<(String, u32, u32, &'static str)> {
    let p = pins();
    vec![
        ("<base-config/><base-config/>".into(), 2, 15, "only one <base-config>"),
        ("<debug-overrides/><debug-overrides/>".into(), 2, 19, "only one <debug-overrides>"),
        ("<base-config><domain>a.com</domain></base-config>".into(), 2, 14, "<domain> is not allowed in <base-config>"),
        (format!("<base-config>{p}</base-config>"), 2, 14, "<pin-set> is not allowed in <base-config>"),
        (format!("<domain-config>{p}</domain-config>"), 2, 1, "missing <domain> in this <domain-config>"),
        ("<domain-config><domain>a.com<x/></domain></domain-config>".into(), 2, 29, "may hold only text"),
        (
            "<domain-config><domain>a.com</domain></domain-config><domain-config><domain>A.com</domain></domain-config>"
                .into(),
            2,
            69,
            "a.com has already been specified (at 2:16)",
        ),
        (format!("<domain-config><domain>a.com</domain>{p}{p}</domain-config>"), 2, 201, "only one <pin-set>"),
        (
            "<domain-config><domain>a.com</domain><trust-anchors/><trust-anchors/></domain-config>".into(),
            2,
            54,
            "only one <trust-anchors>",
        ),
        (
            format!("<domain-config><domain>a.com</domain><pin-set expiration=\"2018/8/10\"><pin digest=\"SHA-256\">{A}</pin></pin-set></domain-config>"),
            2,
            47,
            "invalid date \"2018/8/10\": expected yyyy-MM-dd",
        ),
        (
            "<domain-config><domain>a.com</domain><pin-set expiration=\"2018-02-30\"/></domain-config>".into(),
            2,
            47,
            "invalid date \"2018-02-30\"",
        ),
        (
            format!("<domain-config><domain>a.com</domain><pin-set><pin digest=\"SHA-1\">{A}</pin></pin-set></domain-config>"),
            2,
            52,
            "unsupported pin digest \"SHA-1\"",
        ),
        (
            format!("<domain-config><domain>a.com</domain><pin-set><pin>{A}</pin></pin-set></domain-config>"),
            2,
            47,
            "missing the digest attribute",
        ),
        (
            "<domain-config><domain>a.com</domain><pin-set><pin digest=\"SHA-256\"></pin></pin-set></domain-config>".into(),
            2,
            47,
            "missing the base64 digest",
        ),
        (
            format!("<domain-config><domain>a.com</domain><pin-set><pin digest=\"SHA-256\">sha256/{A}</pin></pin-set></domain-config>"),
            2,
            47,
            "without the \"sha256/\" prefix",
        ),
        (
            "<domain-config><domain>a.com</domain><pin-set><pin digest=\"SHA-256\">ZGlnZXN0IG9mIHR3ZW50eSBieXQ=</pin></pin-set></domain-config>".into(),
            2,
            47,
            "decodes to 20 bytes",
        ),
        (
            "<domain-config><domain>a.com</domain><trust-anchors><certificates/></trust-anchors></domain-config>".into(),
            2,
            53,
            "missing the src attribute",
        ),
        (
            "<domain-config><domain>a.com</domain><trust-anchors><certificates src=\"@drawable/ca\"/></trust-anchors></domain-config>".into(),
            2,
            67,
            "unknown certificates src \"@drawable/ca\"",
        ),
        (
            "<base-config><trust-anchors><certificates src=\"wfa\"/></trust-anchors></base-config>".into(),
            2,
            43,
            "src=\"wfa\"",
        ),
        (
            "<base-config><trust-anchors><certificates src=\"@raw/../../etc/passwd\"/></trust-anchors></base-config>".into(),
            2,
            43,
            "not a valid resource name",
        ),
        (
            "<base-config><trust-anchors><certificates src=\"@raw/my_ca\"/></trust-anchors></base-config>".into(),
            2,
            43,
            "no raw resources were given",
        ),
        (
            format!("<domain-config><domain includeSubdomains=\"true\">co.uk</domain>{p}</domain-config>"),
            2,
            16,
            "co.uk (with subdomains) would pin every name under the public suffix co.uk",
        ),
        (
            format!("<domain-config><domain includeSubdomains=\"true\">com</domain>{p}</domain-config>"),
            2,
            16,
            "public suffix com",
        ),
    ]
}

#[test]
fn nsc_errors_name_file_line_and_column() {
    for (body, line, column, message) in nsc_cases() {
        let err = nsc_err(&nsc_doc(&body));
        assert_eq!(err.file, "network_security_config.xml");
        assert!(
            err.to_string().contains(message),
            "{body}\n  gave: {err}\n  want: {message}"
        );
        assert_eq!(at(&err), (line, column), "{body}\n  gave: {err}");
        assert!(
            err.to_string()
                .starts_with(&format!("network_security_config.xml:{line}:{column}: ")),
            "{err}"
        );
    }
}

#[test]
fn malformed_xml_is_a_syntax_error_at_its_position() {
    let err = nsc_err("<network-security-config>\n  <domain-config>\n</network-security-config>");
    assert!(
        matches!(err.kind, ConfigErrorKind::Syntax { format: "XML", .. }),
        "{err:?}"
    );
    assert_eq!(at(&err), (3, 1));
    let err = nsc_err("<network-security-config>&undefined;</network-security-config>");
    assert!(matches!(err.kind, ConfigErrorKind::Syntax { .. }));
    let err = nsc_err("<security-config/>");
    assert_eq!(at(&err), (1, 1));
    assert!(err.to_string().contains("must be <network-security-config>"));
    let err = nsc_err("");
    assert!(matches!(err.kind, ConfigErrorKind::Syntax { .. }));
}

#[test]
fn entity_expansion_and_external_entities_are_refused() {
    let laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n\
                  <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n\
                  <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n\
                  <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n\
                  <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n\
                  <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n\
                  <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n\
                  ]>\n<network-security-config><domain-config><domain>&lol7;</domain></domain-config></network-security-config>";
    let err = nsc_err(laughs);
    assert!(matches!(err.kind, ConfigErrorKind::Doctype(_)), "{err}");
    let external = "<?xml version=\"1.0\"?>\n<!DOCTYPE n [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n\
                    <network-security-config><domain-config><domain>&x;</domain></domain-config></network-security-config>";
    assert!(PinConfig::from_nsc_xml(external, "x.xml", &ImportOptions::new(34)).is_err());
}

#[test]
fn seed_placeholder_pins_are_refused() {
    // The guide's backup pin was never filled in.
    let err = PinConfig::from_nsc_xml(
        &fixture("nsc/seed_guide_placeholder.xml"),
        "seed_guide_placeholder.xml",
        &ImportOptions::new(34),
    )
    .unwrap_err();
    assert_eq!(at(&err), (8, 13));
    assert!(
        matches!(err.kind, ConfigErrorKind::Invalid(ref m) if m.starts_with("<pin> \"BASE64_SHA256_BACKUP_SPKI_PIN_HERE=\"")),
        "{err}"
    );
    // The other guide's backup placeholder "BBB...B=" is not canonical base64 (its last character
    // carries bits past the 32 bytes): Android ignores those bits, and so does the import, saying so.
    let config = PinConfig::from_nsc_xml(
        &fixture("nsc/seed_sslens.xml"),
        "seed_sslens.xml",
        &ImportOptions::new(34),
    )
    .unwrap();
    let warnings = config.warnings().as_slice();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!((warnings[0].line, warnings[0].column), (9, 13));
    assert!(warnings[0].message.contains("stray low bits"), "{warnings:?}");
    assert!(
        warnings[0]
            .message
            .ends_with("read as BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA="),
        "{warnings:?}"
    );
}

#[test]
fn broken_raw_certificates_are_refused() {
    let xml = nsc_doc("<base-config><trust-anchors><certificates src=\"@raw/broken\"/></trust-anchors></base-config>");
    let err = PinConfig::from_nsc_xml(&xml, "n.xml", &sdk(34)).unwrap_err();
    assert_eq!(at(&err), (2, 43));
    assert!(
        matches!(err.kind, ConfigErrorKind::Resource { ref name, .. } if name == "broken"),
        "{err}"
    );
    let xml = nsc_doc("<base-config><trust-anchors><certificates src=\"@raw/absent\"/></trust-anchors></base-config>");
    let err = PinConfig::from_nsc_xml(&xml, "n.xml", &sdk(34)).unwrap_err();
    assert!(err.to_string().contains("no file absent or absent.*"), "{err}");
}

fn json_err(text: &str) -> pinwire::config::ConfigError {
    match PinConfig::from_json(text, "pins.json") {
        Ok(c) => panic!("accepted {text}: {c:?}"),
        Err(e) => e,
    }
}

#[test]
fn json_errors_name_file_line_and_column() {
    let rule = |body: &str| format!("{{\n  \"rules\": [\n    {body}\n  ]\n}}");
    let two = format!("\"pins\": [\"sha256/{A}\", \"sha256/{B}\"]");
    let cases: Vec<(String, u32, u32, &str)> = vec![
        ("{\n  \"rules\": [,]\n}".into(), 2, 13, "not well-formed JSON"),
        ("[]".into(), 1, 1, "the configuration must be an object"),
        ("{\"version\": 2}".into(), 1, 13, "\"version\" must be 1"),
        ("{\"cleartext_default\": \"no\"}".into(), 1, 23, "\"cleartext_default\" must be a boolean, not a string"),
        ("{\"rules\": [], \"rules\": []}".into(), 1, 15, "key \"rules\" appears twice"),
        (rule("{}"), 3, 5, "missing \"pattern\" in this rule"),
        (rule("{\"pattern\": \"*.com\"}"), 3, 17, "would pin every name under a top-level domain"),
        (rule("{\"pattern\": \"a..b\"}"), 3, 17, "not a valid host name"),
        (rule(&format!("{{\"pattern\": \"*.co.uk\", {two}}}")), 3, 5, "public suffix co.uk"),
        (rule("{\"pattern\": \"a.com\", \"pins\": [\"sha1/AAAA\"]}"), 3, 35, "must start with \"sha256/\""),
        (rule(&format!("{{\"pattern\": \"a.com\", \"pins\": [\"sha256/{A}\"]}}")), 3, 5, "at least 2"),
        (rule("{\"pattern\": \"a.com\", \"expires\": \"2030-01-01\"}"), 3, 37, "\"expires\" needs \"pins\""),
        (rule(&format!("{{\"pattern\": \"a.com\", {two}, \"expires\": \"soon\"}}")), 3, 157, "invalid date \"soon\""),
        (rule(&format!("{{\"pattern\": \"a.com\", {two}, \"mode\": \"lenient\"}}")), 3, 154, "\"mode\" must be"),
        (
            rule("{\"pattern\": \"a.com\", \"report_uris\": [\"ftp://x.example\"]}"),
            3,
            42,
            "must be an http or https URL",
        ),
        (
            rule("{\"pattern\": \"a.com\", \"trust_anchors\": [{\"source\": \"bundled\", \"name\": \"ca\"}]}"),
            3,
            44,
            "missing \"pem\"",
        ),
        (
            rule("{\"pattern\": \"a.com\", \"trust_anchors\": [{\"source\": \"bundled\", \"name\": \"ca\", \"pem\": \"x\"}]}"),
            3,
            87,
            "certificate resource \"ca\"",
        ),
        (
            rule("{\"pattern\": \"a.com\", \"trust_anchors\": [{\"source\": \"shipped\"}]}"),
            3,
            55,
            "\"source\" must be",
        ),
        (
            rule(&format!("{{\"pattern\": \"a.com\", {two}}}, {{\"pattern\": \"A.com.\", {two}}}")),
            3,
            147,
            "a.com (pins) is configured twice",
        ),
    ];
    for (text, line, column, message) in cases {
        let err = json_err(&text);
        assert!(
            err.to_string().contains(message),
            "{text}\n  gave: {err}\n  want: {message}"
        );
        assert_eq!(at(&err), (line, column), "{text}\n  gave: {err}");
        assert_eq!(err.file, "pins.json");
    }
}

#[test]
fn error_kinds_can_be_matched() {
    let err = json_err("{\"rules\": [{\"pattern\": \"*.com\"}]}");
    assert!(matches!(err.kind, ConfigErrorKind::Host(HostError::TooBroad { .. })));
    let err = json_err(&format!(
        "{{\"rules\": [{{\"pattern\": \"a.com\", \"pins\": [\"sha256/{A}\"]}}]}}"
    ));
    assert!(
        matches!(err.kind, ConfigErrorKind::TooFewPins { count: 1, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("\"allow_single_pin\": true"), "{err}");
    let err = nsc_err(&nsc_doc(&format!(
        "<domain-config><domain>a.com</domain><pin-set><pin digest=\"SHA-512\">{A}</pin></pin-set></domain-config>"
    )));
    assert!(matches!(err.kind, ConfigErrorKind::UnsupportedDigest { ref digest } if digest == "SHA-512"));
}

fn trustkit_err(text: &str) -> pinwire::config::ConfigError {
    match PinConfig::from_trustkit_json(text, "trustkit.json") {
        Ok(c) => panic!("accepted {text}: {c:?}"),
        Err(e) => e,
    }
}

#[test]
fn trustkit_errors_name_file_line_and_column() {
    let domains = |body: &str| format!("{{\n  \"TSKPinnedDomains\": {{\n    {body}\n  }}\n}}");
    let two = format!("\"TSKPublicKeyHashes\": [\"{A}\", \"{B}\"]");
    let cases: Vec<(String, u32, u32, &str)> = vec![
        ("{}".into(), 1, 1, "missing TSKPinnedDomains"),
        (domains(""), 2, 23, "TSKPinnedDomains is empty"),
        (domains(&format!("\"a.com\": {{\"TSKPublicKeyHashes\": [\"{A}\"]}}")), 3, 37, "at least 2 are required"),
        (
            domains("\"a.com\": {\"TSKEnforcePinning\": false, \"TSKPublicKeyHashes\": []}"),
            3,
            65,
            "a report-only domain needs at least one pin",
        ),
        (domains(&format!("\"a.com\": {{\"TSKPublicKeyHashes\": [\"sha256/{A}\"]}}")), 3, 38, "without the \"sha256/\" prefix"),
        (domains("\"a.com\": {\"TSKPublicKeyHashes\": [\"AAAA\"]}"), 3, 38, "decodes to 3 bytes"),
        (domains(&format!("\"a.com\": {{{two}, \"TSKExpirationDate\": \"01/01/2030\"}}")), 3, 156, "invalid date"),
        (domains(&format!("\"co.uk\": {{{two}, \"TSKIncludeSubdomains\": true}}")), 3, 5, "public suffix co.uk"),
        (domains(&format!("\"com\": {{{two}, \"TSKIncludeSubdomains\": true}}")), 3, 5, "\"com\" is not one"),
        (domains(&format!("\"10.0.0.1\": {{{two}}}")), 3, 5, "an IP address or a single label"),
        (domains(&format!("\"*.a.com\": {{{two}}}")), 3, 5, "not patterns"),
        (domains(&format!("\"a.com\": {{{two}, \"TSKIncludeSubdomains\": \"YES\"}}")), 3, 159, "must be a boolean"),
        (
            domains(&format!(
                "\"a.com\": {{{two}, \"TSKIncludeSubdomains\": true}}, \"b.a.com\": {{\"kTSKExcludeSubdomainFromParentPolicy\": true, \"TSKEnforcePinning\": true}}"
            )),
            3,
            166,
            "may have no other key",
        ),
        (
            domains(&format!("\"a.com\": {{{two}}}, \"b.a.com\": {{\"kTSKExcludeSubdomainFromParentPolicy\": true}}")),
            3,
            136,
            "no parent domain includes its subdomains",
        ),
        (
            domains("\"a.com\": {\"TSKEnforcePinning\": false, \"TSKPublicKeyHashes\": [\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"], \"TSKReportUris\": [\"not a url\"]}"),
            3,
            133,
            "report URI \"not a url\" is not a valid URL",
        ),
    ];
    for (text, line, column, message) in cases {
        let err = trustkit_err(&text);
        assert!(
            err.to_string().contains(message),
            "{text}\n  gave: {err}\n  want: {message}"
        );
        assert_eq!(at(&err), (line, column), "{text}\n  gave: {err}");
    }
}

#[test]
fn plist_errors_name_line_and_column() {
    let plist = |body: &str| {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n<dict>\n{body}\n</dict>\n</plist>\n"
        )
    };
    // Not well-formed XML.
    let err = PinConfig::from_trustkit_plist(&plist("<key>TSKPinnedDomains</key><dict>"), "Info.plist").unwrap_err();
    assert!(
        matches!(err.kind, ConfigErrorKind::Syntax { format: "XML", .. }),
        "{err}"
    );
    assert_eq!(err.line, 6);
    // Well-formed XML, not a plist.
    let err = PinConfig::from_trustkit_plist(&plist("<key>TSKPinnedDomains</key><map/>"), "Info.plist").unwrap_err();
    assert!(
        matches!(err.kind, ConfigErrorKind::Syntax { format: "plist", .. }),
        "{err}"
    );
    // A duplicate key, which plists forbid.
    let err = PinConfig::from_trustkit_plist(
        &plist("<key>TSKPinnedDomains</key><dict/>\n<key>TSKPinnedDomains</key><dict/>"),
        "Info.plist",
    )
    .unwrap_err();
    assert_eq!(at(&err), (5, 1));
    assert!(err.to_string().contains("appears twice"), "{err}");
    // A wrong type, pointing at the value.
    let body = format!(
        "<key>TSKPinnedDomains</key>\n<dict>\n<key>a.com</key>\n<dict>\n<key>TSKPublicKeyHashes</key>\n\
         <array><string>{A}</string><string>{B}</string></array>\n<key>TSKIncludeSubdomains</key>\n<string>YES</string>\n\
         </dict>\n</dict>"
    );
    let err = PinConfig::from_trustkit_plist(&plist(&body), "Info.plist").unwrap_err();
    assert_eq!(at(&err), (11, 1));
    assert!(
        err.to_string()
            .starts_with("Info.plist:11:1: TSKIncludeSubdomains must be a boolean"),
        "{err}"
    );
    let err = PinConfig::from_trustkit_plist("bplist00\u{0}", "Info.plist").unwrap_err();
    assert!(err.to_string().contains("binary plists are not supported"));
}

#[test]
fn load_reads_files_and_reports_io_errors() {
    use pinwire::config::Format;
    let path = std::path::PathBuf::from(FIXTURES).join("nsc/docs_pins.xml");
    let config = PinConfig::load(&path, Format::AndroidNsc, &ImportOptions::new(34)).unwrap();
    assert_eq!(config, json("nsc/docs_pins.json"));
    let missing = std::path::PathBuf::from(FIXTURES).join("nope.json");
    let err = PinConfig::load(&missing, Format::PinwireJson, &ImportOptions::new(34)).unwrap_err();
    assert!(matches!(err.kind, ConfigErrorKind::Io { .. }));
    assert!(err.file.ends_with("nope.json"));
    // A path whose file holds an error: the error names the path.
    let path = std::path::PathBuf::from(FIXTURES).join("nsc/seed_guide_placeholder.xml");
    let err = PinConfig::load(&path, Format::AndroidNsc, &ImportOptions::new(34)).unwrap_err();
    assert!(err.to_string().contains("seed_guide_placeholder.xml:8:13:"), "{err}");
}
