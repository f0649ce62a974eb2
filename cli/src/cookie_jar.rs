//! `pinwire fetch --cookie-jar FILE`: cookies read from a JSON file before the request and written back
//! after it, kept meanwhile by the client's own RFC 6265 store.
//!
//! The file is a JSON array of cookies: `{"name", "value", "domain", "hostOnly", "path", "secure",
//! "httpOnly", "expires"}` (`expires`: Unix seconds, or null for a session cookie).

use pinwire::{Cookie, CookieStore, MemoryCookieStore};
use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, SystemTime};

/// The cookies of `path` (none when it does not exist yet) in a new store.
pub fn load(path: &Path) -> Result<MemoryCookieStore, String> {
    let store = MemoryCookieStore::new();
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(store),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let entries: Vec<Value> = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    for entry in entries {
        let cookie = from_json(&entry).ok_or_else(|| format!("{}: not a cookie: {entry}", path.display()))?;
        // The cookie is stored as if its own domain had set it: the store's rules still apply.
        let origin = format!("https://{}{}", cookie.domain, cookie.path);
        let url = pinwire::http::Url::parse(&origin).map_err(|e| format!("{}: {origin}: {e}", path.display()))?;
        store.save(&url, vec![cookie]);
    }
    Ok(store)
}

/// Writes every unexpired cookie of `store` to `path`.
pub fn save(store: &MemoryCookieStore, path: &Path) -> Result<(), String> {
    let cookies: Vec<Value> = store.all().iter().map(to_json).collect();
    let text = serde_json::to_string_pretty(&cookies).map_err(|e| e.to_string())?;
    std::fs::write(path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))
}

fn to_json(cookie: &Cookie) -> Value {
    let expires = cookie
        .expires
        .and_then(|at| at.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map(|d| d.as_secs());
    json!({
        "name": cookie.name,
        "value": cookie.value,
        "domain": cookie.domain,
        "hostOnly": cookie.host_only,
        "path": cookie.path,
        "secure": cookie.secure,
        "httpOnly": cookie.http_only,
        "expires": expires,
    })
}

fn from_json(value: &Value) -> Option<Cookie> {
    let text = |key: &str| value.get(key)?.as_str().map(String::from);
    let flag = |key: &str| value.get(key).and_then(Value::as_bool).unwrap_or(false);
    Some(Cookie {
        name: text("name")?,
        value: text("value")?,
        domain: text("domain")?,
        host_only: flag("hostOnly"),
        path: text("path").unwrap_or_else(|| "/".into()),
        secure: flag("secure"),
        http_only: flag("httpOnly"),
        expires: match value.get("expires") {
            None | Some(Value::Null) => None,
            Some(seconds) => Some(SystemTime::UNIX_EPOCH + Duration::from_secs(seconds.as_u64()?)),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jar_file_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jar.json");
        let store = load(&path).unwrap();
        assert!(store.all().is_empty());
        let url = pinwire::http::Url::parse("https://a.example/x/y").unwrap();
        let cookie = Cookie {
            name: "k".into(),
            value: "v".into(),
            domain: "a.example".into(),
            host_only: true,
            path: "/x".into(),
            secure: true,
            http_only: false,
            expires: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(4_000_000_000)),
        };
        store.save(&url, vec![cookie.clone()]);
        save(&store, &path).unwrap();
        assert_eq!(load(&path).unwrap().all(), [cookie]);
        std::fs::write(&path, "[{\"name\": 1}]").unwrap();
        assert!(load(&path).is_err());
    }
}
