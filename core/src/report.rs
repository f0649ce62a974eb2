//! Pin failure reports in TrustKit's format, sent in the background.
//!
//! A client given a [`ReportConfig`] ([`ClientBuilder::reporting`](crate::ClientBuilder::reporting)) observes
//! its own pin decisions with a reporter: for every mismatch (enforced or report-only) on a rule that has
//! report URIs, it builds a report and queues it. A background task POSTs each report once to each URI,
//! with an upload function the client gives it (the client's trust and address overrides, no pins, and
//! no reporting of its own failures). It never delays or fails the app's request: the queue is bounded
//! and a full queue drops the report; identical reports are sent at most once per rate-limit window (24
//! hours, TrustKit's rule); a failed upload is not retried.
//!
//! The JSON carries TrustKit's keys, so existing collectors accept it. `trustkit-version` holds
//! Pinwire's version (there is no TrustKit), and `pinwire-version` holds it under its own name.

use crate::events::{PinEvent, PinObserver, PinOutcome};
use crate::host::HostPattern;
use crate::policy::PinMode;
use futures_util::future::BoxFuture;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use time::format_description::well_known::Rfc3339;
use tokio::sync::mpsc;

/// The app's identity, supplied once at start-up, as TrustKit reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AppInfo {
    /// `app-bundle-id`: the bundle identifier or Android package name.
    pub bundle_id: String,
    /// `app-version`.
    pub version: String,
    /// `app-vendor-id`: an identifier for this installation (identifierForVendor, or an app-chosen UUID).
    pub vendor_id: String,
    /// `app-platform`: `IOS`, `ANDROID`, `MACOS`, `LINUX`, ...
    pub platform: String,
    /// `app-platform-version`: the OS version.
    pub platform_version: String,
}

/// Where and how reports are sent.
#[derive(Clone, Debug)]
pub struct ReportConfig {
    app: AppInfo,
    uris: BTreeMap<HostPattern, Vec<String>>,
    rate_limit: Duration,
    queue_capacity: usize,
    upload_timeout: Duration,
}

impl ReportConfig {
    /// Reports for `app`, with TrustKit's defaults: at most one identical report per 24 hours, a queue of
    /// 64 reports, 10 seconds per upload.
    pub fn new(app: AppInfo) -> ReportConfig {
        ReportConfig {
            app,
            uris: BTreeMap::new(),
            rate_limit: Duration::from_secs(24 * 60 * 60),
            queue_capacity: 64,
            upload_timeout: Duration::from_secs(10),
        }
    }

    /// Sends failures of the rule with `pattern` to `uri`, which must be https (an `InvalidUrl` error
    /// otherwise: a report names the hosts an app talks to). Repeatable.
    pub fn report_uri(mut self, pattern: &str, uri: &str) -> Result<ReportConfig, crate::Error> {
        let pattern = HostPattern::parse(pattern).map_err(crate::PolicyError::from)?;
        let parsed = reqwest::Url::parse(uri).map_err(|e| crate::Error::InvalidUrl {
            url: uri.to_string(),
            detail: e.to_string(),
        })?;
        if parsed.scheme() != "https" {
            return Err(crate::Error::InvalidUrl {
                url: uri.to_string(),
                detail: "report URIs must be https".into(),
            });
        }
        self.uris.entry(pattern).or_default().push(uri.to_string());
        Ok(self)
    }

    /// Adds the report URIs of a configuration file (TrustKit's `TSKReportUris`, Pinwire JSON's
    /// `report_uris`).
    pub fn with_config_uris(self, config: &crate::config::PinConfig) -> Result<ReportConfig, crate::Error> {
        self.with_uris(config.report_uris())
    }

    pub(crate) fn with_uris(
        mut self,
        uris: &BTreeMap<HostPattern, Vec<reqwest::Url>>,
    ) -> Result<ReportConfig, crate::Error> {
        for (pattern, uris) in uris {
            for uri in uris {
                self = self.report_uri(&pattern.to_string(), uri.as_str())?;
            }
        }
        Ok(self)
    }

    /// How long an identical report is suppressed after it was queued.
    pub fn rate_limit(mut self, window: Duration) -> ReportConfig {
        self.rate_limit = window;
        self
    }

    /// How many reports may wait; further ones are dropped.
    pub fn queue_capacity(mut self, capacity: usize) -> ReportConfig {
        self.queue_capacity = capacity.max(1);
        self
    }

