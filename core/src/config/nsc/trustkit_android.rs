//! TrustKit-Android's `trustkit-config` inside a `domain-config`.

use super::parser::Parser;
use crate::config::parse_report_uri;
use crate::config::xml::node_pos;
use crate::config::ConfigError;
use reqwest::Url;
use roxmltree::Node;

/// TrustKit-Android's `trustkit-config`.
#[derive(Clone, Default)]
pub(super) struct TrustKitTag {
    pub(super) enforce: bool,
    pub(super) disable_default_report_uri: Option<bool>,
    pub(super) report_uris: Vec<Url>,
}

impl Parser<'_> {
    pub(super) fn trustkit_config(&mut self, node: Node<'_, '_>) -> Result<TrustKitTag, ConfigError> {
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
