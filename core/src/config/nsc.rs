//! Android's Network Security Config (`res/xml/network_security_config.xml`), read with the platform's
//! semantics (AOSP `XmlConfigSource`), and written back.
//!
//! - `base-config` (at most one) sets the defaults; without it the platform's defaults apply, which
//!   depend on `targetSdkVersion`: cleartext is permitted below 28, user CAs are trusted up to 23.
//! - `domain-config` may nest; a child inherits every setting it does not set from its parent, and a
//!   top-level one from `base-config`. A host gets the configuration of the most specific `domain` that
//!   matches it **as a whole**: a domain-config without a `pin-set` is not pinned even under a pinned
//!   broader domain. The importer writes such inherited or cleared values explicitly into each rule, so
//!   the [`Policy`](crate::Policy) behaves the same.
//! - `pin-set expiration="yyyy-MM-dd"`; `pin digest="SHA-256"` only.
//! - `trust-anchors` / `certificates src="system|user|@raw/name" overridePins`.
//! - `debug-overrides` applies only when [`ImportOptions::debuggable`](super::ImportOptions::debuggable)
//!   says so; its `overridePins` default to true.
//!
//! With TrustKit-Android's extension, a `domain-config` may also hold `trustkit-config enforcePinning
//! disableDefaultReportUri` with `report-uri` children; these are inherited by nested domain-configs.

use super::source::{attr_pos, node_pos, parse_xml, Position};
use super::{
    assemble, certificates_pem, date_only, parse_certificates, parse_date, parse_report_uri, valid_resource_name,
    AnchorSource, Assembly, ConfigError, ConfigErrorKind, Ctx, Draft, ExportError, Exported, ImportOptions, PinConfig,
    RawResources, TrustAnchor,
};
use crate::host::{Host, HostPattern, PatternKind};
use crate::pin::Pin;
use crate::policy::{DomainRule, PinMode, PinSet};
use reqwest::Url;
use roxmltree::Node;
use std::collections::BTreeMap;
use std::fmt::Write as _;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Base,
    Domain,
    Debug,
}

impl Kind {
    fn element(self) -> &'static str {
        match self {
            Kind::Base => "base-config",
            Kind::Domain => "domain-config",
            Kind::Debug => "debug-overrides",
        }
    }
}

/// TrustKit-Android's `trustkit-config`.
#[derive(Clone, Default)]
struct TrustKitTag {
    enforce: bool,
    disable_default_report_uri: Option<bool>,
    report_uris: Vec<Url>,
}

/// One `base-config`, `domain-config` or `debug-overrides`.
#[derive(Default)]
struct Entry {
    parent: Option<usize>,
    pos: Position,
    cleartext: Option<bool>,
    pins: Option<PinSet>,
    anchors: Option<Vec<TrustAnchor>>,
    domains: Vec<(HostPattern, bool, Position)>,
    trustkit: Option<TrustKitTag>,
}

struct Parser<'o> {
    ctx: Ctx,
    options: &'o ImportOptions,
    trustkit: bool,
    entries: Vec<Entry>,
    seen_domains: BTreeMap<String, Position>,
}

