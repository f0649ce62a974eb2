//! Cookies: RFC 6265's storage model and matching rules (the `cookie_store` crate), behind a store the
//! app can replace to persist cookies or share them with the platform's store.
//!
//! The client parses and checks every `Set-Cookie` against the URL that sent it before a store sees it
//! (a cookie for another domain is dropped), and checks every cookie a store hands back against the
//! request's URL (domain, path, `Secure`, expiry) before it is sent: a store that returns too much
//! leaks nothing. `SameSite` is ignored, as OkHttp does: there is no "site" for an app's own calls.
//!
//! Cookies ride on the request: they are sent only over a connection the client made (or pooled) for
//! the request's host, after its handshake passed that host's pins.

use crate::blocking::off_the_async_workers;
use reqwest::header::HeaderValue;
use reqwest::Url;
use std::sync::Mutex;
use std::time::SystemTime;

/// A cookie as RFC 6265's storage model keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cookie {
    /// The name.
    pub name: String,
    /// The value.
    pub value: String,
    /// The host that set it (when `host_only`), or the domain it applies to with its subdomains.
    pub domain: String,
    /// Sent only to exactly `domain` (the `Set-Cookie` had no `Domain` attribute).
    pub host_only: bool,
    /// The path it applies to, with the paths below it.
    pub path: String,
    /// Sent only over `https`.
    pub secure: bool,
    /// Not for scripts (kept for stores that share cookies with a web view).
    pub http_only: bool,
    /// When it expires; `None` for a session cookie, which lives as long as its store. A cookie whose
    /// expiry has passed, handed to [`CookieStore::save`], deletes the stored one of the same
    /// domain, path and name.
    pub expires: Option<SystemTime>,
}

/// Where a client keeps its cookies. [`MemoryCookieStore`] is the default; an app implements this to
/// persist cookies, or to share them with the platform's store (Android's `CookieManager`, Apple's
/// `HTTPCookieStorage`).
///
/// Both methods are called on the request's task, synchronously. Unless [`may_block`](CookieStore::may_block)
/// says false, they run off the runtime's async workers (as a slow pin observer does), so a store that
/// reads a disk or calls into the platform delays its own request only, not the client's other calls.
pub trait CookieStore: Send + Sync + std::fmt::Debug {
    /// Keeps the cookies a response from `url` set. Each was checked against `url` already (domain,
    /// path); an expired one deletes the stored cookie of the same domain, path and name.
    fn save(&self, url: &Url, cookies: Vec<Cookie>);

    /// The cookies to send with a request to `url`. The client checks each against `url` again
    /// (domain, path, `Secure`, expiry) and drops those that do not apply.
    fn load(&self, url: &Url) -> Vec<Cookie>;

    /// Whether [`save`](CookieStore::save) and [`load`](CookieStore::load) may block or take long
    /// (default: true, as for any app code). A store that only works in memory says false, and requests
    /// then skip the hand-off to another thread.
    fn may_block(&self) -> bool {
        true
    }
}

/// Cookies in memory, for the life of the client: RFC 6265's storage model.
#[derive(Debug, Default)]
pub struct MemoryCookieStore(Mutex<cookie_store::CookieStore>);

impl MemoryCookieStore {
    /// An empty store.
    pub fn new() -> MemoryCookieStore {
        MemoryCookieStore::default()
    }

    /// Every unexpired cookie held, for any URL.
    pub fn all(&self) -> Vec<Cookie> {
        let store = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        store.iter_unexpired().map(from_stored).collect()
    }
}

impl CookieStore for MemoryCookieStore {
    fn save(&self, url: &Url, cookies: Vec<Cookie>) {
        let mut store = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for cookie in &cookies {
            // Refused ones (an expired cookie with nothing to delete) need nothing done.
            let _ = store.insert_raw(&to_raw(cookie), url);
        }
    }

    fn load(&self, url: &Url) -> Vec<Cookie> {
        let store = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        store.matches(url).into_iter().map(from_stored).collect()
    }

