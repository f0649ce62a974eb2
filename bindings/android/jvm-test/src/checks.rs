//! The checks. Each asserts what would break if a security check of `android.rs` broke: what Android
//! refuses is refused, with the documented reason; what it accepts for another host is refused by Rust;
//! pins see the path Android returned (anchor included), never the certificates the server sent; and the
//! JNI code is sound on every kind of thread, many times over (`-Xcheck:jni` watches).

use crate::pki::{pki, FAULT_DOMAIN, HOST, WRONG_HOST};
use jni::{jni_str, JavaVM};
use pinwire::config::PinConfig;
use pinwire::http::StatusCode;
use pinwire::trust::{platform_validator, ChainCert, PresentedChain, TrustSource, UntrustedReason};
use pinwire::{Client, Error, Pin, PinEvent, PinOutcome, Policy};
use pinwire_testserver::TestServer;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use std::fmt::Debug;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// Rounds of [`round`] on the Java thread that called in.
const JAVA_THREAD_ROUNDS: usize = 20;
/// Native threads running [`round`] at once.
const STRESS_THREADS: usize = 8;
/// Rounds of [`round`] on each of them.
const STRESS_ROUNDS: usize = 30;
/// Certificates in the longest chain presented.
const PRESENTED: usize = 100;

/// Report lines, `PASS name` or `FAIL name: detail`, one per check.
#[derive(Default)]
pub struct Report(Vec<String>);

impl Report {
    fn check(&mut self, name: &str, ok: bool, detail: impl Debug) {
        self.0.push(if ok {
            format!("PASS {name}")
        } else {
            format!("FAIL {name}: {detail:?}")
        });
    }

    /// The lines, newline-separated.
    pub fn lines(&self) -> String {
        self.0.join("\n")
    }
}

/// The result of one validation: the validated path's DER, or why there is none.
type Validation = Result<Vec<CertificateDer<'static>>, UntrustedReason>;

/// Validates `chain` for `host` with the platform validator (Android's, in this build).
fn validate(chain: &[CertificateDer<'static>], host: &str) -> Validation {
    let validator = platform_validator(&[]).map_err(|error| UntrustedReason::Other {
        detail: format!("no platform validator: {error}"),
    })?;
    let server_name = ServerName::try_from(host.to_string()).expect("a valid server name");
    let presented = PresentedChain {
        end_entity: &chain[0],
        intermediates: &chain[1..],
        server_name: &server_name,
        ocsp_response: &[],
        now: UnixTime::now(),
    };
    let validated = validator.validate(&presented, &|_| true)?;
    Ok(validated.certs().iter().map(|cert| cert.der().clone()).collect())
}

/// A validation as a report shows it: the path by subject names.
struct Shown<'a>(&'a Validation);

impl Debug for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Ok(path) => {
                let subjects: Vec<String> = path
                    .iter()
                    .map(|der| match ChainCert::from_der(der.clone()) {
                        Ok(cert) => cert.subject().to_string(),
                        Err(error) => format!("unreadable: {error}"),
                    })
                    .collect();
                f.debug_tuple("Ok").field(&subjects).finish()
            }
            Err(reason) => f.debug_tuple("Err").field(reason).finish(),
        }
    }
}

/// `Other`, with `needle` in its detail.
fn is_other_with(result: &Validation, needle: &str) -> bool {
    matches!(result, Err(UntrustedReason::Other { detail }) if detail.contains(needle))
}

/// A host for which the stand-in misbehaves in the way named `fault`.
fn fault_host(fault: &str) -> String {
    format!("{fault}.{FAULT_DOMAIN}")
}

/// Whether this thread is attached to the JVM.
fn attached() -> bool {
    JavaVM::singleton()
        .and_then(|vm| vm.is_thread_attached())
        .unwrap_or(false)
}

/// Before `Pinwire.init` (and after the failed `nativeInit` calls the JVM side makes first).
pub fn not_initialised() -> Report {
    let mut report = Report::default();
    let result = platform_validator(&[]);
    report.check(
        "before init: platform trust is an InvalidConfig that says to call Pinwire.init",
        matches!(&result, Err(Error::InvalidConfig { detail }) if detail.contains("Pinwire.init(context)")),
        result.err(),
    );
    let result = Client::builder().build();
    report.check(
        "before init: a client with the default (platform) trust does not build",
        matches!(result, Err(Error::InvalidConfig { .. })),
        result.err(),
    );
    report
}

