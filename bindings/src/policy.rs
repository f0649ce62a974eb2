//! The pin rules as the Kotlin and Swift builders pass them: one record per `add` call, in call order.
//! Merging (the same pattern twice) is the core's `PolicyBuilder::pin_rule`, so the same calls give the
//! same policy on every platform.

use crate::client::ClientOptions;
use crate::error::PinwireError;
use pinwire::{DomainRule, PinSet, Policy};
use std::time::{SystemTime, UNIX_EPOCH};
use time::OffsetDateTime;

/// One `add(pattern, pins, ...)` call of a builder.
#[derive(Debug, Clone, uniffi::Record)]
pub struct PinRule {
    /// `example.com`, `*.example.com` or `**.example.com`.
    pub pattern: String,
    /// `sha256/...` pins; empty exempts the pattern's hosts from a broader rule.
    pub pins: Vec<String>,
    /// Also pin every subdomain.
    #[uniffi(default = false)]
    pub include_subdomains: bool,
    /// Report mismatches instead of failing.
    #[uniffi(default = false)]
    pub report_only: bool,
    /// Stop enforcing at this instant.
    #[uniffi(default = None)]
    pub expiration: Option<SystemTime>,
    /// Allow or refuse `http://` for these hosts.
    #[uniffi(default = None)]
    pub cleartext_permitted: Option<bool>,
}

fn offset_date_time(at: SystemTime) -> Result<OffsetDateTime, PinwireError> {
    let nanos = match at.duration_since(UNIX_EPOCH) {
        Ok(after) => i128::try_from(after.as_nanos()).ok(),
        Err(before) => i128::try_from(before.duration().as_nanos()).ok().map(|n| -n),
    };
    nanos
        .and_then(|n| OffsetDateTime::from_unix_timestamp_nanos(n).ok())
        .ok_or_else(|| PinwireError::InvalidConfig {
            detail: format!("expiration {at:?} is out of range"),
        })
}

fn domain_rule(rule: &PinRule) -> Result<DomainRule, PinwireError> {
    let mut set = PinSet::new(&rule.pins)?;
    if rule.report_only {
        set = set.report_only();
    }
    if let Some(at) = rule.expiration {
        set = set.expires_at(offset_date_time(at)?);
    }
    let mut domain = DomainRule::new(&rule.pattern)?
        .include_subdomains(rule.include_subdomains)
        .pins(set);
    if let Some(permitted) = rule.cleartext_permitted {
        domain = domain.cleartext_permitted(permitted);
    }
    Ok(domain)
}

/// The policy a builder's calls describe.
pub(crate) fn policy_from(options: &ClientOptions) -> Result<Policy, PinwireError> {
    let mut builder = Policy::builder().cleartext_default(options.cleartext_permitted_by_default);
    if options.dangerous_allow_single_pin {
        builder = builder.dangerous_allow_single_pin();
    }
    for rule in &options.pins {
        builder = builder.pin_rule(domain_rule(rule)?);
    }
    Ok(builder.build()?)
}

/// The pin rules and cleartext settings of `options` as a Pinwire JSON configuration (trust settings are
/// not part of it): what a builder's calls amount to, e.g. to move them into a configuration file.
#[uniffi::export]
pub fn policy_json(options: ClientOptions) -> Result<String, PinwireError> {
    pinwire::config::PinConfig::new(policy_from(&options)?)
        .to_json()
        .map_err(|e| PinwireError::InvalidConfig { detail: e.to_string() })
}
