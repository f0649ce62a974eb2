//! Reading a Network Security Config: the document, then each domain's settings with inheritance
//! resolved, then the shared checks.

use super::parser::{Entry, Kind, Parser};
use crate::config::xml::{node_pos, parse_android_xml};
use crate::config::{assemble, Assembly, ConfigError, Ctx, Draft, ImportOptions, PinConfig, SinglePin, TrustAnchor};
use crate::policy::{DomainRule, PinMode, PinSet};
use roxmltree::Node;
use std::collections::BTreeMap;

const TRUSTKIT_ANDROID_SINGLE_PIN: &str = "TrustKit-Android requires two for every domain; read the file as an \
                                           Android NSC instead (--format nsc on the command line, fromNscXml in \
                                           Kotlin), which accepts one as Android does";

pub(crate) fn import(
    text: &str,
    file: &str,
    options: &ImportOptions,
    trustkit: bool,
) -> Result<PinConfig, ConfigError> {
    let ctx = Ctx::new(file);
    let doc = parse_android_xml(text, &ctx)?;
    let root = doc.root_element();
    if root.tag_name().namespace().is_some() || root.tag_name().name() != "network-security-config" {
        return Err(ctx.invalid(
            node_pos(root),
            format!(
                "the root element must be <network-security-config>, not <{}>",
                root.tag_name().name()
            ),
        ));
    }
    let mut p = Parser {
        ctx,
        options,
        trustkit,
        entries: Vec::new(),
        seen_domains: BTreeMap::new(),
    };
    p.no_attributes(root);
    let mut base: Option<Entry> = None;
    let mut debug: Option<Entry> = None;
    let mut seen_debug = false;
    for child in root.children().filter(Node::is_element) {
        match p.element_name(child) {
            Some("base-config") => {
                if base.is_some() {
                    return Err(p.duplicate(child, "only one <base-config> is allowed"));
                }
                base = Some(p.config_entry(child, Kind::Base, None)?);
            }
            Some("domain-config") => {
                p.config_entry(child, Kind::Domain, None)?;
            }
            Some("debug-overrides") => {
                if seen_debug {
                    return Err(p.duplicate(child, "only one <debug-overrides> is allowed"));
                }
                seen_debug = true;
                if options.is_debuggable() {
                    debug = Some(p.config_entry(child, Kind::Debug, None)?);
                } else {
                    // Android skips the element unread in a release build.
                    p.ctx.warn(
                        node_pos(child),
                        "<debug-overrides> was left out: this is a release-build import (apply it with --debuggable \
                         on the command line, debuggable = true in Kotlin and Swift)",
                    );
                }
            }
            _ => p.unknown_element(child, "<network-security-config>"),
        }
    }

    let target_sdk = options.target_sdk_version();
    let cleartext_default = base.as_ref().and_then(|b| b.cleartext).unwrap_or(target_sdk < 28);
    let base_anchors = base.and_then(|b| b.anchors).unwrap_or_else(|| {
        let mut platform = vec![TrustAnchor::system()];
        if target_sdk <= 23 {
            platform.push(TrustAnchor::user());
        }
        platform
    });
    let debug_anchors = debug.and_then(|entry| entry.anchors).unwrap_or_default();

    let mut drafts = Vec::new();
    for i in 0..p.entries.len() {
        let trustkit_tag = p.inherited(i, |e| e.trustkit.clone());
        let pins = p.inherited(i, |e| e.pins.clone());
        let cleartext = p.inherited(i, |e| e.cleartext);
        let anchors = p.inherited(i, |e| e.anchors.clone());
        let entry = &p.entries[i];
        let mut report_uris = Vec::new();
        let pins = match pins {
            Some(set) if p.trustkit => {
                let tag = trustkit_tag.clone().unwrap_or_default();
                if tag.enforce == Some(true) && set.is_exempt() {
                    return Err(p.ctx.invalid(
                        entry.pos,
                        "an empty pin-set cannot be used with TrustKit-Android's enforcePinning=\"true\"",
                    ));
                }
                if !set.is_exempt() {
                    // TrustKit-Android enforces only where enforcePinning="true" applies; a
                    // trustkit-config without it and no trustkit-config at all are the same.
                    if tag.enforce.is_none() {
                        let why = if trustkit_tag.is_some() {
                            "its <trustkit-config> does not set enforcePinning"
                        } else {
                            "no <trustkit-config> applies to this domain"
                        };
                        p.ctx.warn(
                            entry.pos,
                            format!(
                                "{why}, and TrustKit-Android's default is not to enforce: these pins are report-only \
                                 (set enforcePinning=\"true\", or read the file as an Android NSC: --format nsc)"
                            ),
                        );
                    }
                    if tag.disable_default_report_uri != Some(true) {
                        p.ctx.warn(
                            entry.pos,
                            "TrustKit-Android would also send pin failure reports to its default report URI \
                             (disableDefaultReportUri is not \"true\"); Pinwire reports only to the report-uri entries",
                        );
                    }
                }
                report_uris = tag.report_uris.clone();
                let mode = if tag.enforce == Some(true) {
                    PinMode::Enforce
                } else {
                    PinMode::ReportOnly
                };
                Some(set.with_mode(mode))
            }
            pins => pins,
        };
        for (pattern, include_subdomains, pos) in &entry.domains {
            let mut rule = DomainRule::new(&pattern.to_string())
                .map_err(|e| p.ctx.invalid(*pos, e.to_string()))?
                .include_subdomains(*include_subdomains);
            if let Some(set) = &pins {
                rule = rule.pins(set.clone());
            }
            if let Some(permitted) = cleartext {
                rule = rule.cleartext_permitted(permitted);
            }
            drafts.push(Draft {
                rule,
                pos: *pos,
                report_uris: if pins.is_some() {
                    report_uris.clone()
                } else {
                    Vec::new()
                },
                anchors: anchors.clone(),
            });
        }
    }
    clear_inherited_from_other_domains(&mut drafts, cleartext_default, &base_anchors);
    assemble(
        p.ctx,
        Assembly {
            drafts,
            cleartext_default,
            single_pin: match (trustkit, options.allow_single_pin) {
                (false, _) | (true, true) => SinglePin::Warn,
                (true, false) => SinglePin::Refuse(TRUSTKIT_ANDROID_SINGLE_PIN),
            },
            base_anchors,
            debug_anchors,
        },
    )
}