    /// In memory only.
    fn may_block(&self) -> bool {
        false
    }
}

/// The cookie as `cookie_store` keeps it.
fn from_stored(cookie: &cookie_store::Cookie<'_>) -> Cookie {
    let (domain, host_only) = match &cookie.domain {
        cookie_store::CookieDomain::HostOnly(host) => (host.clone(), true),
        other => (String::from(other), false),
    };
    Cookie {
        name: cookie.name().to_string(),
        value: cookie.value().to_string(),
        domain,
        host_only,
        path: String::from(&cookie.path),
        secure: cookie.secure().unwrap_or(false),
        http_only: cookie.http_only().unwrap_or(false),
        expires: match cookie.expires {
            cookie_store::CookieExpiration::AtUtc(at) => Some(at.into()),
            cookie_store::CookieExpiration::SessionEnd => None,
        },
    }
}

/// The cookie as a `Set-Cookie` would state it, with an explicit `Path` (and `Domain` unless host-only).
fn to_raw(cookie: &Cookie) -> cookie_store::RawCookie<'static> {
    let mut raw = cookie_store::RawCookie::build((cookie.name.clone(), cookie.value.clone()))
        .path(cookie.path.clone())
        .secure(cookie.secure)
        .http_only(cookie.http_only);
    if !cookie.host_only {
        raw = raw.domain(cookie.domain.clone());
    }
    if let Some(expires) = cookie.expires {
        raw = raw.expires(time::OffsetDateTime::from(expires));
    }
    raw.build()
}

/// Whether a cookie a store handed back applies to `url`: the cookie is checked as if its own domain
/// had set it, then matched against `url` by RFC 6265's rules.
fn applies(cookie: &Cookie, url: &Url) -> bool {
    let Ok(origin) = Url::parse(&format!("https://{}/", cookie.domain)) else {
        return false;
    };
    match cookie_store::Cookie::try_from_raw_cookie(&to_raw(cookie), &origin) {
        Ok(checked) => !checked.is_expired() && checked.matches(url),
        Err(_) => false,
    }
}

/// The bridge between reqwest's cookie hooks and a [`CookieStore`].
#[derive(Debug)]
pub(crate) struct Jar(pub(crate) std::sync::Arc<dyn CookieStore>);

impl Jar {
    /// Runs `f` (a call into the store) off the async workers when the store may block.
    fn call<T>(&self, f: impl FnOnce(&dyn CookieStore) -> T) -> T {
        if self.0.may_block() {
            off_the_async_workers(|| f(&*self.0))
        } else {
            f(&*self.0)
        }
    }
}

impl reqwest::cookie::CookieStore for Jar {
    fn set_cookies(&self, headers: &mut dyn Iterator<Item = &HeaderValue>, url: &Url) {
        let cookies: Vec<Cookie> = headers
            .filter_map(|value| value.to_str().ok())
            .filter_map(|text| cookie_store::Cookie::parse(text, url).ok())
            .map(|cookie| from_stored(&cookie))
            .collect();
        if !cookies.is_empty() {
            self.call(|store| store.save(url, cookies));
        }
    }