pub(crate) fn import(
    text: &str,
    file: &str,
    options: &ImportOptions,
    trustkit: bool,
) -> Result<PinConfig, ConfigError> {
    let ctx = Ctx::new(file);
    let doc = parse_xml(text, &ctx)?;
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
    let mut debug: Option<(Entry, Position)> = None;
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
                if debug.is_some() {
                    return Err(p.duplicate(child, "only one <debug-overrides> is allowed"));
                }
                debug = Some((p.config_entry(child, Kind::Debug, None)?, node_pos(child)));
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
    let debug_anchors = match debug {
        Some((entry, _)) if options.is_debuggable() => entry.anchors.unwrap_or_default(),
        _ => Vec::new(),
    };

    let mut drafts = Vec::new();
    let mut report_only_single_pin = false;
    for i in 0..p.entries.len() {
        let trustkit_tag = p.inherited(i, |e| e.trustkit.clone());
        let pins = p.inherited(i, |e| e.pins.clone());
        let cleartext = p.inherited(i, |e| e.cleartext);
        let anchors = p.inherited(i, |e| e.anchors.clone());
        let entry = &p.entries[i];
        let mut report_uris = Vec::new();
        let pins = match (pins, &trustkit_tag) {
            (Some(set), Some(tag)) => {
                report_only_single_pin = true;
                if tag.enforce && set.is_exempt() {
                    return Err(p.ctx.invalid(
                        entry.pos,
                        "an empty pin-set cannot be used with TrustKit-Android's enforcePinning=\"true\"",
                    ));
                }
                if tag.disable_default_report_uri != Some(true) && !set.is_exempt() {
                    p.ctx.warn(
                        entry.pos,
                        "TrustKit-Android would also send pin failure reports to its default report URI \
                         (disableDefaultReportUri is not \"true\"); Pinwire reports only to the report-uri entries",
                    );
                }
                report_uris = tag.report_uris.clone();
                let mode = if tag.enforce {
                    PinMode::Enforce
                } else {
                    PinMode::ReportOnly
                };
                Some(set.with_mode(mode))
            }
            (pins, _) => pins,
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
            allow_single_pin: options.allow_single_pin,
            report_only_single_pin,
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

impl Parser<'_> {
    /// The first value found walking up from entry `i` through its parents.
    fn inherited<T>(&self, i: usize, get: impl Fn(&Entry) -> Option<T>) -> Option<T> {
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
    fn element_name<'a>(&self, node: Node<'a, '_>) -> Option<&'a str> {
        node.tag_name().namespace().is_none().then(|| node.tag_name().name())
    }

    fn duplicate(&self, node: Node<'_, '_>, message: &str) -> ConfigError {
        self.ctx
            .err(node_pos(node), ConfigErrorKind::Duplicate(message.to_string()))
    }

    fn unknown_element(&mut self, node: Node<'_, '_>, within: &str) {
        let name = node.tag_name().name();
        self.ctx
            .warn(node_pos(node), format!("unknown element <{name}> in {within} ignored"));
    }

    fn unknown_attribute(&mut self, node: Node<'_, '_>, attr: &roxmltree::Attribute<'_, '_>) {
        let message = format!(
            "unknown attribute {:?} on <{}> ignored",
            attr.name(),
            node.tag_name().name()
        );
        self.ctx.warn(attr_pos(node, attr), message);
    }

    /// Warns about every attribute of `node` (namespaced ones, such as `tools:ignore`, are lint hints
    /// and pass silently).
    fn no_attributes(&mut self, node: Node<'_, '_>) {
        for attr in node.attributes() {
            if attr.namespace().is_none() {
                self.unknown_attribute(node, &attr);
            }
        }
    }

    /// Child elements of an element that holds text only are an error.
    fn text_only<'a>(&self, node: Node<'a, '_>) -> Result<String, ConfigError> {
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

    fn bool_attr(&self, node: Node<'_, '_>, attr: &roxmltree::Attribute<'_, '_>) -> Result<bool, ConfigError> {
        match attr.value().trim() {
            v if v.eq_ignore_ascii_case("true") => Ok(true),
            v if v.eq_ignore_ascii_case("false") => Ok(false),
            other => Err(self.ctx.invalid(
                attr_pos(node, attr),
                format!("{} must be \"true\" or \"false\", not {other:?}", attr.name()),
            )),
        }
    }

    /// Parses a config element; domain-configs (and their nested children, after them) are stored in
    /// `entries`, the returned entry is for base-config and debug-overrides.
    fn config_entry(&mut self, node: Node<'_, '_>, kind: Kind, parent: Option<usize>) -> Result<Entry, ConfigError> {
        let mut entry = Entry {
            parent,
            pos: node_pos(node),
            ..Entry::default()
        };
        for attr in node.attributes().filter(|a| a.namespace().is_none()) {
            match attr.name() {
                "cleartextTrafficPermitted" => {
                    let value = self.bool_attr(node, &attr)?;
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
                    self.bool_attr(node, &attr)?;
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
                    let domain = self.domain(child)?;
                    entry.domains.push(domain);
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
        if kind == Kind::Domain && entry.domains.is_empty() {
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

    fn domain(&mut self, node: Node<'_, '_>) -> Result<(HostPattern, bool, Position), ConfigError> {
        let pos = node_pos(node);
        let mut include_subdomains = false;
        for attr in node.attributes().filter(|a| a.namespace().is_none()) {
            match attr.name() {
                "includeSubdomains" => include_subdomains = self.bool_attr(node, &attr)?,
                _ => self.unknown_attribute(node, &attr),
            }
        }
        let name = self.text_only(node)?.trim().to_ascii_lowercase();
        if name.is_empty() {
            return Err(self
                .ctx
                .err(pos, ConfigErrorKind::Missing("the domain name in <domain>".into())));
        }
        if name.contains('*') {
            return Err(self.ctx.invalid(
                pos,
                format!("<domain> takes a host name, not a pattern ({name:?}): use includeSubdomains=\"true\""),
            ));
        }
        let host = Host::parse(&name).map_err(|e| self.ctx.err(pos, ConfigErrorKind::Host(e)))?;
        if let Some(first) = self.seen_domains.get(host.as_str()) {
            return Err(self.ctx.err(
                pos,
                ConfigErrorKind::Duplicate(format!("{host} has already been specified (at {first})")),
            ));
        }
        self.seen_domains.insert(host.to_string(), pos);
        Ok((HostPattern::exact(host), include_subdomains, pos))
    }

    fn pin_set(&mut self, node: Node<'_, '_>) -> Result<PinSet, ConfigError> {
        let mut expiration = None;
        for attr in node.attributes().filter(|a| a.namespace().is_none()) {
            match attr.name() {
                "expiration" => {
                    let value = attr.value().trim();
                    let date = parse_date(value).ok_or_else(|| {
                        self.ctx.err(
                            attr_pos(node, &attr),
                            ConfigErrorKind::InvalidDate {
                                value: value.to_string(),
                                expected: "yyyy-MM-dd",
                            },
                        )
                    })?;
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
            let text: String = self.text_only(child)?.split_ascii_whitespace().collect();
            if text.is_empty() {
                return Err(self
                    .ctx
                    .err(pos, ConfigErrorKind::Missing("the base64 digest in <pin>".into())));
            }
            if text.starts_with(crate::pin::PIN_PREFIX) {
                return Err(self.ctx.invalid(
                    pos,
                    "<pin> holds the base64 digest only, without the \"sha256/\" prefix",
                ));
            }
            let pin: Pin = format!("{}{text}", crate::pin::PIN_PREFIX)
                .parse()
                .map_err(|e| self.ctx.err(pos, ConfigErrorKind::Pin(e)))?;
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

    fn trust_anchors(&mut self, node: Node<'_, '_>, kind: Kind) -> Result<Vec<TrustAnchor>, ConfigError> {
        self.no_attributes(node);
        // Android reads debug-overrides only in debuggable builds; elsewhere its structure is still
        // checked, but its raw resources (often present only in the debug source set) are not read.
        let resolve = kind != Kind::Debug || self.options.is_debuggable();
        let mut anchors = Vec::new();
        for child in node.children().filter(Node::is_element) {
            if self.element_name(child) != Some("certificates") {
                self.unknown_element(child, "<trust-anchors>");
                continue;
            }
            let pos = node_pos(child);
            let mut src = None;
            let mut override_pins = kind == Kind::Debug;
            for attr in child.attributes().filter(|a| a.namespace().is_none()) {
                match attr.name() {
                    "src" => src = Some((attr.value().trim(), attr_pos(child, &attr))),
                    "overridePins" => override_pins = self.bool_attr(child, &attr)?,
                    _ => self.unknown_attribute(child, &attr),
                }
            }
            if let Some(inner) = child.children().find(Node::is_element) {
                self.unknown_element(inner, "<certificates>");
            }
            let (src, src_pos) = src.ok_or_else(|| {
                self.ctx.err(
                    pos,
                    ConfigErrorKind::Missing("the src attribute on <certificates>".into()),
                )
            })?;
            let source = match src {
                "system" => AnchorSource::System,
                "user" => AnchorSource::User,
                "wfa" => {
                    return Err(self.ctx.invalid(
                        src_pos,
                        "certificates src=\"wfa\" (Wi-Fi Alliance CAs) is not supported by Pinwire",
                    ))
                }
                _ => match src.strip_prefix("@raw/") {
                    Some(name) => {
                        if !valid_resource_name(name) {
                            return Err(self.ctx.invalid(
                                src_pos,
                                format!("{name:?} is not a valid resource name (lower-case letters, digits, '_')"),
                            ));
                        }
                        let certificates = if resolve {
                            let bytes = self.raw_resource(name, src_pos)?;
                            parse_certificates(&bytes).map_err(|reason| {
                                self.ctx.err(
                                    src_pos,
                                    ConfigErrorKind::Resource {
                                        name: name.to_string(),
                                        reason,
                                    },
                                )
                            })?
                        } else {
                            Vec::new()
                        };
                        AnchorSource::Bundled {
                            name: name.to_string(),
                            certificates,
                        }
                    }
                    None => {
                        return Err(self.ctx.invalid(
                            src_pos,
                            format!("unknown certificates src {src:?}: use \"system\", \"user\" or \"@raw/name\""),
                        ))
                    }
                },
            };
            if source == AnchorSource::System && override_pins {
                self.ctx.warn(pos, crate::trust::SYSTEM_OVERRIDE_PINS_WARNING);
            }
            anchors.push(TrustAnchor { source, override_pins });
        }
        Ok(anchors)
    }

    fn raw_resource(&self, name: &str, pos: Position) -> Result<Vec<u8>, ConfigError> {
        let fail = |reason: String| {
            self.ctx.err(
                pos,
                ConfigErrorKind::Resource {
                    name: name.to_string(),
                    reason,
                },
            )
        };
        match &self.options.raw {
            RawResources::None => Err(fail(
                "no raw resources were given to resolve @raw/ references (ImportOptions::raw_resources)".into(),
            )),
            RawResources::Map(map) => map
                .get(name)
                .cloned()
                .ok_or_else(|| fail("not among the raw resources given".into())),
            RawResources::Directory(dir) => {
                let listing =
                    std::fs::read_dir(dir).map_err(|e| fail(format!("cannot list {}: {e}", dir.display())))?;
                let mut found = Vec::new();
                for item in listing {
                    let item = item.map_err(|e| fail(format!("cannot list {}: {e}", dir.display())))?;
                    let file_name = item.file_name();
                    let file_name = file_name.to_string_lossy();
                    // aapt names a resource after its file name up to the first dot.
                    let stem = file_name.split('.').next().unwrap_or_default();
                    if stem == name && item.path().is_file() {
                        found.push(item.path());
                    }
                }
                match found.as_slice() {
                    [] => Err(fail(format!("no file {name} or {name}.* in {}", dir.display()))),
                    [path] => std::fs::read(path).map_err(|e| fail(format!("cannot read {}: {e}", path.display()))),
                    _ => Err(fail(format!("several files in {} are named {name}", dir.display()))),
                }
            }
        }
    }

    fn trustkit_config(&mut self, node: Node<'_, '_>) -> Result<TrustKitTag, ConfigError> {
        // TrustKit-Android: enforcePinning defaults to false once a trustkit-config is present.
        let mut tag = TrustKitTag::default();
        let mut enforce_given = false;
        for attr in node.attributes().filter(|a| a.namespace().is_none()) {
            match attr.name() {
                "enforcePinning" => {
                    tag.enforce = self.bool_attr(node, &attr)?;
                    enforce_given = true;
                }
                "disableDefaultReportUri" => tag.disable_default_report_uri = Some(self.bool_attr(node, &attr)?),
                _ => self.unknown_attribute(node, &attr),
            }
        }
        if !enforce_given {
            self.ctx.warn(
                node_pos(node),
                "enforcePinning is not set: TrustKit-Android's default is false, so these pins are report-only",
            );
        }
        for child in node.children().filter(Node::is_element) {
            if self.element_name(child) != Some("report-uri") {
                self.unknown_element(child, "<trustkit-config>");
                continue;
            }
            let text = self.text_only(child)?;
            let uri = parse_report_uri(&text).map_err(|m| self.ctx.invalid(node_pos(child), m))?;
            tag.report_uris.push(uri);
        }
        Ok(tag)
    }
}

// ---------------------------------------------------------------------------------------------------
// Export.

const FORMAT: &str = "Android Network Security Config";

struct DomainOut {
    host: Host,
    subdomains: bool,
    pins: Option<PinSet>,
    cleartext: Option<bool>,
    anchors: Option<Vec<TrustAnchor>>,
}

/// How an NSC `domain` expresses a pattern: the host, and whether subdomains are included.
pub(crate) fn as_domain(
    pattern: &HostPattern,
    include_subdomains: bool,
    format: &'static str,
) -> Result<(Host, bool), ExportError> {
    match pattern.kind() {
        PatternKind::Exact => Ok((pattern.base().clone(), include_subdomains)),
        PatternKind::AnyDepth => Ok((pattern.base().clone(), true)),
        PatternKind::OneLabel => Err(ExportError {
            format,
            reason: format!(
                "{pattern} matches exactly one label below {}; the format can only say a domain with or \
                 without all its subdomains",
                pattern.base()
            ),
        }),
    }
}

pub(crate) fn export(config: &PinConfig) -> Result<Exported, ExportError> {
    let fail = |reason: String| ExportError { format: FORMAT, reason };
    let policy = config.policy();
    let mut warnings = Vec::new();
    let mut domains: Vec<DomainOut> = Vec::new();
    let find_or_add = |domains: &mut Vec<DomainOut>, host: Host, subdomains: bool| -> Result<usize, ExportError> {
        match domains.iter().position(|d| d.host == host) {
            Some(i) if domains[i].subdomains != subdomains => Err(fail(format!(
                "{host} is configured both with and without its subdomains; NSC allows each domain once"
            ))),
            Some(i) => Ok(i),
            None => {
                domains.push(DomainOut {
                    host,
                    subdomains,
                    pins: None,
                    cleartext: None,
                    anchors: None,
                });
                Ok(domains.len() - 1)
            }
        }
    };
    for rule in policy.rules() {
        let (host, subdomains) = as_domain(rule.pattern(), rule.includes_subdomains(), FORMAT)?;
        let i = find_or_add(&mut domains, host, subdomains)?;
        if let Some(set) = rule.pin_set() {
            if domains[i].pins.replace(set.clone()).is_some() {
                return Err(fail(format!("{} has two pin sets", rule.pattern())));
            }
        }
        if let Some(permitted) = rule.cleartext() {
            if domains[i].cleartext.replace(permitted).is_some() {
                return Err(fail(format!("{} has two cleartext permissions", rule.pattern())));
            }
        }
    }
    for d in &config.trust().domains {
        let (host, subdomains) = as_domain(&d.pattern, d.include_subdomains, FORMAT)?;
        let i = find_or_add(&mut domains, host, subdomains)?;
        if domains[i].anchors.replace(d.anchors.clone()).is_some() {
            return Err(fail(format!("{} has two sets of trust anchors", d.pattern)));
        }
    }
    // A domain-config takes nothing from broader domains: write what the policy would inherit.
    for d in &mut domains {
        if d.pins.is_none() {
            d.pins = policy.pins_for(&d.host).map(|req| req.pins.clone());
        }
        let cleartext_from_elsewhere = policy
            .rules()
            .iter()
            .any(|r| r.cleartext().is_some() && r.pattern().matches(&d.host, r.includes_subdomains()));
        if d.cleartext.is_none() && cleartext_from_elsewhere {
            d.cleartext = Some(policy.cleartext_permitted(&d.host));
        }
        let anchors_from_elsewhere = config
            .trust()
            .domains
            .iter()
            .any(|a| a.pattern.matches(&d.host, a.include_subdomains));
        if d.anchors.is_none() && anchors_from_elsewhere {
            d.anchors = Some(config.anchors_for(&d.host, false).into_iter().cloned().collect());
        }
    }
    if !config.report_uris().is_empty() {
        warnings.push("NSC has no pin failure reporting: the report URIs were left out".to_string());
    }

    let mut files = BTreeMap::new();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!-- Generated by Pinwire -->\n");
    xml.push_str("<network-security-config>\n");
    let _ = writeln!(
        xml,
        "    <base-config cleartextTrafficPermitted=\"{}\">",
        policy.cleartext_default()
    );
    write_anchors(&mut xml, "        ", &config.trust().base, &mut files)?;
    xml.push_str("    </base-config>\n");
    for d in &domains {
        match d.cleartext {
            Some(permitted) => {
                let _ = writeln!(xml, "    <domain-config cleartextTrafficPermitted=\"{permitted}\">");
            }
            None => xml.push_str("    <domain-config>\n"),
        }
        let _ = writeln!(
            xml,
            "        <domain includeSubdomains=\"{}\">{}</domain>",
            d.subdomains,
            escape(d.host.as_str())
        );
        if let Some(set) = &d.pins {
            if set.mode() == PinMode::ReportOnly {
                return Err(fail(format!(
                    "the pins of {} are report-only, which NSC cannot say (it would enforce them)",
                    d.host
                )));
            }
            match set.expiration() {
                Some(instant) => {
                    let date = date_only(instant).ok_or_else(|| {
                        fail(format!(
                            "the pins of {} expire at {instant}, but NSC expirations are whole days (00:00 UTC)",
                            d.host
                        ))
                    })?;
                    let _ = writeln!(xml, "        <pin-set expiration=\"{date}\">");
                }
                None => xml.push_str("        <pin-set>\n"),
            }
            for pin in set.pins() {
                let text = pin.to_string();
                let digest = text.strip_prefix(crate::pin::PIN_PREFIX).unwrap_or(&text);
                let _ = writeln!(xml, "            <pin digest=\"SHA-256\">{}</pin>", escape(digest));
            }
            xml.push_str("        </pin-set>\n");
            if set.pins().len() == 1 {
                warnings.push(format!(
                    "{} has a single pin: import the file with ImportOptions::dangerous_allow_single_pin",
                    d.host
                ));
            }
        }
        if let Some(anchors) = &d.anchors {
            write_anchors(&mut xml, "        ", anchors, &mut files)?;
        }
        xml.push_str("    </domain-config>\n");
    }
    if !config.trust().debug.is_empty() {
        xml.push_str("    <debug-overrides>\n");
        write_anchors(&mut xml, "        ", &config.trust().debug, &mut files)?;
        xml.push_str("    </debug-overrides>\n");
    }
    xml.push_str("</network-security-config>\n");
    Ok(Exported {
        text: xml,
        files,
        warnings,
    })
}

fn write_anchors(
    xml: &mut String,
    indent: &str,
    anchors: &[TrustAnchor],
    files: &mut BTreeMap<String, Vec<u8>>,
) -> Result<(), ExportError> {
    let _ = writeln!(xml, "{indent}<trust-anchors>");
    for anchor in anchors {
        let src = match &anchor.source {
            AnchorSource::System => "system".to_string(),
            AnchorSource::User => "user".to_string(),
            AnchorSource::Bundled { name, certificates } => {
                if !valid_resource_name(name) {
                    return Err(ExportError {
                        format: FORMAT,
                        reason: format!("{name:?} is not a valid Android resource name"),
                    });
                }
                let pem = certificates_pem(certificates).into_bytes();
                if files.get(name).is_some_and(|existing| *existing != pem) {
                    return Err(ExportError {
                        format: FORMAT,
                        reason: format!("two different bundled anchors are named {name:?}"),
                    });
                }
                files.insert(name.clone(), pem);
                format!("@raw/{name}")
            }
        };
        let _ = writeln!(
            xml,
            "{indent}    <certificates src=\"{}\" overridePins=\"{}\" />",
            escape(&src),
            anchor.override_pins
        );
    }
    let _ = writeln!(xml, "{indent}</trust-anchors>");
    Ok(())
}

/// Escapes text for XML content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}
