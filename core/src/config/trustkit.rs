//! TrustKit's configuration dictionary (iOS/macOS), read from JSON or plist XML with TrustKit's rules
//! (its `parse_configuration.m`), and written back.
//!
//! Keys: `TSKPinnedDomains` (required, not empty) maps each domain to `TSKPublicKeyHashes` (base64
//! SPKI SHA-256, without `sha256/`), `TSKIncludeSubdomains` (default false), `TSKEnforcePinning`
//! (default true), `TSKReportUris`, `TSKDisableDefaultReportUri`, `TSKExpirationDate` (`yyyy-MM-dd`) or
//! `kTSKExcludeSubdomainFromParentPolicy` alone. An enforcing domain needs two pins, a report-only one
//! at least one; `TSKIncludeSubdomains` on a public suffix is refused. `TSKSwizzleNetworkDelegates`
//! means nothing to Pinwire and is ignored with a warning. An Info.plist holding the dictionary under
//! `TSKConfiguration` is read too.
//!
//! TrustKit reports pin failures to Data Theorem's server unless `TSKDisableDefaultReportUri` is true;
//! Pinwire never adds that URI (it warns instead), and exports always disable it.

use super::digest::{decode_apple, is_prefixed};
use super::nsc::as_domain;
use super::source::{json_tree, plist_tree, Node, Position};
use super::{
    assemble, date_only, parse_date, parse_report_uri, Assembly, ConfigError, ConfigErrorKind, Ctx, Draft, ExportError,
    Exported, PinConfig, SinglePin, TrustAnchor, TrustConfig,
};
use crate::host::Host;
use crate::pin::Pin;
use crate::policy::{DomainRule, PinMode, PinSet};
use serde::ser::{Serialize, SerializeMap, Serializer};

/// The key TrustKit's code calls `kTSKExcludeSubdomainFromParentPolicy`; its value (the text that goes
/// in a plist) has lost the `T`.
const EXCLUDE_KEY: &str = "kSKExcludeSubdomainFromParentPolicy";
/// The constant's name, which configurations written by hand also use.
const EXCLUDE_KEY_CONSTANT: &str = "kTSKExcludeSubdomainFromParentPolicy";
/// The keys of a domain's policy; anything else is an error, since a misspelt key (say
/// `TSKIncludeSubdomain`) would silently narrow or drop the pins.
const DOMAIN_KEYS: &[&str] = &[
    "TSKPublicKeyHashes",
    "TSKIncludeSubdomains",
    "TSKEnforcePinning",
    "TSKReportUris",
    "TSKDisableDefaultReportUri",
    "TSKExpirationDate",
    "TSKPublicKeyAlgorithms",
    EXCLUDE_KEY_CONSTANT,
];
const TRUSTKIT_SINGLE_PIN: &str = "TrustKit requires it when pinning is enforced; with TSKEnforcePinning false a \
                                   single pin only reports";
const DEFAULT_REPORT_URI: &str = "https://overmind.datatheorem.com/trustkit/report";

pub(crate) fn import_json(text: &str, file: &str) -> Result<PinConfig, ConfigError> {
    let ctx = Ctx::new(file);
    let root = json_tree(text, &ctx)?;
    import_tree(ctx, &root)
}

pub(crate) fn import_plist(text: &str, file: &str) -> Result<PinConfig, ConfigError> {
    let ctx = Ctx::new(file);
    let root = plist_tree(text, &ctx)?;
    import_tree(ctx, &root)
}

