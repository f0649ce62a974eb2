//! The elements of a Network Security Config: configuration entries, domains and pin sets.

use super::trustkit_android::TrustKitTag;
use super::values::{android_bool, android_date, AndroidBool};
use crate::config::digest::{decode_android, is_prefixed};
use crate::config::source::Position;
use crate::config::xml::{attr_pos, node_pos};
use crate::config::{ConfigError, ConfigErrorKind, Ctx, ImportOptions, TrustAnchor};
use crate::host::{Host, HostPattern};
use crate::policy::PinSet;
use roxmltree::Node;
use std::collections::BTreeMap;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Base,
    Domain,
    Debug,
}

impl Kind {
    pub(super) fn element(self) -> &'static str {
        match self {
            Kind::Base => "base-config",
            Kind::Domain => "domain-config",
            Kind::Debug => "debug-overrides",
        }
    }
}

/// One `base-config`, `domain-config` or `debug-overrides`.
#[derive(Default)]
pub(super) struct Entry {
    pub(super) parent: Option<usize>,
    pub(super) pos: Position,
    pub(super) cleartext: Option<bool>,
    pub(super) pins: Option<PinSet>,
    pub(super) anchors: Option<Vec<TrustAnchor>>,
    pub(super) domains: Vec<(HostPattern, bool, Position)>,
    pub(super) trustkit: Option<TrustKitTag>,
    /// Whether a `<domain>` was written, even one that never matches.
    pub(super) has_domain: bool,
}

pub(super) struct Parser<'o> {
    pub(super) ctx: Ctx,
    pub(super) options: &'o ImportOptions,
    pub(super) trustkit: bool,
    pub(super) entries: Vec<Entry>,
    pub(super) seen_domains: BTreeMap<String, Position>,
}

