//! Pinwire's own JSON format, described by `core/config.schema.json`:
//!
//! ```json
//! {
//!   "version": 1,
//!   "cleartext_default": false,
//!   "allow_single_pin": false,
//!   "trust_anchors": [{ "source": "system" }],
//!   "debug_anchors": [{ "source": "user", "override_pins": true }],
//!   "rules": [
//!     {
//!       "pattern": "example.com",
//!       "include_subdomains": true,
//!       "pins": ["sha256/...", "sha256/..."],
//!       "expires": "2027-12-31",
//!       "mode": "enforce",
//!       "cleartext_permitted": false,
//!       "report_uris": ["https://reports.example.com/pins"],
//!       "trust_anchors": [{ "source": "bundled", "name": "my_ca", "pem": "-----BEGIN CERTIFICATE-----..." }]
//!     }
//!   ]
//! }
//! ```
//!
//! A rule without `pins` leaves pinning to broader rules; `"pins": []` exempts its hosts. An unknown key
//! inside a rule or a trust anchor is an error (a typo such as `"pin"` must not leave a host unpinned);
//! an unknown top-level key is a warning.

use super::source::{self, Node, Position};
use super::{
    assemble, bundled_anchor, certificates_pem, date_only, parse_date, parse_report_uri, utc_in_range,
    valid_resource_name, AnchorSource, Assembly, ConfigError, ConfigErrorKind, Ctx, Draft, ExportError, PinConfig,
    SinglePin, TrustAnchor,
};
use crate::pin::Pin;
use crate::policy::{DomainRule, PinMode, PinSet};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// How a Pinwire JSON file allows a single pin.
const REFUSE_SINGLE_PIN: &str = "set \"allow_single_pin\": true in the file to allow it";

/// The only version of the format.
const VERSION: &str = "1";

pub(crate) fn import(text: &str, file: &str) -> Result<PinConfig, ConfigError> {
    let mut ctx = Ctx::new(file);
    let root = source::json_tree(text, &ctx)?;
    let mut assembly = Assembly {
        drafts: Vec::new(),
        cleartext_default: false,
        single_pin: SinglePin::Refuse(REFUSE_SINGLE_PIN),
        base_anchors: vec![TrustAnchor::system()],
        debug_anchors: Vec::new(),
    };
    for entry in root.entries(&ctx, "the configuration")? {
        let node = &entry.node;
        match entry.key.as_str() {
            "$schema" => {
                node.as_str(&ctx, "\"$schema\"")?;
            }
            "version" => match &node.value {
                source::Value::Number(n) if n == VERSION => {}
                _ => return Err(ctx.invalid(node.pos, "\"version\" must be 1, the only version of this format")),
            },
            "cleartext_default" => assembly.cleartext_default = node.as_bool(&ctx, "\"cleartext_default\"")?,
            "allow_single_pin" => {
                if node.as_bool(&ctx, "\"allow_single_pin\"")? {
                    assembly.single_pin = SinglePin::Allow;
                }
            }
            "trust_anchors" => assembly.base_anchors = anchors(&mut ctx, node, "\"trust_anchors\"")?,
            "debug_anchors" => assembly.debug_anchors = anchors(&mut ctx, node, "\"debug_anchors\"")?,
            "rules" => {
                for rule_node in node.as_array(&ctx, "\"rules\"")? {
                    assembly.drafts.push(rule(&mut ctx, rule_node)?);
                }
            }
            other => ctx.warn(entry.pos, format!("unknown key {other:?} ignored")),
        }
    }
    assemble(ctx, assembly)
}

