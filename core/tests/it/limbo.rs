//! The x509-limbo corpus (C2SP): every server-authentication case through Pinwire's validator, with
//! pins off, with a pin on the anchor, and with a pin that matches nothing; and through rustls-webpki on
//! its own, as the reference Pinwire must agree with.
//!
//! The cases are generated data (tests/fixtures/limbo: Apache-2.0, version noted in its README). Pinwire
//! does not claim to pass the corpus: rustls-webpki itself deliberately differs from limbo's expectations
//! on some cases (CRLs are not checked, some pedantic RFC 5280 checks are not made). What is asserted:
//! - Pinwire's validator accepts exactly what rustls-webpki accepts (same anchors, intermediates, time,
//!   serverAuth, name), except the differences listed in [`DIFFERENCES`], each with its reason;
//! - a pin never turns a rejected chain into an accepted one, and a pin on the validated path's anchor
//!   keeps an accepted chain accepted;
//! - a pin that matches nothing turns every accepted chain into a pin failure (the pin step is live);
//! - every case where Pinwire accepts what limbo says must be rejected is listed in
//!   [`ACCEPTED_AGAINST_LIMBO`] with the reason (the security-relevant direction).

use pinwire::trust::{ChainValidator, PresentedChain, WebPkiValidator};
use pinwire::{Host, Pin, Policy, UntrustedReason, ValidatedChain};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use std::collections::BTreeMap;
use std::io::Read;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

const CORPUS: &[u8] = include_bytes!("../fixtures/limbo/limbo-serverauth.json.gz");

/// Cases on which Pinwire's answer differs from rustls-webpki's, and why. The test checks that Pinwire is
/// the stricter one on each (it rejects, webpki accepts) and that every entry is still needed.
const DIFFERENCES: &[(&str, &str)] = &[
    (
        "rfc5280::san::underscore-dns",
        "`foo_bar.example.com` is no host name to Pinwire (letters, digits and hyphens only), so no request \
         can name it and the verifier refuses it as a name mismatch; webpki accepts underscores in names. \
         Limbo expects a failure, as Pinwire does",
    ),
    (
        "webpki::cn::utf8-vs-punycode-mismatch",
        "`xn--test--wg5h0h.com` does not decode as valid IDNA punycode, so Pinwire refuses the name before \
         any certificate is looked at; webpki compares the ASCII bytes. Limbo expects a failure, as Pinwire does",
    ),
];

