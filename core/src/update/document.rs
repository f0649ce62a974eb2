//! The update document: a Pinwire JSON configuration wrapped with its format, version and validity
//! window, signed as a JWS in compact serialisation.
//!
//! ```json
//! {
//!   "format": "pinwire-pin-update/1",
//!   "version": 7,
//!   "issued_at": "2026-11-30T03:00:00Z",
//!   "expires_at": "2027-02-28T00:00:00Z",
//!   "config": { "version": 1, "rules": [ ... ] }
//! }
//! ```

use super::error::UpdateError;
use super::keys::SigningKey;
use crate::config::PinConfig;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The `format` of the documents this library reads and writes.
pub const UPDATE_FORMAT: &str = "pinwire-pin-update/1";

/// The signed payload as it travels.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Payload {
    pub(crate) format: String,
    pub(crate) version: u64,
    pub(crate) issued_at: String,
    pub(crate) expires_at: String,
    pub(crate) config: Box<RawValue>,
}

/// A document whose signature verified and whose configuration is valid; its dates and version are
/// judged against the client's state separately.
#[derive(Debug, Clone)]
pub struct UpdateDocument {
    pub(crate) version: u64,
    pub(crate) issued_at: OffsetDateTime,
    pub(crate) expires_at: OffsetDateTime,
    pub(crate) kid: String,
    pub(crate) config: PinConfig,
    /// The signed payload's bytes: two documents with the same version are the same update only if
    /// these are equal (signatures differ from one signing to the next).
    pub(crate) payload: Vec<u8>,
}

impl UpdateDocument {
    /// The document's version.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// When it was issued.
    pub fn issued_at(&self) -> OffsetDateTime {
        self.issued_at
    }

    /// When it stops being accepted.
    pub fn expires_at(&self) -> OffsetDateTime {
        self.expires_at
    }

    /// The id of the key that signed it.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The configuration it carries.
    pub fn config(&self) -> &PinConfig {
        &self.config
    }
}

/// What to sign: a configuration (Pinwire JSON text), its version and validity window.
#[derive(Debug, Clone)]
pub struct UpdateContent {
    /// The version, greater than every earlier document's.
    pub version: u64,
    /// When it is issued (usually now).
    pub issued_at: OffsetDateTime,
    /// When it stops being accepted.
    pub expires_at: OffsetDateTime,
    /// The configuration, as Pinwire JSON.
    pub config_json: String,
}

/// Signs `content` with `key`: the JWS compact serialisation, `kid` being the key's thumbprint. The
/// configuration is checked first (it must parse as Pinwire JSON), so a tool cannot sign a document
/// every client would refuse for its syntax.
pub fn sign_update(content: &UpdateContent, key: &SigningKey) -> Result<String, UpdateError> {
    let invalid = |detail: String| UpdateError::InvalidPayload { detail };
    PinConfig::from_json(&content.config_json, "the configuration to sign").map_err(|error| {
        UpdateError::InvalidConfiguration {
            version: content.version,
            error,
        }
    })?;
    if content.expires_at <= content.issued_at {
        return Err(invalid("expires_at must be later than issued_at".into()));
    }
    let config = RawValue::from_string(content.config_json.trim().to_string())
        .map_err(|e| invalid(format!("the configuration is not JSON: {e}")))?;
    let payload = Payload {
        format: UPDATE_FORMAT.to_string(),
        version: content.version,
        issued_at: rfc3339(content.issued_at),
        expires_at: rfc3339(content.expires_at),
        config,
    };
    let mut header = jsonwebtoken::Header::new(key.algorithm().jws());
    header.typ = None;
    header.kid = Some(key.verification_key().kid().to_string());
    super::jose::install();
    jsonwebtoken::encode(&header, &payload, &key.encoding_key()).map_err(|e| invalid(format!("signing failed: {e}")))
}

pub(crate) fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_else(|_| at.to_string())
}

pub(crate) fn parse_instant(text: &str, field: &str) -> Result<OffsetDateTime, UpdateError> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|_| UpdateError::InvalidPayload {
        detail: format!("{field} {text:?} is not an RFC 3339 instant"),
    })
}
