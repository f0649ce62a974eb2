//! TrustKit-Android's `trustkit-config` inside a `domain-config`.

use super::parser::Parser;
use super::values::java_parse_boolean;
use crate::config::parse_report_uri;
use crate::config::xml::{attr_pos, node_pos};
use crate::config::ConfigError;
use reqwest::Url;
use roxmltree::Node;

/// TrustKit-Android's `trustkit-config`.
#[derive(Clone, Default)]
pub(super) struct TrustKitTag {
    /// `enforcePinning` if written; TrustKit-Android's default is false.
    pub(super) enforce: Option<bool>,
    pub(super) disable_default_report_uri: Option<bool>,
    pub(super) report_uris: Vec<Url>,
}

impl Parser<'_> {
    /// A boolean as TrustKit-Android reads its own attributes (`Boolean.parseBoolean`).
    fn trustkit_bool(&mut self, node: Node<'_, '_>, attr: &roxmltree::Attribute<'_, '_>) -> bool {
        let value = java_parse_boolean(attr.value());
        if !value && !attr.value().eq_ignore_ascii_case("false") {
            self.ctx.warn(
                attr_pos(node, attr),
                format!(
                    "{}={:?} is not \"true\", so TrustKit-Android reads it as false",
                    attr.name(),
                    attr.value()
                ),
            );
        }
        value
    }

    pub(super) fn trustkit_config(&mut self, node: Node<'_, '_>) -> Result<TrustKitTag, ConfigError> {
        let mut tag = TrustKitTag::default();
        for attr in node.attributes().filter(|a| a.namespace().is_none()) {
            match attr.name() {
                "enforcePinning" => tag.enforce = Some(self.trustkit_bool(node, &attr)),
                "disableDefaultReportUri" => tag.disable_default_report_uri = Some(self.trustkit_bool(node, &attr)),
                _ => self.unknown_attribute(node, &attr),
            }
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