fn rule(ctx: &mut Ctx, node: &Node) -> Result<Draft, ConfigError> {
    let mut pattern = None;
    let mut include_subdomains = false;
    let mut pins: Option<(Vec<(&str, Position)>, Position)> = None;
    let mut expires = None;
    let mut mode = None;
    let mut cleartext = None;
    let mut report_uris = Vec::new();
    let mut trust_anchors = None;
    for entry in node.entries(ctx, "a rule")? {
        let value = &entry.node;
        match entry.key.as_str() {
            "pattern" => pattern = Some((value.as_str(ctx, "\"pattern\"")?, value.pos)),
            "include_subdomains" => include_subdomains = value.as_bool(ctx, "\"include_subdomains\"")?,
            "pins" => {
                if !matches!(value.value, source::Value::Null) {
                    pins = Some((value.as_strings(ctx, "\"pins\"")?, value.pos));
                }
            }
            "expires" => expires = Some((value.as_str(ctx, "\"expires\"")?, value.pos)),
            "mode" => {
                let m = match value.as_str(ctx, "\"mode\"")? {
                    "enforce" => PinMode::Enforce,
                    "report_only" => PinMode::ReportOnly,
                    other => {
                        return Err(ctx.invalid(
                            value.pos,
                            format!("\"mode\" must be \"enforce\" or \"report_only\", not {other:?}"),
                        ))
                    }
                };
                mode = Some((m, value.pos));
            }
            "cleartext_permitted" => cleartext = Some(value.as_bool(ctx, "\"cleartext_permitted\"")?),
            "report_uris" => {
                for (uri, pos) in value.as_strings(ctx, "\"report_uris\"")? {
                    report_uris.push(parse_report_uri(uri).map_err(|m| ctx.invalid(pos, m))?);
                }
            }
            "trust_anchors" => trust_anchors = Some(anchors(ctx, value, "\"trust_anchors\"")?),
            other => return Err(unknown_key(ctx, entry.pos, other, "a rule", RULE_KEYS)),
        }
    }
    let (pattern, pattern_pos) =
        pattern.ok_or_else(|| ctx.err(node.pos, ConfigErrorKind::Missing("\"pattern\" in this rule".into())))?;
    let mut rule = DomainRule::new(pattern)
        .map_err(|e| ctx.err(pattern_pos, policy_kind(e)))?
        .include_subdomains(include_subdomains);
    match pins {
        Some((list, _)) => {
            let mut parsed = Vec::with_capacity(list.len());
            for (text, pos) in list {
                let pin: Pin = text.parse().map_err(|e| ctx.err(pos, ConfigErrorKind::Pin(e)))?;
                if parsed.contains(&pin) {
                    ctx.warn(pos, format!("pin {pin} is listed twice"));
                }
                parsed.push(pin);
            }
            let mut set = PinSet::new(parsed).map_err(|e| ctx.err(node.pos, policy_kind(e)))?;
            if let Some((text, pos)) = expires {
                set = set.expires_at(parse_instant(text).ok_or_else(|| {
                    ctx.err(
                        pos,
                        ConfigErrorKind::InvalidDate {
                            value: text.to_string(),
                            expected: "yyyy-MM-dd or an RFC 3339 date-time",
                        },
                    )
                })?);
            }
            if let Some((m, _)) = mode {
                set = set.with_mode(m);
            }
            rule = rule.pins(set);
        }
        None => {
            if let Some((_, pos)) = expires {
                return Err(ctx.invalid(pos, "\"expires\" needs \"pins\" in the same rule"));
            }
            if let Some((_, pos)) = mode {
                return Err(ctx.invalid(pos, "\"mode\" needs \"pins\" in the same rule"));
            }
        }
    }
    if let Some(permitted) = cleartext {
        rule = rule.cleartext_permitted(permitted);
    }
    Ok(Draft {
        rule,
        pos: node.pos,
        report_uris,
        anchors: trust_anchors,
    })
}

const RULE_KEYS: &[&str] = &[
    "pattern",
    "include_subdomains",
    "pins",
    "expires",
    "mode",
    "cleartext_permitted",
    "report_uris",
    "trust_anchors",
];
const ANCHOR_KEYS: &[&str] = &["source", "override_pins", "name", "pem"];