/// Cases limbo expects to fail that Pinwire accepts, as rustls-webpki does (id prefixes, with why). Any
/// other case Pinwire accepts against limbo's expectation fails this test.
const ACCEPTED_AGAINST_LIMBO: &[(&str, &str)] = &[
    (
        "crl::",
        "revocation: no CRLs are consulted, as in rustls' default verifier without CRLs; pins and short \
         certificate lifetimes are the answer to a stolen key, not this check",
    ),
    (
        "pathlen::max-chain-depth-",
        "max_chain_depth is a limit of the corpus' harness API, not an X.509 rule; webpki bounds path \
         building by its own budget",
    ),
    (
        "rfc5280::aki::",
        "key identifiers: webpki builds paths by issuer name and signature, so a missing or critical \
         AKI changes nothing",
    ),
    ("rfc5280::ski::", "key identifiers (as for AKI)"),
    (
        "webpki::aki::root-with-aki-",
        "a trust anchor's AKI is not read (an anchor is its name, key, constraints)",
    ),
    (
        "rfc5280::nc::permitted-dns-match-noncritical",
        "name constraints are applied, their criticality is not enforced",
    ),
    (
        "rfc5280::nc::invalid-dnsname-leading-period",
        "name-constraint encoding pedantry not enforced",
    ),
    (
        "rfc5280::nc::not-allowed-in-ee-",
        "a name-constraints extension on a leaf is ignored, not refused",
    ),
    (
        "webpki::nc::intermediate-permitted-excluded-subtrees-both-",
        "an empty name-constraints extension constrains nothing and is not refused",
    ),
    (
        "rfc5280::pc::",
        "certificate policies and policy constraints are not processed (web PKI profile)",
    ),
    (
        "rfc5280::san::noncritical-with-empty-subject",
        "SAN criticality is not enforced",
    ),
    (
        "webpki::san::san-critical-with-nonempty-subject",
        "SAN criticality is not enforced",
    ),
    ("rfc5280::serial::", "the serial number's form is not checked"),
    (
        "rfc5280::validity::expired-root",
        "a trust anchor is its name, key and constraints: its own validity dates are not checked (as \
         RFC 5280 6.1 treats anchors, and as platform stores do)",
    ),
    (
        "rfc5280::ca-empty-subject",
        "an anchor's encoding is not checked beyond name, key, constraints",
    ),
    (
        "rfc5280::unknown-critical-extension-root",
        "an anchor's extensions are not processed",
    ),
    (
        "rfc5280::root-missing-basic-constraints",
        "an anchor's basicConstraints are not required",
    ),
    (
        "rfc5280::root-non-critical-basic-constraints",
        "an anchor's basicConstraints are not required",
    ),
    (
        "rfc5280::root-inconsistent-ca-extensions",
        "an anchor's extensions are not processed",
    ),
    (
        "rfc5280::leaf-ku-keycertsign",
        "a leaf's keyUsage is not checked (serverAuth EKU is)",
    ),
    (
        "webpki::cn::",
        "the subject CN is never used for the name check (SAN only), so CN/SAN disagreements don't matter",
    ),
    (
        "webpki::eku::",
        "a leaf without EKU or with anyExtendedKeyUsage, a critical EKU, an anchor with EKU: accepted \
         by webpki; a leaf whose EKU excludes serverAuth is refused",
    ),
    (
        "webpki::san::public-suffix-",
        "no public suffix list: a wildcard under a public suffix is matched like any other",
    ),
    (
        "webpki::malformed-aia",
        "authorityInfoAccess is not read (no fetching of issuers)",
    ),
    (
        "webpki::forbidden-",
        "the leaf's own key (DSA, P-192, RSA < 2048 or an odd size) is refused by the TLS handshake's \
         signature check, which this path-only test does not run; an odd-sized RSA root key still \
         verifies signatures",
    ),
];

#[derive(serde::Deserialize)]
struct Corpus {
    version: u32,
    testcases: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    id: String,
    validation_kind: String,
    trusted_certs: Vec<String>,
    untrusted_intermediates: Vec<String>,
    peer_certificate: String,
    validation_time: Option<String>,
    #[serde(default)]
    extended_key_usage: Vec<String>,
    expected_result: String,
    expected_peer_name: Option<PeerName>,
}

#[derive(serde::Deserialize)]
struct PeerName {
    kind: String,
    value: String,
}

fn corpus() -> Corpus {
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(CORPUS)
        .read_to_end(&mut json)
        .expect("corpus decompresses");
    serde_json::from_slice(&json).expect("corpus parses")
}

fn pem_cert(pem: &str) -> CertificateDer<'static> {
    CertificateDer::from_pem_slice(pem.as_bytes()).expect("corpus PEM certificate")
}

/// One case, ready to validate.
struct Prepared {
    trusted: Vec<CertificateDer<'static>>,
    intermediates: Vec<CertificateDer<'static>>,
    leaf: CertificateDer<'static>,
    name: ServerName<'static>,
    host: String,
    now: UnixTime,
}

fn prepare(case: &Case) -> Result<Prepared, String> {
    let peer = case.expected_peer_name.as_ref().ok_or("no expected peer name")?;
    let name = match peer.kind.as_str() {
        "DNS" | "IP" => ServerName::try_from(peer.value.clone()).map_err(|e| format!("peer name: {e}"))?,
        other => return Err(format!("peer name kind {other}")),
    };
    let at = match &case.validation_time {
        Some(text) => OffsetDateTime::parse(text, &Rfc3339).map_err(|e| e.to_string())?,
        None => OffsetDateTime::now_utc(),
    };
    Ok(Prepared {
        trusted: case.trusted_certs.iter().map(|p| pem_cert(p)).collect(),
        intermediates: case.untrusted_intermediates.iter().map(|p| pem_cert(p)).collect(),
        leaf: pem_cert(&case.peer_certificate),
        name,
        host: peer.value.clone(),
        now: UnixTime::since_unix_epoch(std::time::Duration::from_secs(at.unix_timestamp() as u64)),
    })
}

