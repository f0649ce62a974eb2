//! `trust-anchors`: which CAs a configuration trusts, and the `@raw/` resources they name.

use super::parser::{Kind, Parser};
use super::values::java_parse_boolean;
use crate::config::source::Position;
use crate::config::xml::{attr_pos, node_pos};
use crate::config::{
    bundled_anchor, valid_resource_name, AnchorSource, ConfigError, ConfigErrorKind, RawResources, TrustAnchor,
};
use roxmltree::Node;

impl Parser<'_> {
    pub(super) fn trust_anchors(&mut self, node: Node<'_, '_>, kind: Kind) -> Result<Vec<TrustAnchor>, ConfigError> {
        self.no_attributes(node);
        // TrustKit-Android reads debug-overrides its own way: only `@raw/` certificates, and one
        // overridePins for all of them (false unless written "true"; false if they disagree).
        let trustkit_debug = kind == Kind::Debug && self.trustkit;
        let mut anchors = Vec::new();
        for child in node.children().filter(Node::is_element) {
            if self.element_name(child) != Some("certificates") {
                self.unknown_element(child, "<trust-anchors>");
                continue;
            }
            let pos = node_pos(child);
            let mut src = None;
            let mut override_pins = kind == Kind::Debug && !trustkit_debug;
            for attr in child.attributes().filter(|a| a.namespace().is_none()) {
                match attr.name() {
                    "src" => src = Some((attr.value().trim(), attr_pos(child, &attr))),
                    "overridePins" if trustkit_debug => override_pins = java_parse_boolean(attr.value()),
                    "overridePins" => override_pins = self.bool_attr(child, &attr, kind == Kind::Debug),
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
                        let bytes = self.raw_resource(name, src_pos)?;
                        bundled_anchor(&self.ctx, name, &bytes, src_pos)?
                    }
                    None => {
                        return Err(self.ctx.invalid(
                            src_pos,
                            format!("unknown certificates src {src:?}: use \"system\", \"user\" or \"@raw/name\""),
                        ))
                    }
                },
            };
            if trustkit_debug && matches!(source, AnchorSource::System | AnchorSource::User) {
                self.ctx.warn(
                    src_pos,
                    format!(
                        "TrustKit-Android ignores src={src:?} in <debug-overrides> (only @raw/ certificates); left out"
                    ),
                );
                continue;
            }
            if source == AnchorSource::System && override_pins {
                self.ctx.warn(pos, crate::trust::SYSTEM_OVERRIDE_PINS_WARNING);
            }
            anchors.push(TrustAnchor { source, override_pins });
        }
        if trustkit_debug && anchors.iter().any(|a| a.override_pins) && anchors.iter().any(|a| !a.override_pins) {
            self.ctx.warn(
                node_pos(node),
                "the debug certificates disagree on overridePins, so TrustKit-Android uses false for all of them",
            );
            for anchor in &mut anchors {
                anchor.override_pins = false;
            }
        }
        Ok(anchors)
    }

    pub(super) fn raw_resource(&self, name: &str, pos: Position) -> Result<Vec<u8>, ConfigError> {
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
                "no raw resources were given to resolve @raw/ references (give the app's res/raw directory: \
                 --raw-dir DIR on the command line, rawResources in Kotlin and Swift)"
                    .into(),
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
}
