//! Shared by the importers: warnings and errors for one file, and the checks every format must
//! respect before a policy is built.

use super::{
    patterns::describe, suffix, ConfigError, ConfigErrorKind, DomainAnchors, PinConfig, Position, TrustAnchor,
    TrustConfig, Warning, Warnings,
};
use crate::host::Host;
use crate::policy::{DomainRule, Policy, PolicyError};
use reqwest::Url;
use std::collections::{BTreeMap, BTreeSet};

/// Collects warnings and makes errors for one file.
pub(crate) struct Ctx {
    file: String,
    warnings: Vec<Warning>,
}

impl Ctx {
    pub(crate) fn new(file: &str) -> Ctx {
        Ctx {
            file: file.to_string(),
            warnings: Vec::new(),
        }
    }

    pub(crate) fn err(&self, pos: Position, kind: ConfigErrorKind) -> ConfigError {
        ConfigError {
            file: self.file.clone(),
            line: pos.line,
            column: pos.column,
            kind,
        }
    }

    pub(crate) fn invalid(&self, pos: Position, message: impl Into<String>) -> ConfigError {
        self.err(pos, ConfigErrorKind::Invalid(message.into()))
    }

    pub(crate) fn warn(&mut self, pos: Position, message: impl Into<String>) {
        self.warnings.push(Warning {
            file: self.file.clone(),
            line: pos.line,
            column: pos.column,
            message: message.into(),
        });
    }
}

/// One rule as read from a file, with where it was written.
pub(crate) struct Draft {
    pub(crate) rule: DomainRule,
    pub(crate) pos: Position,
    pub(crate) report_uris: Vec<Url>,
    pub(crate) anchors: Option<Vec<TrustAnchor>>,
}

