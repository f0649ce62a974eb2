//! TrustKit-compatible failure reports sent to a real collector on 127.0.0.1.

use crate::common::*;
use pinwire::report::{AppInfo, ReportConfig};
use pinwire::{ClientBuilder, DomainRule, PinSet, Policy};
use pinwire_testserver::TestServer;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const COLLECTOR: &str = "collector.pinwire.test";

fn app() -> AppInfo {
    AppInfo {
        bundle_id: "dev.pinwire.tests".into(),
        version: "1.2.3".into(),
        vendor_id: "vendor-123".into(),
        platform: "LINUX".into(),
        platform_version: "6.1".into(),
    }
}

fn reporter(collector: &TestServer, path: &str, tune: impl FnOnce(ReportConfig) -> ReportConfig) -> ReportConfig {
    let uri = format!("https://{COLLECTOR}:{}{path}", collector.port());
    tune(ReportConfig::new(app()).report_uri(HOST, &uri).unwrap())
}

/// A client trusting only `pki`'s root, with the test hosts and the collector resolved to 127.0.0.1: its
/// reports are uploaded with that trust and those addresses.
fn reporting_builder(pki: &Pki) -> ClientBuilder {
    builder(&[pki.root.cert()]).resolve(COLLECTOR, "127.0.0.1:0".parse().unwrap())
}

fn wrong_pins(report_only: bool) -> Policy {
    let mut set = PinSet::new([unrelated_pin(1), unrelated_pin(2)]).unwrap();
    if report_only {
        set = set.report_only();
    }
    Policy::builder()
        .rule(DomainRule::new(HOST).unwrap().pins(set))
        .build()
        .unwrap()
}