/// An unknown key where a typo could weaken the policy: an error listing the keys that are allowed.
fn unknown_key(ctx: &Ctx, pos: Position, key: &str, within: &str, known: &[&str]) -> ConfigError {
    ctx.invalid(
        pos,
        format!(
            "unknown key {key:?} in {within}; the keys are {}",
            known.iter().map(|k| format!("{k:?}")).collect::<Vec<_>>().join(", ")
        ),
    )
}

fn policy_kind(e: crate::policy::PolicyError) -> ConfigErrorKind {
    match e {
        crate::policy::PolicyError::Host(h) => ConfigErrorKind::Host(h),
        crate::policy::PolicyError::Pin(p) => ConfigErrorKind::Pin(p),
        other => ConfigErrorKind::Policy(other),
    }
}

/// `yyyy-MM-dd` (00:00 UTC that day) or an RFC 3339 date-time.
fn parse_instant(text: &str) -> Option<OffsetDateTime> {
    match parse_date(text) {
        Some(date) => Some(date.with_time(time::Time::MIDNIGHT).assume_utc()),
        None => OffsetDateTime::parse(text, &Rfc3339).ok().and_then(utc_in_range),
    }
}

fn anchors(ctx: &mut Ctx, node: &Node, what: &str) -> Result<Vec<TrustAnchor>, ConfigError> {
    let mut out = Vec::new();
    for item in node.as_array(ctx, what)? {
        let mut kind = None;
        let mut override_pins = false;
        let mut name = None;
        let mut pem = None;
        for entry in item.entries(ctx, "a trust anchor")? {
            let value = &entry.node;
            match entry.key.as_str() {
                "source" => kind = Some((value.as_str(ctx, "\"source\"")?, value.pos)),
                "override_pins" => override_pins = value.as_bool(ctx, "\"override_pins\"")?,
                "name" => name = Some((value.as_str(ctx, "\"name\"")?, value.pos)),
                "pem" => pem = Some((value.as_str(ctx, "\"pem\"")?, value.pos)),
                other => return Err(unknown_key(ctx, entry.pos, other, "a trust anchor", ANCHOR_KEYS)),
            }
        }
        let (kind, kind_pos) = kind.ok_or_else(|| {
            ctx.err(
                item.pos,
                ConfigErrorKind::Missing("\"source\" in this trust anchor".into()),
            )
        })?;
        let source = match kind {
            "system" | "user" => {
                if let Some((_, pos)) = name.or(pem) {
                    return Err(ctx.invalid(
                        pos,
                        format!("\"name\" and \"pem\" are only for \"bundled\" anchors, not {kind:?}"),
                    ));
                }
                if kind == "system" {
                    AnchorSource::System
                } else {
                    AnchorSource::User
                }
            }
            "bundled" => {
                let (name, name_pos) = name.ok_or_else(|| {
                    ctx.err(
                        item.pos,
                        ConfigErrorKind::Missing("\"name\" in this bundled anchor".into()),
                    )
                })?;
                if !valid_resource_name(name) {
                    return Err(ctx.invalid(
                        name_pos,
                        format!("anchor name {name:?} must be a resource name: lower-case letters, digits and '_'"),
                    ));
                }
                let (pem, pem_pos) = pem.ok_or_else(|| {
                    ctx.err(
                        item.pos,
                        ConfigErrorKind::Missing("\"pem\" in this bundled anchor".into()),
                    )
                })?;
                bundled_anchor(ctx, name, pem.as_bytes(), pem_pos)?
            }
            other => {
                return Err(ctx.invalid(
                    kind_pos,
                    format!("\"source\" must be \"system\", \"user\" or \"bundled\", not {other:?}"),
                ))
            }
        };
        if source == AnchorSource::System && override_pins {
            ctx.warn(item.pos, crate::trust::SYSTEM_OVERRIDE_PINS_WARNING);
        }
        out.push(TrustAnchor { source, override_pins });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------------
// Export.

#[derive(Serialize)]
struct FileOut {
    version: u32,
    #[serde(skip_serializing_if = "is_false")]
    cleartext_default: bool,
    #[serde(skip_serializing_if = "is_false")]
    allow_single_pin: bool,
    trust_anchors: Vec<AnchorOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    debug_anchors: Vec<AnchorOut>,
    rules: Vec<RuleOut>,
}

#[derive(Serialize)]
struct RuleOut {
    pattern: String,
    #[serde(skip_serializing_if = "is_false")]
    include_subdomains: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pins: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mode: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cleartext_permitted: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    report_uris: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trust_anchors: Option<Vec<AnchorOut>>,
}

#[derive(Serialize)]
struct AnchorOut {
    source: &'static str,
    #[serde(skip_serializing_if = "is_false")]
    override_pins: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pem: Option<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn anchor_out(anchor: &TrustAnchor) -> AnchorOut {
    let (source, name, pem) = match &anchor.source {
        AnchorSource::System => ("system", None, None),
        AnchorSource::User => ("user", None, None),
        AnchorSource::Bundled { name, certificates } => {
            ("bundled", Some(name.clone()), Some(certificates_pem(certificates)))
        }
    };
    AnchorOut {
        source,
        override_pins: anchor.override_pins,
        name,
        pem,
    }
}

pub(crate) fn export(config: &PinConfig) -> Result<String, ExportError> {
    let fail = |reason: String| ExportError {
        format: "Pinwire JSON",
        reason,
    };
    let policy = config.policy();
    let mut rules = Vec::with_capacity(policy.rules().len());
    for rule in policy.rules() {
        let set = rule.pin_set();
        let expires = match set.and_then(|s| s.expiration()) {
            None => None,
            Some(instant) => Some(match date_only(instant) {
                Some(date) => date,
                None => utc_in_range(instant)
                    .and_then(|utc| utc.format(&Rfc3339).ok())
                    .ok_or_else(|| {
                        fail(format!(
                            "the expiration of {} ({instant}) is outside the years 0 to 9999 UTC",
                            rule.pattern()
                        ))
                    })?,
            }),
        };
        rules.push(RuleOut {
            pattern: rule.pattern().to_string(),
            include_subdomains: rule.includes_subdomains(),
            pins: set.map(|s| s.pins().map(ToString::to_string).collect()),
            expires,
            mode: set.and_then(|s| (s.mode() == PinMode::ReportOnly).then_some("report_only")),
            cleartext_permitted: rule.cleartext(),
            report_uris: Vec::new(),
            trust_anchors: None,
        });
    }
    for (pattern, uris) in config.report_uris() {
        let at = policy
            .rules()
            .iter()
            .position(|r| r.pattern() == pattern && r.pin_set().is_some())
            .or_else(|| policy.rules().iter().position(|r| r.pattern() == pattern))
            .ok_or_else(|| fail(format!("report URIs are set for {pattern}, which no rule has")))?;
        rules[at].report_uris = uris.iter().map(|u| u.to_string()).collect();
    }
    for domain in &config.trust().domains {
        let at = policy
            .rules()
            .iter()
            .position(|r| r.pattern() == &domain.pattern && r.includes_subdomains() == domain.include_subdomains)
            .ok_or_else(|| {
                fail(format!(
                    "trust anchors are set for {}, which no rule has",
                    domain.pattern
                ))
            })?;
        if rules[at].trust_anchors.is_some() {
            return Err(fail(format!("trust anchors are set twice for {}", domain.pattern)));
        }
        rules[at].trust_anchors = Some(domain.anchors.iter().map(anchor_out).collect());
    }
    let out = FileOut {
        version: 1,
        cleartext_default: policy.cleartext_default(),
        allow_single_pin: policy.min_pins() < 2,
        trust_anchors: config.trust().base.iter().map(anchor_out).collect(),
        debug_anchors: config.trust().debug.iter().map(anchor_out).collect(),
        rules,
    };
    let mut text = serde_json::to_string_pretty(&out).map_err(|e| fail(e.to_string()))?;
    text.push('\n');
    Ok(text)
}