    fn cookies(&self, url: &Url) -> Option<HeaderValue> {
        let pairs: Vec<String> = self
            .call(|store| store.load(url))
            .into_iter()
            .filter(|cookie| applies(cookie, url))
            .map(|cookie| format!("{}={}", cookie.name, cookie.value))
            .collect();
        if pairs.is_empty() {
            return None;
        }
        HeaderValue::from_str(&pairs.join("; ")).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::cookie::CookieStore as _;
    use std::sync::Arc;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    fn set(jar: &Jar, from: &str, headers: &[&'static str]) {
        let values: Vec<HeaderValue> = headers.iter().map(|h| HeaderValue::from_static(h)).collect();
        jar.set_cookies(&mut values.iter(), &url(from));
    }

    fn sent(jar: &Jar, to: &str) -> Option<String> {
        jar.cookies(&url(to)).map(|v| v.to_str().unwrap().to_string())
    }

    #[test]
    fn rfc_6265_domain_path_secure_and_expiry_rules_apply() {
        let jar = Jar(Arc::new(MemoryCookieStore::new()));
        set(
            &jar,
            "https://api.example.com/account/login",
            &[
                "host=1",
                "wide=2; Domain=example.com; Path=/",
                "secure=3; Secure; Path=/",
                "other=4; Domain=evil.test",
                "gone=5; Max-Age=0",
                "strict=6; SameSite=Strict; Path=/",
            ],
        );
        // `host` has the default path /account; `other` was for another domain; `gone` expired.
        assert_eq!(
            sent(&jar, "https://api.example.com/account/x").as_deref().map(sorted),
            Some(sorted("host=1; secure=3; strict=6; wide=2"))
        );
        assert_eq!(
            sent(&jar, "https://api.example.com/").as_deref().map(sorted),
            Some(sorted("secure=3; strict=6; wide=2"))
        );
        assert_eq!(sent(&jar, "https://cdn.example.com/").as_deref(), Some("wide=2"));
        assert_eq!(
            sent(&jar, "http://api.example.com/").as_deref().map(sorted),
            Some(sorted("strict=6; wide=2"))
        );
        assert_eq!(sent(&jar, "https://evil.test/"), None);
        // A later expired cookie deletes the stored one.
        set(
            &jar,
            "https://api.example.com/",
            &["wide=x; Domain=example.com; Path=/; Max-Age=0"],
        );
        assert_eq!(sent(&jar, "https://cdn.example.com/"), None);
    }

    fn sorted(header: &str) -> String {
        let mut parts: Vec<&str> = header.split("; ").collect();
        parts.sort_unstable();
        parts.join("; ")
    }

    /// A careless store: hands back everything it ever got, for any URL.
    #[derive(Debug, Default)]
    struct Everything(Mutex<Vec<Cookie>>);

    impl CookieStore for Everything {
        fn save(&self, _: &Url, cookies: Vec<Cookie>) {
            self.0.lock().unwrap().extend(cookies);
        }
        fn load(&self, _: &Url) -> Vec<Cookie> {
            self.0.lock().unwrap().clone()
        }
    }

    #[test]
    fn cookies_a_store_hands_back_are_checked_against_the_request() {
        let store = Arc::new(Everything::default());
        let jar = Jar(store.clone());
        set(&jar, "https://a.example/", &["a=1; Path=/", "s=2; Secure; Path=/"]);
        assert_eq!(store.0.lock().unwrap().len(), 2);
        store.0.lock().unwrap().push(Cookie {
            name: "old".into(),
            value: "x".into(),
            domain: "a.example".into(),
            host_only: true,
            path: "/".into(),
            secure: false,
            http_only: false,
            expires: Some(SystemTime::UNIX_EPOCH),
        });
        assert_eq!(sent(&jar, "https://a.example/").as_deref(), Some("a=1; s=2"));
        assert_eq!(sent(&jar, "http://a.example/").as_deref(), Some("a=1"));
        assert_eq!(sent(&jar, "https://b.example/"), None);
        assert_eq!(sent(&jar, "https://sub.a.example/"), None, "host-only");
    }

    #[test]
    fn a_cookie_survives_the_round_trip_through_the_record() {
        let store = MemoryCookieStore::new();
        let jar = Jar(Arc::new(MemoryCookieStore::new()));
        set(
            &jar,
            "https://a.example/p/q",
            &["k=v; Domain=a.example; Path=/p; Secure; HttpOnly; Max-Age=3600"],
        );
        let saved = jar.0.load(&url("https://a.example/p/"));
        assert_eq!(saved.len(), 1);
        let cookie = &saved[0];
        assert_eq!(
            (cookie.domain.as_str(), cookie.host_only, cookie.path.as_str()),
            ("a.example", false, "/p")
        );
        assert!(cookie.secure && cookie.http_only && cookie.expires.is_some());
        store.save(&url("https://a.example/p/q"), saved.clone());
        assert_eq!(store.all(), saved);
    }
}