/// How a format treats a pin set with a single pin (no backup pin).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum SinglePin {
    /// Refused; the text says how the file can allow it.
    Refuse(&'static str),
    /// Allowed in every rule (Pinwire JSON's `allow_single_pin`), and by the policy built.
    Allow,
    /// TrustKit's rule: allowed when report-only; for an enforcing set, refused with this text.
    ReportOnly(&'static str),
    /// Allowed with a warning: the platform has no minimum (Android).
    Warn,
}

/// Everything an importer read, before the checks shared by all formats.
pub(crate) struct Assembly {
    pub(crate) drafts: Vec<Draft>,
    pub(crate) cleartext_default: bool,
    pub(crate) single_pin: SinglePin,
    pub(crate) base_anchors: Vec<TrustAnchor>,
    pub(crate) debug_anchors: Vec<TrustAnchor>,
}

/// Checks what every format must respect (no public-suffix pinning, enough pins, no pattern twice) with
/// the position of the offending rule, then builds the policy.
pub(crate) fn assemble(mut ctx: Ctx, assembly: Assembly) -> Result<PinConfig, ConfigError> {
    let single_pin_used = assembly
        .drafts
        .iter()
        .filter_map(|d| d.rule.pin_set())
        .any(|set| !set.is_exempt() && set.pins().len() < 2);
    let mut seen = BTreeSet::new();
    let mut report_uris = BTreeMap::new();
    let mut report_positions = Vec::new();
    let mut domains = Vec::new();
    let mut builder = Policy::builder().cleartext_default(assembly.cleartext_default);
    if assembly.single_pin == SinglePin::Allow || single_pin_used {
        builder = builder.dangerous_allow_single_pin();
    }
    for draft in assembly.drafts {
        let rule = &draft.rule;
        let pattern = rule.pattern();
        let pinned = rule.pin_set().filter(|set| !set.is_exempt());
        if let Some(set) = pinned {
            if let Some(suffix) = suffix::covered_public_suffix(pattern, rule.includes_subdomains()) {
                return Err(ctx.err(
                    draft.pos,
                    ConfigErrorKind::PublicSuffix {
                        pattern: describe(pattern, rule.includes_subdomains()),
                        suffix,
                    },
                ));
            }
            let count = set.pins().len();
            let refusal = match assembly.single_pin {
                SinglePin::Refuse(hint) => Some(hint),
                SinglePin::ReportOnly(hint) if set.mode() == crate::PinMode::Enforce => Some(hint),
                _ => None,
            };
            match refusal {
                Some(hint) if count < 2 => {
                    return Err(ctx.err(
                        draft.pos,
                        ConfigErrorKind::TooFewPins {
                            pattern: describe(pattern, rule.includes_subdomains()),
                            count,
                            hint,
                        },
                    ))
                }
                None if count < 2 && assembly.single_pin == SinglePin::Warn => ctx.warn(
                    draft.pos,
                    format!(
                        "{} has a single pin and no backup pin: when that key changes, the app cannot connect \
                         until it is updated (Android allows it; `pinwire check` flags it)",
                        describe(pattern, rule.includes_subdomains())
                    ),
                ),
                _ => {}
            }
        }
        let duplicate = |what: &'static str| {
            ctx.err(
                draft.pos,
                ConfigErrorKind::Policy(PolicyError::DuplicatePattern {
                    pattern: format!("{pattern} ({what})"),
                }),
            )
        };
        if rule.pin_set().is_some() && !seen.insert((pattern.clone(), "pins")) {
            return Err(duplicate("pins"));
        }
        if rule.cleartext().is_some() && !seen.insert((pattern.clone(), "cleartext")) {
            return Err(duplicate("cleartext permission"));
        }
        if !draft.report_uris.is_empty() {
            if report_uris.contains_key(pattern) {
                return Err(duplicate("report URIs"));
            }
            report_positions.push((draft.pos, draft.report_uris.clone()));
            report_uris.insert(pattern.clone(), draft.report_uris);
        }
        if let Some(anchors) = draft.anchors {
            if domains.iter().any(|d: &DomainAnchors| d.pattern == *pattern) {
                return Err(duplicate("trust anchors"));
            }
            domains.push(DomainAnchors {
                pattern: pattern.clone(),
                include_subdomains: rule.includes_subdomains(),
                anchors,
            });
        }
        builder = builder.rule(draft.rule);
    }
    let policy = builder
        .build()
        .map_err(|e| ctx.err(Position::START, ConfigErrorKind::Policy(e)))?;
    warn_about_pinned_report_hosts(&mut ctx, &policy, &report_positions);
    Ok(PinConfig {
        policy,
        report_uris,
        trust: TrustConfig {
            base: assembly.base_anchors,
            domains,
            debug: assembly.debug_anchors,
        },
        warnings: Warnings(ctx.warnings),
    })
}

/// Reports are uploaded without pins (a pin failure may mean the pinned key is gone, and the report
/// must still get out), so a collector on a pinned host is reached with ordinary validation only:
/// an interceptor the device trusts could read the reports there. Worth a warning at load.
fn warn_about_pinned_report_hosts(ctx: &mut Ctx, policy: &Policy, reports: &[(Position, Vec<Url>)]) {
    for (pos, uris) in reports {
        for uri in uris {
            let Some(host) = uri.host_str().and_then(|h| Host::parse(h).ok()) else {
                continue;
            };
            if policy.pins_for(&host).is_some_and(|req| !req.pins.is_exempt()) {
                ctx.warn(
                    *pos,
                    format!(
                        "the report URI {uri} is on {host}, which this configuration pins; reports are uploaded \
                         without pins, so an interceptor the device trusts could read them there (use a collector \
                         on a host that is not pinned, or accept that)"
                    ),
                );
            }
        }
    }
}

/// A report URI: an absolute `http` or `https` URL.
pub(crate) fn parse_report_uri(text: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| format!("report URI {text:?} is not a valid URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(format!("report URI {text:?} must be an http or https URL"));
    }
    Ok(url)
}