/// rustls-webpki on its own: what rustls' own `WebPkiServerVerifier` does with these roots, minus CRLs.
fn reference(case: &Prepared) -> Result<(), String> {
    let anchors = case
        .trusted
        .iter()
        .map(|c| webpki::anchor_from_trusted_cert(c).map(|a| a.to_owned()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("anchor: {e:?}"))?;
    let leaf = webpki::EndEntityCert::try_from(&case.leaf).map_err(|e| format!("{e:?}"))?;
    let algorithms = rustls::crypto::ring::default_provider().signature_verification_algorithms;
    leaf.verify_for_usage(
        algorithms.all,
        &anchors,
        &case.intermediates,
        case.now,
        webpki::KeyUsage::server_auth(),
        None,
        None,
    )
    .map_err(|e| format!("{e:?}"))?;
    leaf.verify_is_valid_for_subject_name(&case.name)
        .map_err(|e| format!("{e:?}"))
}

/// How a case ended in Pinwire.
#[derive(Debug)]
enum Outcome {
    Accepted(ValidatedChain),
    /// The roots were refused when the trust was built (a configuration error before any connection).
    BadRoots(String),
    Untrusted(UntrustedReason),
    PinMismatch,
}

impl Outcome {
    fn accepted(&self) -> bool {
        matches!(self, Outcome::Accepted(_))
    }

    fn why(&self) -> String {
        match self {
            Outcome::Accepted(_) => "accepted".into(),
            Outcome::BadRoots(detail) => format!("roots refused: {detail}"),
            Outcome::Untrusted(reason) => format!("untrusted: {reason}"),
            Outcome::PinMismatch => "pin mismatch".into(),
        }
    }
}

/// Pinwire's decision for a handshake presenting this chain: trust first (the validator a client built
/// with these roots uses), then, if `policy` pins the host, a pin on the validated path.
fn pinwire(case: &Prepared, policy: &Policy) -> Outcome {
    let validator = match WebPkiValidator::new(case.trusted.clone()) {
        Ok(v) => v,
        Err(e) => return Outcome::BadRoots(e.to_string()),
    };
    // As the verifier does: a name Pinwire cannot parse as a host is never valid for the certificate.
    let Ok(host) = Host::parse(&case.host) else {
        return Outcome::Untrusted(UntrustedReason::HostnameMismatch);
    };
    let requirement = policy.pins_for(&host);
    let presented = PresentedChain {
        end_entity: &case.leaf,
        intermediates: &case.intermediates,
        server_name: &case.name,
        ocsp_response: &[],
        now: case.now,
    };
    let prefer = |chain: &ValidatedChain| requirement.is_none_or(|r| r.pins.matches_any(chain.pins()).is_some());
    let chain = match validator.validate(&presented, &prefer) {
        Ok(chain) => chain,
        Err(reason) => return Outcome::Untrusted(reason),
    };
    match requirement {
        Some(r) if r.pins.matches_any(chain.pins()).is_none() => Outcome::PinMismatch,
        _ => Outcome::Accepted(chain),
    }
}

/// A policy pinning `host` to `pins` (plus a backup, as every pin set needs two); `None` for a name
/// Pinwire cannot parse as a host, which no policy can speak about (and which never validates).
fn pin_policy(host: &str, pins: &[Pin]) -> Option<Policy> {
    Host::parse(host).ok()?;
    let mut all = pins.to_vec();
    all.push(Pin::from_sha256([0xEE; 32]));
    Some(Policy::builder().pin(host, all).build().expect("policy builds"))
}

fn listed<'a>(list: &'a [(&str, &str)], id: &str) -> Option<&'a str> {
    list.iter()
        .find(|(prefix, _)| id.starts_with(prefix))
        .map(|(_, why)| *why)
}