/// Every check after `Pinwire.init`: some on this (Java) thread, the rest on a native thread, as
/// handshakes run on the Rust runtime's threads.
pub fn run() -> Report {
    let mut report = Report::default();
    java_thread(&mut report);
    match std::thread::spawn(native_thread).join() {
        Ok(lines) => report.0.extend(lines.0),
        Err(panic) => report.check("native-thread checks ran to the end", false, panic_message(&panic)),
    }
    report
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// On a Java thread the validator uses the thread's attachment as it is (and pushes a local frame per
/// call): many calls in a row must neither leak local references into the caller's frame nor detach it.
fn java_thread(report: &mut Report) {
    let rounds = (0..JAVA_THREAD_ROUNDS).map(round).fold(Rounds::default(), Rounds::add);
    report.check(
        &format!(
            "Java thread: {} validations in a row, each as expected",
            rounds.validations
        ),
        rounds.wrong.is_empty(),
        rounds.wrong.first(),
    );
    report.check("Java thread: still attached afterwards", attached(), ());
}

/// One round of the repeated validations: accepted; refused by Android (an exception crosses JNI, in one
/// case with 12 causes); refused by Rust.
fn round(number: usize) -> Rounds {
    let pki = pki();
    let mut rounds = Rounds::default();
    let mut expect = |name: &str, result: Validation, expected: &dyn Fn(&Validation) -> bool| {
        rounds.validations += 1;
        if !expected(&result) {
            rounds
                .wrong
                .push(format!("round {number}, {name}: {:?}", Shown(&result)));
        }
    };
    expect("valid", validate(&pki.leaf.chain, HOST), &|result| {
        result.as_ref() == Ok(&pki.expected_path())
    });
    expect("untrusted", validate(&pki.stranger.chain, HOST), &|result| {
        *result == Err(UntrustedReason::UnknownIssuer)
    });
    expect("expired", validate(&pki.expired.chain, HOST), &|result| {
        *result == Err(UntrustedReason::Expired)
    });
    expect(
        "deep causes",
        validate(&pki.leaf.chain, &fault_host("deep-causes")),
        &|result| is_other_with(result, "cause 7"),
    );
    expect("wrong host", validate(&pki.leaf.chain, WRONG_HOST), &|result| {
        *result == Err(UntrustedReason::HostnameMismatch)
    });
    rounds
}

/// What [`round`]s did: how many validations, and those that went wrong.
#[derive(Default)]
struct Rounds {
    validations: usize,
    wrong: Vec<String>,
}

impl Rounds {
    fn add(mut self, other: Rounds) -> Rounds {
        self.validations += other.validations;
        self.wrong.extend(other.wrong);
        self
    }
}

fn native_thread() -> Report {
    let mut report = Report::default();
    validations(&mut report);
    faults(&mut report);
    configuration(&mut report);
    threads(&mut report);
    tls(&mut report);
    report
}

/// What Android accepts and refuses, and what Rust adds.
fn validations(report: &mut Report) {
    let pki = pki();
    let result = validate(&pki.leaf.chain, HOST);
    report.check(
        "valid chain: Ok, with the path Android returned (leaf, intermediate, anchor)",
        result.as_ref() == Ok(&pki.expected_path()),
        Shown(&result),
    );

    // The server sends its chain, another leaf for the host, and an untrusted root many times over: the
    // path is Android's, without them. With that many certificates, a local reference kept per element
    // would overflow the local frame (-Xcheck:jni warns past its capacity of 32 plus a slack of 32).
    let mut presented = pki.leaf.chain.clone();
    presented.push(pki.other_leaf.leaf().clone());
    presented.extend(std::iter::repeat_n(
        pki.decoy.cert().clone(),
        PRESENTED - presented.len(),
    ));
    let result = validate(&presented, HOST);
    report.check(
        &format!("{PRESENTED} certificates presented: the path Android returned, none of the extra ones"),
        result.as_ref() == Ok(&pki.expected_path()),
        Shown(&result),
    );

    let result = validate(&pki.stranger.chain, HOST);
    report.check(
        "untrusted root: UnknownIssuer (Android's 'Trust anchor ... not found')",
        result == Err(UntrustedReason::UnknownIssuer),
        Shown(&result),
    );
    // The JVM side installed a foreign security provider first (where apps put Conscrypt) whose trust
    // manager trusts the stranger's root and not the test root: trust must still be the Network Security
    // Config provider's.
    let foreign = validate(&pki.stranger.chain, HOST);
    let nsc = validate(&pki.leaf.chain, HOST);
    report.check(
        "foreign provider first: trust is still the NSC provider's (its root accepted, the foreign one's refused)",
        nsc.is_ok() && foreign == Err(UntrustedReason::UnknownIssuer),
        (Shown(&nsc), Shown(&foreign)),
    );
    // Android's checkServerTrusted(chain, authType, host) does not check the host name (the stand-in
    // does not either): this refusal is Rust's own check of the leaf.
    let result = validate(&pki.leaf.chain, WRONG_HOST);
    report.check(
        "trusted chain for another host: HostnameMismatch (Rust's own check)",
        result == Err(UntrustedReason::HostnameMismatch),
        Shown(&result),
    );
    // The stand-in refuses a host with a trailing dot (Network Security Config looks names up without;
    // rustls-pki-types already drops it when parsing, and android.rs again).
    let result = validate(&pki.leaf.chain, &format!("{HOST}."));
    report.check(
        "absolute host name (trailing dot): accepted, Android asked without the dot",
        result.as_ref() == Ok(&pki.expected_path()),
        Shown(&result),
    );

    // Refusals whose reason comes from the exception the JDK's validator threw (its causes carry the
    // classes Android's do).
    let result = validate(&pki.expired.chain, HOST);
    report.check(
        "expired leaf: Expired",
        result == Err(UntrustedReason::Expired),
        Shown(&result),
    );
    let result = validate(&pki.not_yet_valid.chain, HOST);
    report.check(
        "not-yet-valid leaf: NotYetValid",
        result == Err(UntrustedReason::NotYetValid),
        Shown(&result),
    );
    let result = validate(&pki.client_auth_only.chain, HOST);
    report.check(
        "leaf without serverAuth: NotServerAuth",
        result == Err(UntrustedReason::NotServerAuth),
        Shown(&result),
    );
    let mut forged = pki.leaf.chain.clone();
    let mut leaf = forged[0].to_vec();
    // The signature ends the certificate: a changed last byte is still parsable, but does not verify.
    *leaf.last_mut().expect("a non-empty certificate") ^= 0x01;
    forged[0] = CertificateDer::from(leaf);
    let result = validate(&forged, HOST);
    report.check(
        "leaf with a broken signature: BadSignature",
        result == Err(UntrustedReason::BadSignature),
        Shown(&result),
    );
    // Refused by the platform (PlatformTrust cannot parse it), not by a JNI failure.
    let result = validate(&[CertificateDer::from(b"not a certificate".to_vec())], HOST);
    report.check(
        "garbage instead of a certificate: refused by the platform",
        matches!(&result, Err(UntrustedReason::Malformed { .. }))
            || is_other_with(&result, "Android refused the chain"),
        Shown(&result),
    );
}

/// A platform answer Rust must not take: the stand-in validates, then misbehaves.
fn faults(report: &mut Report) {
    let pki = pki();
    // The stand-in answers with the path of the last certificate presented: another leaf for the same
    // host, from the same CA, so only the "path starts with the presented leaf" check can refuse it.
    let presented = pki.leaf.with_appended(pki.other_leaf.leaf().clone()).chain;
    let result = validate(&presented, &fault_host("other-leaf"));
    report.check(
        "platform validated another leaf: refused",
        is_other_with(&result, "does not start with the server's certificate"),
        Shown(&result),
    );
    let result = validate(&pki.leaf.chain, &fault_host("too-long"));
    report.check(
        "platform returned 17 certificates: refused",
        is_other_with(&result, "chain of 17 certificates"),
        Shown(&result),
    );
    let result = validate(&pki.leaf.chain, &fault_host("empty"));
    report.check(
        "platform returned no certificate: refused",
        is_other_with(&result, "empty validated chain"),
        Shown(&result),
    );
    let result = validate(&pki.leaf.chain, &fault_host("null"));
    report.check(
        "platform returned null: refused",
        is_other_with(&result, "NullPointerException"),
        Shown(&result),
    );
    let result = validate(&pki.leaf.chain, &fault_host("runtime"));
    report.check(
        "platform threw a RuntimeException: refused, with its words",
        is_other_with(&result, "java.lang.IllegalStateException: the trust manager broke"),
        Shown(&result),
    );
    let result = validate(&pki.leaf.chain, &fault_host("nsc-pin"));
    report.check(
        "Network Security Config <pin-set> refusal: named as such",
        is_other_with(&result, "Network Security Config <pin-set>"),
        Shown(&result),
    );
    // 12 nested causes; the innermost is a CertificateExpiredException, beyond the 8 that are read.
    let result = validate(&pki.leaf.chain, &fault_host("deep-causes"));
    let described = match &result {
        Err(UntrustedReason::Other { detail }) => Some(detail.matches("; caused by ").count() + 1),
        _ => None,
    };
    report.check(
        "exception with 12 causes: refused, the first 8 read",
        described == Some(8) && is_other_with(&result, "cause 7") && !is_other_with(&result, "cause 8"),
        Shown(&result),
    );
}

/// Android's limits on configuration.
fn configuration(report: &mut Report) {
    let pki = pki();
    let result = platform_validator(&[pki.root.cert().clone()]);
    report.check(
        "platform trust with extra roots: InvalidConfig",
        matches!(result, Err(Error::InvalidConfig { .. })),
        result.err(),
    );
    let result = Client::builder()
        .trust(TrustSource::PlatformAndRoots(vec![pki.root.cert().clone()]))
        .build();
    report.check(
        "client with platform-and-roots trust: InvalidConfig",
        matches!(result, Err(Error::InvalidConfig { .. })),
        result.err(),
    );

    // "system" and "user" anchors in a Pinwire configuration cannot be told apart from the app's Network
    // Security Config here: refused with what to do instead, never taken to mean "what the NSC trusts".
    let bundled = format!(
        r#"{{ "source": "bundled", "name": "my_ca", "pem": {:?} }}"#,
        pki.root.cert_pem()
    );
    for source in ["system", "user"] {
        let json = format!(
            r#"{{ "version": 1, "trust_anchors": [{{ "source": "{source}" }}],
                 "rules": [{{ "pattern": "{HOST}", "trust_anchors": [{bundled}] }}] }}"#
        );
        let result = PinConfig::from_json(&json, "pinwire.json")
            .map_err(|e| e.to_string())
            .and_then(|config| {
                Client::builder()
                    .pin_config(&config, false)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            });
        report.check(
            &format!("a configuration with a \"{source}\" anchor: InvalidConfig that says to use the NSC"),
            matches!(&result, Err(detail) if detail.contains("Network Security Config") && detail.contains(source)),
            result,
        );
    }
    let json = format!(r#"{{ "version": 1, "trust_anchors": [{bundled}] }}"#);
    let result = PinConfig::from_json(&json, "pinwire.json")
        .map_err(|e| e.to_string())
        .and_then(|config| Client::builder().pin_config(&config, false).map_err(|e| e.to_string()));
    report.check(
        "a configuration with bundled anchors only: accepted",
        result.is_ok(),
        result.err(),
    );
}