    /// Time allowed per upload.
    pub fn upload_timeout(mut self, timeout: Duration) -> ReportConfig {
        self.upload_timeout = timeout;
        self
    }

    pub(crate) fn upload_timeout_value(&self) -> Duration {
        self.upload_timeout
    }
}

/// Sends one report (the URI and the JSON body) once; failures are dropped. The client that owns the
/// reporter makes it, so that this module needs no HTTP client of its own.
pub(crate) type Upload = Arc<dyn Fn(String, Vec<u8>) -> BoxFuture<'static, ()> + Send + Sync>;

struct Queued {
    uri: String,
    body: Vec<u8>,
}

/// Queues pin failure reports and sends them with its [`Upload`] function.
pub(crate) struct Reporter {
    config: ReportConfig,
    upload: Upload,
    sender: OnceLock<mpsc::Sender<Queued>>,
    receiver: Mutex<Option<mpsc::Receiver<Queued>>>,
    recent: Mutex<RecentReports>,
    /// Reports queued and not yet done with (uploaded, or the upload failed), for [`Reporter::flush`].
    pending: Arc<AtomicUsize>,
}

impl std::fmt::Debug for Reporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reporter").field("uris", &self.config.uris).finish()
    }
}

impl Reporter {
    /// A reporter; its upload task starts with the first report.
    pub(crate) fn new(config: ReportConfig, upload: Upload) -> Reporter {
        let (tx, rx) = mpsc::channel(config.queue_capacity);
        let sender = OnceLock::new();
        let _ = sender.set(tx);
        Reporter {
            config,
            upload,
            sender,
            receiver: Mutex::new(Some(rx)),
            recent: Mutex::new(RecentReports::default()),
            pending: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// The report for `event`, as TrustKit would write it.
    fn report_json(&self, event: &PinEvent) -> serde_json::Value {
        let app = &self.config.app;
        let chain: Vec<String> = event
            .chain
            .certs()
            .iter()
            .map(|c| crate::inspect::pem_certificate(c.der()))
            .collect();
        let known_pins: Vec<String> = event
            .expected
            .iter()
            .map(|p| format!("pin-sha256=\"{}\"", base64_of(p.digest())))
            .collect();
        let date_time = time::OffsetDateTime::from(event.at)
            .format(&Rfc3339)
            .unwrap_or_default();
        let expiration = event.expiration.and_then(|t| {
            t.date()
                .format(&time::macros::format_description!("[year]-[month]-[day]"))
                .ok()
        });
        json!({
            "app-bundle-id": app.bundle_id,
            "app-version": app.version,
            "app-vendor-id": app.vendor_id,
            "app-platform": app.platform,
            "app-platform-version": app.platform_version,
            "trustkit-version": env!("CARGO_PKG_VERSION"),
            "pinwire-version": env!("CARGO_PKG_VERSION"),
            "date-time": date_time,
            "hostname": event.host,
            "port": event.port.unwrap_or(443),
            "noted-hostname": noted_hostname(&event.pattern),
            "include-subdomains": event.include_subdomains || event.pattern.starts_with('*'),
            "enforce-pinning": event.mode == PinMode::Enforce,
            "validated-certificate-chain": chain,
            "known-pins": known_pins,
            // TrustKit's TSKTrustEvaluationResult: 1 is "failed, no matching pin".
            "validation-result": 1,
            "known-pins-expiration-date": expiration,
        })
    }

    /// Waits until every report queued so far has been uploaded (or its one upload attempt failed), for
    /// at most `timeout`; whether none is left.
    pub(crate) async fn flush(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        while self.pending.load(Ordering::SeqCst) > 0 {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        true
    }

    fn uris_for(&self, pattern: &str) -> &[String] {
        HostPattern::parse(pattern)
            .ok()
            .and_then(|p| self.config.uris.get(&p))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The rate-limit key of `report` sent to `uri`: the report without its time.
    fn report_key(report: &serde_json::Value, uri: &str) -> u64 {
        let mut key_source = report.clone();
        if let Some(map) = key_source.as_object_mut() {
            map.remove("date-time");
        }
        let mut hasher = DefaultHasher::new();
        key_source.to_string().hash(&mut hasher);
        uri.hash(&mut hasher);
        hasher.finish()
    }

    fn start_worker(&self) {
        let Some(mut receiver) = self.receiver.lock().unwrap_or_else(|e| e.into_inner()).take() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let upload = self.upload.clone();
        let pending = self.pending.clone();
        runtime.spawn(async move {
            while let Some(report) = receiver.recv().await {
                // Sent once; a failure is dropped, never retried.
                upload(report.uri, report.body).await;
                pending.fetch_sub(1, Ordering::SeqCst);
            }
        });
    }
}

fn noted_hostname(pattern: &str) -> &str {
    pattern.trim_start_matches("**.").trim_start_matches("*.")
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

impl PinObserver for Reporter {
    fn on_pin_event(&self, event: &PinEvent) {
        if event.outcome != PinOutcome::Mismatch {
            return;
        }
        let uris = self.uris_for(&event.pattern);
        if uris.is_empty() {
            return;
        }
        let report = self.report_json(event);
        self.start_worker();
        let Some(sender) = self.sender.get() else { return };
        let body = report.to_string().into_bytes();
        let now = Instant::now();
        // Under the lock, so that two handshakes cannot both queue the same report.
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        for uri in uris {
            let key = Self::report_key(&report, uri);
            if recent.seen_recently(key, now, self.config.rate_limit) {
                continue;
            }
            // A full queue drops the report (the app's request must never wait for reporting), and a
            // dropped report is not recorded: the next identical failure is reported.
            // Counted before it is queued, so the worker never counts it done first.
            self.pending.fetch_add(1, Ordering::SeqCst);
            let queued = sender.try_send(Queued {
                uri: uri.clone(),
                body: body.clone(),
            });
            if queued.is_ok() {
                recent.record(key, now);
            } else {
                self.pending.fetch_sub(1, Ordering::SeqCst);
            }
        }
    }

    /// It only queues.
    fn may_block(&self) -> bool {
        false
    }
}

/// The reports queued within the rate-limit window, by hash, for TrustKit's "one identical report per
/// window". Bounded: a stream of distinct failures (an attacker presenting a new chain each time) must not
/// grow it without end, so beyond [`RecentReports::CAPACITY`] the oldest entry is forgotten.
#[derive(Debug, Default)]
struct RecentReports {
    queued_at: HashMap<u64, Instant>,
}

impl RecentReports {
    const CAPACITY: usize = 1024;

    /// Whether `key` was recorded within `window` before `now`.
    fn seen_recently(&mut self, key: u64, now: Instant, window: Duration) -> bool {
        self.queued_at.retain(|_, at| now.duration_since(*at) < window);
        self.queued_at.contains_key(&key)
    }

    /// Records that `key` was queued at `now`.
    fn record(&mut self, key: u64, now: Instant) {
        if !self.queued_at.contains_key(&key) && self.queued_at.len() >= Self::CAPACITY {
            if let Some(oldest) = self.queued_at.iter().min_by_key(|(_, at)| **at).map(|(k, _)| *k) {
                self.queued_at.remove(&oldest);
            }
        }
        self.queued_at.insert(key, now);
    }
}

#[cfg(test)]
mod tests {
    use super::RecentReports;
    use std::time::{Duration, Instant};

    #[test]
    fn identical_reports_are_sent_once_per_window() {
        let mut recent = RecentReports::default();
        let start = Instant::now();
        let window = Duration::from_secs(60);
        assert!(!recent.seen_recently(1, start, window));
        recent.record(1, start);
        assert!(recent.seen_recently(1, start + Duration::from_secs(59), window));
        assert!(
            !recent.seen_recently(2, start + Duration::from_secs(59), window),
            "another report"
        );
        assert!(
            !recent.seen_recently(1, start + Duration::from_secs(61), window),
            "a new window"
        );
    }

    #[test]
    fn distinct_reports_never_grow_the_record_beyond_its_capacity() {
        let mut recent = RecentReports::default();
        let start = Instant::now();
        let window = Duration::from_secs(24 * 60 * 60);
        let total = RecentReports::CAPACITY as u64 + 500;
        for key in 0..total {
            let at = start + Duration::from_millis(key);
            assert!(!recent.seen_recently(key, at, window));
            recent.record(key, at);
        }
        assert_eq!(recent.queued_at.len(), RecentReports::CAPACITY);
        // The newest are still remembered; the oldest were forgotten first.
        assert!(recent.seen_recently(total - 1, start + Duration::from_millis(total), window));
        assert!(!recent.seen_recently(0, start + Duration::from_millis(total), window));
    }
}