async fn wait_for(what: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if what() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

#[tokio::test]
async fn report_only_passes_and_the_report_has_every_trustkit_field() {
    let pki = Pki::new("Report");
    let server = TestServer::https("app", &pki.leaf).await;
    let collector = TestServer::https("collector", &pki.intermediate.leaf([COLLECTOR])).await;
    let reporter = reporter(&collector, "/collect", |c| c);
    let client = reporting_builder(&pki)
        .policy(wrong_pins(true))
        .reporting(reporter)
        .build()
        .unwrap();
    let response = client
        .get(&url(&server, HOST, "/"))
        .await
        .expect("report-only lets it through");
    assert_eq!(response.status(), 200);

    assert!(
        wait_for(|| collector.collected().len() == 1).await,
        "one report arrived"
    );
    let report: serde_json::Value = serde_json::from_slice(&collector.collected()[0]).unwrap();
    assert_eq!(report["app-bundle-id"], "dev.pinwire.tests");
    assert_eq!(report["app-version"], "1.2.3");
    assert_eq!(report["app-vendor-id"], "vendor-123");
    assert_eq!(report["app-platform"], "LINUX");
    assert_eq!(report["app-platform-version"], "6.1");
    assert_eq!(report["trustkit-version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(report["pinwire-version"], env!("CARGO_PKG_VERSION"));
    let date = report["date-time"].as_str().unwrap();
    assert!(
        time::OffsetDateTime::parse(date, &time::format_description::well_known::Rfc3339).is_ok(),
        "{date}"
    );
    assert_eq!(report["hostname"], HOST);
    assert_eq!(report["port"], server.port());
    assert_eq!(report["noted-hostname"], HOST);
    assert_eq!(report["include-subdomains"], false);
    assert_eq!(report["enforce-pinning"], false);
    let chain = report["validated-certificate-chain"].as_array().unwrap();
    assert_eq!(chain.len(), 3, "leaf, intermediate and anchor");
    let leaf_pem = chain[0].as_str().unwrap();
    assert_eq!(
        pinwire::Pin::from_certificates_pem(leaf_pem.as_bytes()).unwrap(),
        vec![pki.leaf_pin()]
    );
    let root_pem = chain[2].as_str().unwrap();
    assert_eq!(
        pinwire::Pin::from_certificates_pem(root_pem.as_bytes()).unwrap(),
        vec![pki.root_pin()]
    );
    let known: Vec<&str> = report["known-pins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    let expected_first = format!("pin-sha256=\"{}\"", &unrelated_pin(1).to_string()["sha256/".len()..]);
    assert_eq!(known.len(), 2);
    assert!(known.contains(&expected_first.as_str()), "{known:?}");
    assert_eq!(report["validation-result"], 1);
    assert!(report["known-pins-expiration-date"].is_null());
}

#[tokio::test]
async fn enforced_failures_are_reported_with_expiration_and_identical_reports_are_rate_limited() {
    let pki = Pki::new("RateLimit");
    let server = TestServer::https("app", &pki.leaf).await;
    let collector = TestServer::https("collector", &pki.intermediate.leaf([COLLECTOR])).await;
    let reporter = reporter(&collector, "/collect", |c| c);
    let expires = time::macros::date!(2099 - 12 - 31);
    let set = PinSet::new([unrelated_pin(1), unrelated_pin(2)])
        .unwrap()
        .expires_on(expires);
    let policy = Policy::builder()
        .rule(DomainRule::new(HOST).unwrap().pins(set))
        .build()
        .unwrap();
    let client = reporting_builder(&pki)
        .policy(policy)
        .reporting(reporter)
        .http_versions(pinwire::HttpVersions::Http1Only)
        .build()
        .unwrap();
    for _ in 0..3 {
        assert!(matches!(
            client.get(&url(&server, HOST, "/")).await,
            Err(pinwire::Error::PinMismatch(_))
        ));
    }
    assert!(wait_for(|| !collector.collected().is_empty()).await);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        collector.collected().len(),
        1,
        "three identical failures, one report per 24 h"
    );
    let report: serde_json::Value = serde_json::from_slice(&collector.collected()[0]).unwrap();
    assert_eq!(report["enforce-pinning"], true);
    assert_eq!(report["known-pins-expiration-date"], "2099-12-31");

    // With no rate limit each failure is reported.
    let reporter = reporter_without_limit(&collector);
    let client = reporting_builder(&pki)
        .policy(wrong_pins(false))
        .reporting(reporter)
        .build()
        .unwrap();
    for _ in 0..2 {
        let _ = client.get(&url(&server, HOST, "/")).await;
    }
    assert!(
        wait_for(|| collector.collected().len() == 3).await,
        "{}",
        collector.collected().len()
    );
}

fn reporter_without_limit(collector: &TestServer) -> ReportConfig {
    reporter(collector, "/collect", |c| c.rate_limit(Duration::ZERO))
}

#[tokio::test]
async fn a_slow_or_down_collector_never_delays_the_app() {
    let pki = Pki::new("Slow");
    let server = TestServer::https("app", &pki.leaf).await;
    let collector = TestServer::https("collector", &pki.intermediate.leaf([COLLECTOR])).await;
    // The collector never answers, and the queue holds one report: later ones are dropped.
    let slow = reporter(&collector, "/stall", |c| c.rate_limit(Duration::ZERO).queue_capacity(1));
    let client = reporting_builder(&pki)
        .policy(wrong_pins(true))
        .reporting(slow)
        .build()
        .unwrap();
    let started = Instant::now();
    for _ in 0..10 {
        client
            .get(&url(&server, HOST, "/"))
            .await
            .expect("report-only request passes");
    }
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "requests did not wait: {:?}",
        started.elapsed()
    );

    // A collector that is down entirely.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let down = ReportConfig::new(app())
        .report_uri(HOST, &format!("https://{COLLECTOR}:{port}/collect"))
        .unwrap();
    let client = reporting_builder(&pki)
        .policy(wrong_pins(true))
        .reporting(down)
        .build()
        .unwrap();
    client
        .get(&url(&server, HOST, "/"))
        .await
        .expect("a dead collector changes nothing");
}

#[tokio::test]
async fn a_failing_upload_is_not_retried_and_successes_are_not_reported() {
    let pki = Pki::new("Failing");
    let server = TestServer::https("app", &pki.leaf).await;
    let collector = TestServer::https("collector", &pki.intermediate.leaf([COLLECTOR])).await;
    let failing = reporter(&collector, "/status/500", |c| c);
    let client = reporting_builder(&pki)
        .policy(wrong_pins(true))
        .reporting(failing)
        .build()
        .unwrap();
    client.get(&url(&server, HOST, "/")).await.unwrap();
    assert!(wait_for(|| collector.stats().requests.load(Ordering::SeqCst) == 1).await);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        collector.stats().requests.load(Ordering::SeqCst),
        1,
        "sent once, not retried"
    );

    // A matching pin produces no report.
    let quiet = reporter(&collector, "/collect", |c| c);
    let client = reporting_builder(&pki)
        .policy(pinned(HOST, &[pki.leaf_pin()]))
        .reporting(quiet)
        .build()
        .unwrap();
    client.get(&url(&server, HOST, "/")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(collector.collected().is_empty());
}

#[test]
fn report_uris_must_be_https() {
    assert!(ReportConfig::new(app())
        .report_uri(HOST, "http://collector.example/report")
        .is_err());
    assert!(ReportConfig::new(app())
        .report_uri("*.com", "https://collector.example/report")
        .is_err());
}

#[tokio::test]
async fn a_report_dropped_because_the_queue_was_full_is_sent_on_the_next_identical_failure() {
    let pki = Pki::new("QueueFull");
    // Three servers with the same certificate: their failures differ only by port, so three reports.
    let servers = [
        TestServer::https("a", &pki.leaf).await,
        TestServer::https("b", &pki.leaf).await,
        TestServer::https("c", &pki.leaf).await,
    ];
    let collector = TestServer::https("collector", &pki.intermediate.leaf([COLLECTOR])).await;
    // The collector never answers and each upload gives up after 300 ms; the queue holds one report.
    // The rate limit is the default 24 hours.
    let reporting = reporter(&collector, "/stall", |c| {
        c.queue_capacity(1).upload_timeout(Duration::from_millis(300))
    });
    // Enforced pins: each failure ends its handshake, so no session is resumed and no connection pooled,
    // and every request makes a new pin decision.
    let client = reporting_builder(&pki)
        .policy(wrong_pins(false))
        .reporting(reporting)
        .build()
        .unwrap();
    let uploads = || collector.stats().requests.load(Ordering::SeqCst);
    let fail = |server: &TestServer| {
        let url = url(server, HOST, "/");
        let client = &client;
        async move { client.get(&url).await }
    };

    assert!(fail(&servers[0]).await.is_err());
    assert!(wait_for(|| uploads() == 1).await, "the first report is being uploaded");
    assert!(fail(&servers[1]).await.is_err()); // waits in the queue
    assert!(fail(&servers[2]).await.is_err()); // the queue is full: dropped
    assert!(wait_for(|| uploads() == 2).await, "the queued report is uploaded");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(uploads(), 2, "the dropped report was not sent");

    // The same failure again: the dropped report was never sent, so it is not rate-limited.
    assert!(fail(&servers[2]).await.is_err());
    assert!(
        wait_for(|| uploads() == 3).await,
        "the report dropped from the full queue is sent on the next identical failure ({} uploads)",
        uploads()
    );
    // And now that it was queued, an identical one is rate-limited.
    assert!(fail(&servers[2]).await.is_err());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(uploads(), 3);
}

#[tokio::test]
async fn a_client_from_a_configuration_file_uploads_with_the_files_anchors_to_the_files_uris() {
    let pki = Pki::new("ConfigReport");
    let server = TestServer::https("app", &pki.leaf).await;
    // The collector's certificate chains only to the file's bundled root, which no platform trusts.
    let collector = TestServer::https("collector", &pki.intermediate.leaf([COLLECTOR])).await;
    let root_pem = pinwire::inspect::pem_certificate(pki.root.cert());
    let config = serde_json::json!({
        "version": 1,
        "trust_anchors": [{ "source": "bundled", "name": "test_root", "pem": root_pem }],
        "rules": [{
            "pattern": HOST,
            "pins": [unrelated_pin(1).to_string(), unrelated_pin(2).to_string()],
            "mode": "report_only",
            "report_uris": [format!("https://{COLLECTOR}:{}/collect", collector.port())],
        }],
    });
    let config = pinwire::config::PinConfig::from_json(&config.to_string(), "pinwire.json").unwrap();
    let loopback: std::net::SocketAddr = "127.0.0.1:0".parse().unwrap();
    let client = pinwire::Client::builder()
        .pin_config(&config, false)
        .unwrap()
        .resolve(HOST, loopback)
        .resolve(COLLECTOR, loopback)
        .reporting(ReportConfig::new(app()))
        .build()
        .unwrap();
    let response = client.get(&url(&server, HOST, "/")).await.expect("report-only passes");
    assert_eq!(response.status(), 200);
    assert!(
        wait_for(|| collector.collected().len() == 1).await,
        "the report reached the collector the file's anchors trust"
    );
    let report: serde_json::Value = serde_json::from_slice(&collector.collected()[0]).unwrap();
    assert_eq!(report["hostname"], HOST);
    assert_eq!(report["enforce-pinning"], false);
}