/// Attachment and the local frame, on native threads: alone and many at once.
fn threads(report: &mut Report) {
    report.check(
        "native thread: attached only for each call (detached again)",
        !attached(),
        (),
    );

    // Guards this harness: the test's classes are loaded as an app's are, by a class loader that
    // FindClass on a native thread does not use, so calling PlatformTrust by name would fail here as it
    // does on Android (the validator must use the class nativeInit resolved through the context).
    let found = JavaVM::singleton().and_then(|vm| {
        vm.attach_current_thread_for_scope(|env| -> jni::errors::Result<bool> {
            let found = env.find_class(jni_str!("dev/pinwire/android/PlatformTrust")).is_ok();
            env.exception_clear();
            Ok(found)
        })
    });
    report.check(
        "harness: FindClass on a native thread cannot see PlatformTrust",
        matches!(found, Ok(false)),
        found,
    );

    let workers: Vec<_> = (0..STRESS_THREADS)
        .map(|_| std::thread::spawn(|| (0..STRESS_ROUNDS).map(round).fold(Rounds::default(), Rounds::add)))
        .collect();
    let rounds = workers
        .into_iter()
        .map(|worker| {
            worker.join().unwrap_or_else(|_| Rounds {
                validations: 0,
                wrong: vec!["a thread panicked".into()],
            })
        })
        .fold(Rounds::default(), Rounds::add);
    report.check(
        &format!(
            "{STRESS_THREADS} native threads at once: {} validations, each as expected",
            rounds.validations
        ),
        rounds.wrong.is_empty(),
        rounds.wrong.first(),
    );
}