/// In NSC a host takes everything from its most specific `domain`; in a [`Policy`](crate::Policy) a rule
/// that leaves pins (or cleartext) unset defers to a broader rule. Where a broader domain would leak
/// its value into a rule that leaves it unset, set the value the platform would use.
fn clear_inherited_from_other_domains(drafts: &mut [Draft], cleartext_default: bool, base_anchors: &[TrustAnchor]) {
    for i in 0..drafts.len() {
        let base = drafts[i].rule.pattern().base().clone();
        let broader = |pred: &dyn Fn(&Draft) -> bool| {
            drafts
                .iter()
                .enumerate()
                .any(|(j, d)| j != i && pred(d) && d.rule.pattern().matches(&base, d.rule.includes_subdomains()))
        };
        let pins_leak = drafts[i].rule.pin_set().is_none() && broader(&|d| d.rule.pin_set().is_some());
        let cleartext_leak = drafts[i].rule.cleartext().is_none() && broader(&|d| d.rule.cleartext().is_some());
        let anchors_leak = drafts[i].anchors.is_none() && broader(&|d| d.anchors.is_some());
        if pins_leak {
            drafts[i].rule = drafts[i].rule.clone().pins(PinSet::exempt());
        }
        if cleartext_leak {
            drafts[i].rule = drafts[i].rule.clone().cleartext_permitted(cleartext_default);
        }
        if anchors_leak {
            drafts[i].anchors = Some(base_anchors.to_vec());
        }
    }
}