impl Parser<'_> {
    /// The first value found walking up from entry `i` through its parents.
    pub(super) fn inherited<T>(&self, i: usize, get: impl Fn(&Entry) -> Option<T>) -> Option<T> {
        let mut at = Some(i);
        while let Some(index) = at {
            let entry = &self.entries[index];
            if let Some(value) = get(entry) {
                return Some(value);
            }
            at = entry.parent;
        }
        None
    }

    /// The local name of an element in no namespace; `None` for namespaced elements.
    pub(super) fn element_name<'a>(&self, node: Node<'a, '_>) -> Option<&'a str> {
        node.tag_name().namespace().is_none().then(|| node.tag_name().name())
    }

    pub(super) fn duplicate(&self, node: Node<'_, '_>, message: &str) -> ConfigError {
        self.ctx
            .err(node_pos(node), ConfigErrorKind::Duplicate(message.to_string()))
    }

    pub(super) fn unknown_element(&mut self, node: Node<'_, '_>, within: &str) {
        let name = node.tag_name().name();
        self.ctx
            .warn(node_pos(node), format!("unknown element <{name}> in {within} ignored"));
    }

    pub(super) fn unknown_attribute(&mut self, node: Node<'_, '_>, attr: &roxmltree::Attribute<'_, '_>) {
        let message = format!(
            "unknown attribute {:?} on <{}> ignored",
            attr.name(),
            node.tag_name().name()
        );
        self.ctx.warn(attr_pos(node, attr), message);
    }

    /// Warns about every attribute of `node` (namespaced ones, such as `tools:ignore`, are lint hints
    /// and pass silently).
    pub(super) fn no_attributes(&mut self, node: Node<'_, '_>) {
        for attr in node.attributes() {
            if attr.namespace().is_none() {
                self.unknown_attribute(node, &attr);
            }
        }
    }

    /// Child elements of an element that holds text only are an error.
    pub(super) fn text_only<'a>(&self, node: Node<'a, '_>) -> Result<String, ConfigError> {
        if let Some(child) = node.children().find(Node::is_element) {
            return Err(self.ctx.invalid(
                node_pos(child),
                format!("<{}> may hold only text", node.tag_name().name()),
            ));
        }
        Ok(node
            .children()
            .filter(Node::is_text)
            .filter_map(|n| n.text())
            .collect::<String>())
    }

    /// A boolean attribute as Android reads it: typed values as written, anything else the
    /// attribute's `default`, with a warning.
    pub(super) fn bool_attr(&mut self, node: Node<'_, '_>, attr: &roxmltree::Attribute<'_, '_>, default: bool) -> bool {
        match android_bool(attr.value()) {
            AndroidBool::Plain(value) => value,
            AndroidBool::Integer(value) => {
                self.ctx.warn(
                    attr_pos(node, attr),
                    format!(
                        "{}={:?} is an integer, which Android reads as {value}",
                        attr.name(),
                        attr.value()
                    ),
                );
                value
            }
            AndroidBool::Default => {
                self.ctx.warn(
                    attr_pos(node, attr),
                    format!(
                        "{}={:?} is not a boolean, so Android uses its default, {default}",
                        attr.name(),
                        attr.value()
                    ),
                );
                default
            }
        }
    }

    /// Parses a config element; domain-configs (and their nested children, after them) are stored in
    /// `entries`, the returned entry is for base-config and debug-overrides.
    pub(super) fn config_entry(
        &mut self,
        node: Node<'_, '_>,
        kind: Kind,
        parent: Option<usize>,
    ) -> Result<Entry, ConfigError> {
        let mut entry = Entry {
            parent,
            pos: node_pos(node),
            ..Entry::default()
        };
        for attr in node.attributes().filter(|a| a.namespace().is_none()) {
            match attr.name() {
                "cleartextTrafficPermitted" => {
                    // Android's default here is its constant `true`, not the inherited value.
                    let value = self.bool_attr(node, &attr, true);
                    if kind == Kind::Debug {
                        self.ctx.warn(
                            attr_pos(node, &attr),
                            "cleartextTrafficPermitted has no effect in <debug-overrides> and was ignored",
                        );
                    } else {
                        entry.cleartext = Some(value);
                    }
                }
                "hstsEnforced" => {
                    self.ctx.warn(
                        attr_pos(node, &attr),
                        "hstsEnforced is not supported by Pinwire and was ignored",
                    );
                }
                _ => self.unknown_attribute(node, &attr),
            }
        }
        let mut nested = Vec::new();
        let mut seen_pin_set = false;
        let mut seen_trustkit = false;
        for child in node.children().filter(Node::is_element) {
            let not_here = |p: &Self, what: &str| {
                p.ctx.invalid(
                    node_pos(child),
                    format!("{what} is not allowed in <{}>", kind.element()),
                )
            };
            match self.element_name(child) {
                Some("domain") => {
                    if kind != Kind::Domain {
                        return Err(not_here(self, "<domain>"));
                    }
                    if let Some(domain) = self.domain(child)? {
                        entry.domains.push(domain);
                    }
                    entry.has_domain = true;
                }
                Some("trust-anchors") => {
                    if entry.anchors.is_some() {
                        return Err(self.duplicate(child, "only one <trust-anchors> is allowed per configuration"));
                    }
                    entry.anchors = Some(self.trust_anchors(child, kind)?);
                }
                Some("pin-set") => {
                    if kind != Kind::Domain {
                        return Err(not_here(self, "<pin-set>"));
                    }
                    if seen_pin_set {
                        return Err(self.duplicate(child, "only one <pin-set> is allowed per domain-config"));
                    }
                    seen_pin_set = true;
                    entry.pins = Some(self.pin_set(child)?);
                }
                Some("domain-config") => {
                    if kind != Kind::Domain {
                        return Err(not_here(self, "a nested <domain-config>"));
                    }
                    nested.push(child);
                }
                Some("trustkit-config") if self.trustkit && kind == Kind::Domain => {
                    if seen_trustkit {
                        return Err(self.duplicate(child, "only one <trustkit-config> is allowed per domain-config"));
                    }
                    seen_trustkit = true;
                    entry.trustkit = Some(self.trustkit_config(child)?);
                }
                Some("trustkit-config") if !self.trustkit => self.ctx.warn(
                    node_pos(child),
                    "<trustkit-config> is TrustKit-Android's extension, which the Android platform ignores; \
                     it was ignored (read the file as TrustKit-Android XML to apply it)",
                ),
                Some("certificateTransparency") => self.ctx.warn(
                    node_pos(child),
                    "<certificateTransparency> is not supported by Pinwire and was ignored",
                ),
                _ => self.unknown_element(child, &format!("<{}>", kind.element())),
            }
        }
        if kind == Kind::Domain && !entry.has_domain {
            return Err(self.ctx.err(
                entry.pos,
                ConfigErrorKind::Missing("<domain> in this <domain-config>".into()),
            ));
        }
        if kind != Kind::Domain {
            return Ok(entry);
        }
        self.entries.push(entry);
        let index = self.entries.len() - 1;
        for child in nested {
            self.config_entry(child, Kind::Domain, Some(index))?;
        }
        Ok(Entry::default())
    }

    /// A `<domain>`: Android only trims and lower-cases its text and compares it with the host name
    /// of each connection. A value no host name can equal (a pattern, a port, a form that is not
    /// canonical) is kept out of the policy with a warning, as it never matches on Android either.
    pub(super) fn domain(&mut self, node: Node<'_, '_>) -> Result<Option<(HostPattern, bool, Position)>, ConfigError> {
        let pos = node_pos(node);
        let mut include_subdomains = false;
        for attr in node.attributes().filter(|a| a.namespace().is_none()) {
            match attr.name() {
                "includeSubdomains" => include_subdomains = self.bool_attr(node, &attr, false),
                _ => self.unknown_attribute(node, &attr),
            }
        }
        if !node.children().any(|n| n.is_text()) && !node.children().any(|n| n.is_element()) {
            return Err(self
                .ctx
                .err(pos, ConfigErrorKind::Missing("the domain name in <domain>".into())));
        }
        let name = self.text_only(node)?.trim().to_lowercase();
        // Android refuses the same text twice (whatever includeSubdomains says).
        if let Some(first) = self.seen_domains.get(&name) {
            return Err(self.ctx.err(
                pos,
                ConfigErrorKind::Duplicate(format!("{name} has already been specified (at {first})")),
            ));
        }
        self.seen_domains.insert(name.clone(), pos);
        let host = Host::parse(&name).ok().filter(|h| h.as_str() == name);
        let Some(host) = host else {
            if name.contains('_')
                && Host::parse(&name.replace('_', "a")).is_ok_and(|h| h.as_str() == name.replace('_', "a"))
            {
                // Android would apply this domain to such a host, but Pinwire's client refuses any
                // request to a host name with '_' before connecting, so no rule is needed for it.
                self.ctx.warn(
                    pos,
                    format!(
                        "<domain>{name}</domain> is left out: Pinwire refuses requests to host names with '_' \
                         before connecting, so nothing could use it"
                    ),
                );
                return Ok(None);
            }
            let why = if name.contains('*') {
                "a wildcard is not a pattern here (use includeSubdomains=\"true\")"
            } else if name.contains(':') && !name.contains("::") {
                "a port is not part of a host name"
            } else if name.is_empty() {
                "it is empty"
            } else {
                "no host name is written that way"
            };
            self.ctx.warn(
                pos,
                format!("<domain>{name}</domain> can never match a host ({why}); it is ignored, as it never matches on Android"),
            );
            return Ok(None);
        };
        Ok(Some((HostPattern::exact(host), include_subdomains, pos)))
    }

    pub(super) fn pin_set(&mut self, node: Node<'_, '_>) -> Result<PinSet, ConfigError> {
        let mut expiration = None;
        for attr in node.attributes().filter(|a| a.namespace().is_none()) {
            match attr.name() {
                "expiration" => {
                    let value = attr.value();
                    let (date, canonical) = android_date(value).ok_or_else(|| {
                        self.ctx.err(
                            attr_pos(node, &attr),
                            ConfigErrorKind::InvalidDate {
                                value: value.to_string(),
                                expected: "yyyy-MM-dd (Android refuses the file otherwise)",
                            },
                        )
                    })?;
                    if !canonical {
                        self.ctx.warn(
                            attr_pos(node, &attr),
                            format!("expiration={value:?} is read as Android reads it: {date}"),
                        );
                    }
                    expiration = Some(date);
                }
                _ => self.unknown_attribute(node, &attr),
            }
        }
        let mut pins = Vec::new();
        for child in node.children().filter(Node::is_element) {
            if self.element_name(child) != Some("pin") {
                self.unknown_element(child, "<pin-set>");
                continue;
            }
            let pos = node_pos(child);
            let mut digest = None;
            for attr in child.attributes().filter(|a| a.namespace().is_none()) {
                match attr.name() {
                    "digest" => digest = Some((attr.value(), attr_pos(child, &attr))),
                    _ => self.unknown_attribute(child, &attr),
                }
            }
            let (digest, digest_pos) = digest.ok_or_else(|| {
                self.ctx.err(
                    pos,
                    ConfigErrorKind::Missing("the digest attribute (digest=\"SHA-256\") on <pin>".into()),
                )
            })?;
            if !digest.trim().eq_ignore_ascii_case("SHA-256") {
                return Err(self.ctx.err(
                    digest_pos,
                    ConfigErrorKind::UnsupportedDigest {
                        digest: digest.to_string(),
                    },
                ));
            }
            let text = self.text_only(child)?.trim().to_string();
            if text.is_empty() {
                return Err(self
                    .ctx
                    .err(pos, ConfigErrorKind::Missing("the base64 digest in <pin>".into())));
            }
            if is_prefixed(&text, decode_android) {
                return Err(self.ctx.invalid(
                    pos,
                    "<pin> holds the base64 digest only, without the \"sha256/\" prefix",
                ));
            }
            let decoded =
                decode_android(&text).map_err(|reason| self.ctx.invalid(pos, format!("<pin> {text:?}: {reason}")))?;
            for note in decoded.notes {
                self.ctx.warn(pos, format!("<pin> {text:?} {note}"));
            }
            let pin = decoded.pin;
            if pins.contains(&pin) {
                self.ctx.warn(pos, format!("pin {text} is listed twice"));
            }
            pins.push(pin);
        }
        let mut set = PinSet::new(pins).map_err(|e| self.ctx.invalid(node_pos(node), e.to_string()))?;
        if let Some(date) = expiration {
            set = set.expires_on(date);
        }
        Ok(set)
    }
}