/// Through a real client and real TLS handshakes with the local test server, on a runtime whose threads
/// stay attached to the JVM, as Pinwire's runtime threads do in an app (JNA keeps them attached).
fn tls(report: &mut Report) {
    let pki = pki();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .on_thread_start(|| {
            if let Ok(vm) = JavaVM::singleton() {
                let _ = vm.attach_current_thread(|_| jni::errors::Result::Ok(()));
            }
        })
        .build()
        .expect("a tokio runtime");

    runtime.block_on(async {
        // The server sends leaf and intermediate; the root is only in Android's answer.
        let server = TestServer::https("jvm-test", &pki.leaf).await;
        let events = Arc::new(Mutex::new(Vec::new()));
        let recorder = events.clone();
        let client = pinned_client(&[pki.root.cert()])
            .observer(Arc::new(move |event: &PinEvent| {
                recorder.lock().expect("events").push(event.clone())
            }))
            .build()
            .expect("client builds");
        let result = client.get(&url(&server, HOST)).await.map(|response| response.status());
        let events = events.lock().expect("events").clone();
        let matched_root = events.len() == 1
            && events[0].outcome == PinOutcome::Matched { pin: pin(pki.root.cert()) }
            && chain_pins(events[0].chain.pins()) == expected_pins();
        report.check(
            "TLS: a pin on the root (never sent) matches the anchor of Android's path",
            matches!(result, Ok(status) if status == 200) && matched_root,
            (http(&result), events.iter().map(|event| (&event.outcome, event.chain.describe())).collect::<Vec<_>>()),
        );

        // CVE-2016-2402: the server appends a certificate whose key is pinned; it is not on the path.
        let injecting = TestServer::https("injecting", &pki.leaf.with_appended(pki.decoy.cert().clone())).await;
        let client = pinned_client(&[pki.decoy.cert()]).build().expect("client builds");
        let result = client.get(&url(&injecting, HOST)).await.map(|response| response.status());
        report.check(
            "TLS: a pinned certificate the server appends does not count (PinMismatch on Android's path)",
            matches!(&result, Err(Error::PinMismatch(mismatch)) if chain_pins(mismatch.chain.pins()) == expected_pins()),
            http(&result),
        );

        // No pins for that host: validation alone decides.
        let client = pinned_client(&[pki.root.cert()]).build().expect("client builds");
        let result = client.get(&url(&server, WRONG_HOST)).await.map(|response| response.status());
        report.check(
            "TLS: a trusted certificate for another host is refused (HostnameMismatch)",
            matches!(&result, Err(Error::HostnameMismatch { .. })),
            http(&result),
        );

        let stranger = TestServer::https("stranger", &pki.stranger).await;
        let client = pinned_client(&[pki.stranger.leaf(), pki.root.cert()]).build().expect("client builds");
        let result = client.get(&url(&stranger, HOST)).await.map(|response| response.status());
        report.check(
            "TLS: an untrusted chain is refused even when pinned (UnknownIssuer)",
            matches!(
                &result,
                Err(Error::UntrustedCertificate {
                    reason: UntrustedReason::UnknownIssuer,
                    ..
                })
            ),
            http(&result),
        );
    });

    // On these threads the validator used the attachment it found; it must not have ended it.
    let still_attached: Vec<bool> = (0..8)
        .map(|_| runtime.block_on(runtime.spawn(async { attached() })).unwrap_or(false))
        .collect();
    report.check(
        "TLS: the runtime's JVM-attached threads are still attached",
        still_attached.iter().all(|attached| *attached),
        still_attached,
    );
}