#[test]
fn limbo_server_auth_cases() {
    let corpus = corpus();
    assert_eq!(corpus.version, 1);
    assert!(
        corpus.testcases.len() >= 150,
        "corpus too small: {}",
        corpus.testcases.len()
    );

    let mut problems = Vec::new();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut against_limbo = Vec::new();
    let mut agree_with_reference = 0;
    let mut differences = Vec::new();
    for case in &corpus.testcases {
        assert_eq!(
            case.validation_kind, "SERVER",
            "{}: only server cases are committed",
            case.id
        );
        // Pinwire always asks for serverAuth, which is what a server case with an empty EKU list means; a
        // case asking for another EKU would test another profile. A keyUsage the case asks of the leaf is
        // not enforced by Pinwire (nor webpki): such cases run, and would show up below if that mattered.
        let eku_ok = case.extended_key_usage.iter().all(|e| e == "serverAuth");
        let prepared = match prepare(case) {
            Ok(p) if eku_ok => p,
            Ok(_) => {
                *counts
                    .entry("skipped (an EKU other than serverAuth asked)")
                    .or_default() += 1;
                continue;
            }
            Err(why) => {
                // A TLS connection always has a name; a case without one cannot be a handshake.
                eprintln!("limbo: {}: skipped: {why}", case.id);
                *counts.entry("skipped (no peer name)").or_default() += 1;
                continue;
            }
        };
        let id = case.id.as_str();
        let expected_success = case.expected_result == "SUCCESS";

        // 1. Pins off.
        let unpinned = pinwire(&prepared, &Policy::unpinned());
        let reference = reference(&prepared);
        let differs = unpinned.accepted() != reference.is_ok();
        if !differs {
            agree_with_reference += 1;
        }
        match (differs, DIFFERENCES.iter().any(|(listed, _)| *listed == id)) {
            (false, false) => {}
            (true, true) if !unpinned.accepted() => differences.push(id.to_string()),
            (true, _) => problems.push(format!("{id}: Pinwire {unpinned:?}, rustls-webpki {reference:?}")),
            (false, true) => problems.push(format!("{id}: listed as a difference but agrees with webpki")),
        }
        *counts
            .entry(match (unpinned.accepted(), expected_success) {
                (true, true) | (false, false) => "agree with limbo",
                (false, true) => "reject what limbo accepts",
                (true, false) => "accept what limbo rejects",
            })
            .or_default() += 1;
        if !unpinned.accepted() && expected_success {
            eprintln!("limbo: {id}: limbo expects success, Pinwire: {}", unpinned.why());
        }
        if unpinned.accepted() && !expected_success {
            against_limbo.push(id.to_string());
            if listed(ACCEPTED_AGAINST_LIMBO, id).is_none() {
                problems.push(format!("{id}: accepted though limbo expects failure, and not listed"));
            }
        }

        // 2. A pin on the anchor: of the validated path when there is one, else on every trusted
        // certificate (so any path a pin could favour is pinned).
        let anchor_pins: Vec<Pin> = match &unpinned {
            Outcome::Accepted(chain) => vec![*chain.pins().last().expect("path has an anchor")],
            _ => prepared
                .trusted
                .iter()
                .filter_map(|c| Pin::from_certificate_der(c).ok())
                .collect(),
        };
        let pin_on = |pins: &[Pin]| pin_policy(&prepared.host, pins).map(|policy| pinwire(&prepared, &policy));
        if unpinned.accepted() || !anchor_pins.is_empty() {
            let Some(pinned) = pin_on(&anchor_pins) else {
                assert!(!unpinned.accepted(), "{id}: a host no policy can name was accepted");
                continue;
            };
            if pinned.accepted() != unpinned.accepted() {
                problems.push(format!("{id}: pin on the anchor changed {unpinned:?} into {pinned:?}"));
            }
        }

        // 3. A pin that matches nothing on any path.
        let Some(wrong) = pin_on(&[Pin::from_sha256([0x11; 32])]) else {
            continue;
        };
        let want_wrong = if unpinned.accepted() {
            matches!(wrong, Outcome::PinMismatch)
        } else {
            !wrong.accepted()
        };
        if !want_wrong {
            problems.push(format!("{id}: unmatched pin gave {wrong:?} (unpinned: {unpinned:?})"));
        }
    }

    eprintln!(
        "limbo: {} server cases (corpus version {})",
        corpus.testcases.len(),
        corpus.version
    );
    for (what, n) in &counts {
        eprintln!("limbo: {n:4} {what}");
    }
    eprintln!("limbo: {agree_with_reference} agree with rustls-webpki");
    eprintln!("limbo: differ from rustls-webpki (Pinwire stricter): {differences:?}");
    eprintln!("limbo: accepted against limbo's expectation: {against_limbo:?}");
    assert_eq!(differences.len(), DIFFERENCES.len(), "every listed difference is seen");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