fn import_tree(mut ctx: Ctx, root: &Node) -> Result<PinConfig, ConfigError> {
    let top = root.entries(&ctx, "the TrustKit configuration")?;
    // An Info.plist: the configuration is under TSKConfiguration, and its other keys are not ours.
    let config = match top.iter().find(|e| e.key == "TSKConfiguration") {
        Some(entry) => &entry.node,
        None => root,
    };
    let mut pinned_domains = None;
    for entry in config.entries(&ctx, "TSKConfiguration")? {
        match entry.key.as_str() {
            "TSKPinnedDomains" => pinned_domains = Some(&entry.node),
            "TSKSwizzleNetworkDelegates" => {
                entry.node.as_bool(&ctx, "TSKSwizzleNetworkDelegates")?;
                ctx.warn(
                    entry.pos,
                    "TSKSwizzleNetworkDelegates ignored: Pinwire does not swizzle network delegates, its client \
                     checks pins itself",
                );
            }
            "TSKIgnorePinningForUserDefinedTrustAnchors" => {
                entry.node.as_bool(&ctx, "TSKIgnorePinningForUserDefinedTrustAnchors")?;
                ctx.warn(
                    entry.pos,
                    "TSKIgnorePinningForUserDefinedTrustAnchors (macOS only) ignored: Pinwire checks pins whatever \
                     the trust anchor",
                );
            }
            other if std::ptr::eq(config, root) => ctx.warn(entry.pos, format!("unknown key {other:?} ignored")),
            other => ctx.warn(entry.pos, format!("unknown key {other:?} in TSKConfiguration ignored")),
        }
    }
    let pinned_domains =
        pinned_domains.ok_or_else(|| ctx.err(config.pos, ConfigErrorKind::Missing("TSKPinnedDomains".into())))?;
    let domains = pinned_domains.entries(&ctx, "TSKPinnedDomains")?;
    if domains.is_empty() {
        return Err(ctx.invalid(
            pinned_domains.pos,
            "TSKPinnedDomains is empty: TrustKit needs at least one pinned domain",
        ));
    }
    let mut drafts = Vec::new();
    let mut exclusions: Vec<(Host, Position)> = Vec::new();
    for domain in domains {
        let name = domain.key.as_str();
        if name.contains('*') {
            return Err(ctx.invalid(
                domain.pos,
                format!("TrustKit domains are host names, not patterns ({name:?}): use TSKIncludeSubdomains"),
            ));
        }
        let host = Host::parse(name).map_err(|e| ctx.err(domain.pos, ConfigErrorKind::Host(e)))?;
        if host.is_ip() || !host.as_str().contains('.') {
            // TrustKit refuses a name without a registrable domain ("an invalid domain").
            return Err(ctx.invalid(
                domain.pos,
                format!("TrustKit pins domain names, and {name:?} is not one (an IP address or a single label)"),
            ));
        }
        let what = format!("the policy of {name}");
        let keys = domain.node.entries(&ctx, &what)?;
        let excluded = keys
            .iter()
            .find(|e| e.key == EXCLUDE_KEY || e.key == EXCLUDE_KEY_CONSTANT)
            .map(|e| e.node.as_bool(&ctx, &e.key))
            .transpose()?
            .unwrap_or(false);
        if excluded {
            if keys.len() > 1 {
                return Err(ctx.invalid(
                    domain.pos,
                    format!("{name} is excluded from its parent's policy, so it may have no other key"),
                ));
            }
            exclusions.push((host.clone(), domain.pos));
            drafts.push(Draft {
                rule: DomainRule::new(host.as_str())
                    .map_err(|e| ctx.invalid(domain.pos, e.to_string()))?
                    .pins(PinSet::exempt()),
                pos: domain.pos,
                report_uris: Vec::new(),
                anchors: None,
            });
            continue;
        }
        let mut pins: Vec<Pin> = Vec::new();
        let mut pins_pos = domain.pos;
        let mut enforce = true;
        let mut include_subdomains = false;
        let mut report_uris = Vec::new();
        let mut disable_default_report_uri = false;
        let mut expiration = None;
        for entry in keys {
            let node = &entry.node;
            match entry.key.as_str() {
                "TSKPublicKeyHashes" => {
                    pins_pos = node.pos;
                    for (text, pos) in node.as_strings(&ctx, "TSKPublicKeyHashes")? {
                        if is_prefixed(text, decode_apple) {
                            return Err(ctx.invalid(
                                pos,
                                "TSKPublicKeyHashes holds base64 digests only, without the \"sha256/\" prefix",
                            ));
                        }
                        let decoded = decode_apple(text)
                            .map_err(|reason| ctx.invalid(pos, format!("pin {text:?} for {name}: {reason}")))?;
                        for note in decoded.notes {
                            ctx.warn(pos, format!("pin {text:?} for {name} {note}"));
                        }
                        let pin = decoded.pin;
                        if pins.contains(&pin) {
                            ctx.warn(pos, format!("pin {text} is listed twice for {name}"));
                        }
                        pins.push(pin);
                    }
                }
                "TSKEnforcePinning" => enforce = node.as_bool(&ctx, "TSKEnforcePinning")?,
                "TSKIncludeSubdomains" => include_subdomains = node.as_bool(&ctx, "TSKIncludeSubdomains")?,
                "TSKReportUris" => {
                    for (text, pos) in node.as_strings(&ctx, "TSKReportUris")? {
                        report_uris.push(parse_report_uri(text).map_err(|m| ctx.invalid(pos, m))?);
                    }
                }
                "TSKDisableDefaultReportUri" => {
                    disable_default_report_uri = node.as_bool(&ctx, "TSKDisableDefaultReportUri")?;
                }
                "TSKExpirationDate" => {
                    let text = node.as_str(&ctx, "TSKExpirationDate")?;
                    expiration = Some(parse_date(text.trim()).ok_or_else(|| {
                        ctx.err(
                            node.pos,
                            ConfigErrorKind::InvalidDate {
                                value: text.to_string(),
                                expected: "yyyy-MM-dd",
                            },
                        )
                    })?);
                }
                "TSKPublicKeyAlgorithms" => ctx.warn(
                    entry.pos,
                    "TSKPublicKeyAlgorithms is deprecated since TrustKit 1.6 and was ignored",
                ),
                EXCLUDE_KEY | EXCLUDE_KEY_CONSTANT => {}
                other => {
                    return Err(ctx.invalid(
                        entry.pos,
                        format!(
                            "unknown key {other:?} in the policy of {name}; the keys are {}",
                            DOMAIN_KEYS.join(", ")
                        ),
                    ))
                }
            }
        }
        let mut set = PinSet::new(pins.iter().copied()).map_err(|e| ctx.invalid(pins_pos, e.to_string()))?;
        let count = set.pins().len();
        if count == 0 && !enforce {
            return Err(ctx.invalid(
                pins_pos,
                "a report-only domain needs at least one pin in TSKPublicKeyHashes",
            ));
        }
        if enforce && count < 2 {
            return Err(ctx.err(
                pins_pos,
                ConfigErrorKind::TooFewPins {
                    pattern: host.to_string(),
                    count,
                    hint: TRUSTKIT_SINGLE_PIN,
                },
            ));
        }
        if !enforce {
            set = set.with_mode(PinMode::ReportOnly);
        }
        if let Some(date) = expiration {
            set = set.expires_on(date);
        }
        if !disable_default_report_uri {
            ctx.warn(
                domain.pos,
                format!(
                    "TrustKit would also send pin failure reports for {name} to {DEFAULT_REPORT_URI} \
                     (TSKDisableDefaultReportUri is not true); Pinwire reports only to TSKReportUris"
                ),
            );
        }
        drafts.push(Draft {
            rule: DomainRule::new(host.as_str())
                .map_err(|e| ctx.invalid(domain.pos, e.to_string()))?
                .include_subdomains(include_subdomains)
                .pins(set),
            pos: domain.pos,
            report_uris,
            anchors: None,
        });
    }
    for (host, pos) in &exclusions {
        let has_parent = drafts.iter().any(|d| {
            d.rule.pattern().base() != host
                && d.rule.includes_subdomains()
                && d.rule.pin_set().is_some_and(|s| !s.is_exempt())
                && d.rule.pattern().matches(host, true)
        });
        if !has_parent {
            return Err(ctx.invalid(
                *pos,
                format!("{host} is excluded from its parent's policy, but no parent domain includes its subdomains"),
            ));
        }
    }
    assemble(
        ctx,
        Assembly {
            drafts,
            cleartext_default: false,
            single_pin: SinglePin::ReportOnly(TRUSTKIT_SINGLE_PIN),
            base_anchors: vec![TrustAnchor::system()],
            debug_anchors: Vec::new(),
        },
    )
}

