//! Cookie stores the app implements in Kotlin or Swift, adapted to the core's store.

use std::sync::Arc;
use std::time::SystemTime;

/// A cookie as RFC 6265's storage model keeps it (the core's `Cookie`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Cookie {
    /// The name.
    pub name: String,
    /// The value.
    pub value: String,
    /// The host that set it (when `host_only`), or the domain it applies to with its subdomains.
    pub domain: String,
    /// Sent only to exactly `domain`.
    pub host_only: bool,
    /// The path it applies to, with the paths below it.
    pub path: String,
    /// Sent only over `https`.
    pub secure: bool,
    /// Not for scripts (for stores shared with a web view).
    pub http_only: bool,
    /// When it expires; null for a session cookie. An expired cookie given to `save` deletes the stored
    /// one of the same domain, path and name.
    #[uniffi(default = None)]
    pub expires: Option<SystemTime>,
}

/// Where a client keeps its cookies, implemented by the app (to persist them, or to share them with
/// `HTTPCookieStorage` or Android's `CookieManager`). Called on Pinwire's threads during a call, off the
/// thread that carries the other calls (the core's store says it may block): a slow store delays only
/// its own call. The client checks every cookie against the URL both ways, so a store that hands back too
/// much leaks nothing.
#[uniffi::export(with_foreign)]
pub trait CookieStore: Send + Sync {
    /// Keeps the cookies a response from `url` set (already checked against `url`).
    fn save(&self, url: String, cookies: Vec<Cookie>);
    /// The cookies to send with a request to `url`.
    fn load(&self, url: String) -> Vec<Cookie>;
}

impl From<pinwire::Cookie> for Cookie {
    fn from(c: pinwire::Cookie) -> Cookie {
        Cookie {
            name: c.name,
            value: c.value,
            domain: c.domain,
            host_only: c.host_only,
            path: c.path,
            secure: c.secure,
            http_only: c.http_only,
            expires: c.expires,
        }
    }
}

impl From<Cookie> for pinwire::Cookie {
    fn from(c: Cookie) -> pinwire::Cookie {
        pinwire::Cookie {
            name: c.name,
            value: c.value,
            domain: c.domain,
            host_only: c.host_only,
            path: c.path,
            secure: c.secure,
            http_only: c.http_only,
            expires: c.expires,
        }
    }
}

/// Adapts the app's store to the core's.
pub(crate) struct ForeignCookieStore(pub(crate) Arc<dyn CookieStore>);

impl std::fmt::Debug for ForeignCookieStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ForeignCookieStore")
    }
}

impl pinwire::CookieStore for ForeignCookieStore {
    fn save(&self, url: &pinwire::http::Url, cookies: Vec<pinwire::Cookie>) {
        self.0
            .save(url.to_string(), cookies.into_iter().map(Cookie::from).collect());
    }

    fn load(&self, url: &pinwire::http::Url) -> Vec<pinwire::Cookie> {
        self.0
            .load(url.to_string())
            .into_iter()
            .map(pinwire::Cookie::from)
            .collect()
    }
}