/// A client with the default (platform) trust that pins [`HOST`] to `pinned` plus an unrelated backup
/// pin, and resolves the test hosts to the local server.
fn pinned_client(pinned: &[&CertificateDer<'static>]) -> pinwire::ClientBuilder {
    let mut pins: Vec<Pin> = pinned.iter().map(|cert| pin(cert)).collect();
    pins.push(Pin::from_sha256([0xEE; 32]));
    let policy = Policy::builder().pin(HOST, pins).build().expect("policy builds");
    let loopback: SocketAddr = "127.0.0.1:0".parse().expect("an address");
    Client::builder()
        .policy(policy)
        .resolve(HOST, loopback)
        .resolve(WRONG_HOST, loopback)
}

/// A request's outcome as a report shows it: the status, or the error's message on one line.
fn http(result: &Result<StatusCode, Error>) -> String {
    match result {
        Ok(status) => format!("Ok({status})"),
        Err(error) => format!("Err({})", error.to_string().replace('\n', " | ")),
    }
}

fn url(server: &TestServer, host: &str) -> String {
    format!("https://{host}:{}/", server.port())
}

fn pin(cert: &CertificateDer<'_>) -> Pin {
    Pin::from_certificate_der(cert).expect("a test certificate")
}

fn chain_pins<'a>(pins: impl Iterator<Item = &'a Pin>) -> Vec<Pin> {
    pins.copied().collect()
}

fn expected_pins() -> Vec<Pin> {
    pki().expected_path().iter().map(|cert| pin(cert)).collect()
}