// ---------------------------------------------------------------------------------------------------
// Export.

const FORMAT: &str = "TrustKit";

/// A value of the dictionary, in a form both writers take.
enum Val {
    Bool(bool),
    Str(String),
    List(Vec<String>),
    Dict(Vec<(String, Val)>),
}

impl Serialize for Val {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Val::Bool(b) => serializer.serialize_bool(*b),
            Val::Str(s) => serializer.serialize_str(s),
            Val::List(items) => serializer.collect_seq(items),
            Val::Dict(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

impl Val {
    fn to_plist(&self) -> plist::Value {
        match self {
            Val::Bool(b) => plist::Value::Boolean(*b),
            Val::Str(s) => plist::Value::String(s.clone()),
            Val::List(items) => plist::Value::Array(items.iter().cloned().map(plist::Value::String).collect()),
            Val::Dict(entries) => {
                let mut dict = plist::Dictionary::new();
                for (k, v) in entries {
                    dict.insert(k.clone(), v.to_plist());
                }
                plist::Value::Dictionary(dict)
            }
        }
    }
}

fn dictionary(config: &PinConfig) -> Result<(Val, Vec<String>), ExportError> {
    let fail = |reason: String| ExportError { format: FORMAT, reason };
    let policy = config.policy();
    config.trust().restriction_error(FORMAT)?;
    nested_subdomain_rules(config)?;
    let mut warnings = Vec::new();
    let mut domains: Vec<(String, Val)> = Vec::new();
    let mut cleartext_dropped = policy.cleartext_default();
    for rule in policy.rules() {
        cleartext_dropped |= rule.cleartext().is_some();
        let Some(set) = rule.pin_set() else { continue };
        let (host, subdomains) = as_domain(rule.pattern(), rule.includes_subdomains(), FORMAT)?;
        if host.is_ip() || !host.as_str().contains('.') {
            return Err(fail(format!("TrustKit pins domain names only, not {host}")));
        }
        let entry = if set.is_exempt() {
            if subdomains {
                return Err(fail(format!(
                    "{} exempts a domain with its subdomains; TrustKit can exclude only one host",
                    rule.pattern()
                )));
            }
            let parent = policy.rules().iter().any(|r| {
                r.pattern().base() != &host
                    && r.pin_set().is_some_and(|s| !s.is_exempt())
                    && r.pattern().matches(&host, r.includes_subdomains())
            });
            if !parent {
                // Nothing broader pins this host: the exemption changes nothing.
                continue;
            }
            vec![(EXCLUDE_KEY.to_string(), Val::Bool(true))]
        } else {
            let enforce = set.mode() == PinMode::Enforce;
            if enforce && set.pins().len() < 2 {
                return Err(fail(format!(
                    "{} enforces a single pin; TrustKit requires a backup pin when enforcing",
                    rule.pattern()
                )));
            }
            let hashes = set.pins().map(|p| p.digest_base64()).collect();
            let mut entry = vec![
                ("TSKPublicKeyHashes".to_string(), Val::List(hashes)),
                ("TSKIncludeSubdomains".to_string(), Val::Bool(subdomains)),
                ("TSKEnforcePinning".to_string(), Val::Bool(enforce)),
                ("TSKDisableDefaultReportUri".to_string(), Val::Bool(true)),
            ];
            if let Some(uris) = config.report_uris().get(rule.pattern()) {
                entry.push((
                    "TSKReportUris".to_string(),
                    Val::List(uris.iter().map(|u| u.to_string()).collect()),
                ));
            }
            if let Some(instant) = set.expiration() {
                let date = date_only(instant).ok_or_else(|| {
                    fail(format!(
                        "the pins of {} expire at {instant}; TrustKit expirations are whole days (00:00 UTC)",
                        rule.pattern()
                    ))
                })?;
                entry.push(("TSKExpirationDate".to_string(), Val::Str(date)));
            }
            entry
        };
        if domains.iter().any(|(k, _)| *k == host.as_str()) {
            return Err(fail(format!("{host} has two pin sets")));
        }
        domains.push((host.to_string(), Val::Dict(entry)));
    }
    if cleartext_dropped {
        warnings.push(
            "TrustKit has no cleartext setting (on Apple platforms that is App Transport Security): the cleartext \
             permissions were left out"
                .to_string(),
        );
    }
    if config.trust() != &TrustConfig::default() {
        warnings.push(
            "TrustKit has no trust-anchor setting: the anchors that add CAs (user, bundled or debug CAs) were left out"
                .to_string(),
        );
    }
    for pattern in config.report_uris().keys() {
        let pinned = policy
            .rules()
            .iter()
            .any(|r| r.pattern() == pattern && r.pin_set().is_some_and(|s| !s.is_exempt()));
        if !pinned {
            warnings.push(format!(
                "the report URIs of {pattern}, which has no pins, were left out"
            ));
        }
    }
    if domains.is_empty() {
        return Err(fail(
            "the configuration pins no domain, and TrustKit requires at least one".into(),
        ));
    }
    Ok((
        Val::Dict(vec![("TSKPinnedDomains".to_string(), Val::Dict(domains))]),
        warnings,
    ))
}

/// TrustKit looks a host up by exact name, else takes **any** pinned domain with
/// `TSKIncludeSubdomains` above it (in dictionary order): two such domains, one under the other, with
/// different pin sets cannot keep Pinwire's "most specific rule wins".
fn nested_subdomain_rules(config: &PinConfig) -> Result<(), ExportError> {
    let with_subdomains: Vec<_> = config
        .policy()
        .rules()
        .iter()
        .filter(|r| r.includes_subdomains() && r.pin_set().is_some_and(|s| !s.is_exempt()))
        .collect();
    for inner in &with_subdomains {
        for outer in &with_subdomains {
            let below = inner.pattern().base() != outer.pattern().base()
                && outer.pattern().matches(inner.pattern().base(), true);
            if below && inner.pin_set() != outer.pin_set() {
                return Err(ExportError {
                    format: FORMAT,
                    reason: format!(
                        "{} (with subdomains) lies under {} (with subdomains) with other pins; TrustKit may apply \
                         either to a host below both",
                        inner.pattern(),
                        outer.pattern()
                    ),
                });
            }
        }
    }
    Ok(())
}

pub(crate) fn export_json(config: &PinConfig) -> Result<Exported, ExportError> {
    let (dict, warnings) = dictionary(config)?;
    let mut text = serde_json::to_string_pretty(&dict).map_err(|e| ExportError {
        format: FORMAT,
        reason: e.to_string(),
    })?;
    text.push('\n');
    Ok(Exported {
        text,
        files: Default::default(),
        warnings,
    })
}

pub(crate) fn export_plist(config: &PinConfig) -> Result<Exported, ExportError> {
    let (dict, warnings) = dictionary(config)?;
    let mut bytes = Vec::new();
    dict.to_plist()
        .to_writer_xml_with_options(&mut bytes, &plist::XmlWriteOptions::default().indent(b' ', 4))
        .map_err(|e| ExportError {
            format: FORMAT,
            reason: e.to_string(),
        })?;
    let mut text = String::from_utf8(bytes).map_err(|e| ExportError {
        format: FORMAT,
        reason: e.to_string(),
    })?;
    text.push('\n');
    Ok(Exported {
        text,
        files: Default::default(),
        warnings,
    })
}
