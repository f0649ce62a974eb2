//! Parsing XML with positions, and the document type declarations each XML format allows.
//!
//! A DTD is what lets a small file declare entities that expand to gigabytes ("billion laughs"), so
//! none is parsed: Android compiles its XML resources and never reads a DTD, so the Android formats
//! refuse any; a plist may carry only Apple's standard DOCTYPE, which has no internal subset and so
//! declares no entity.

use super::source::{LineIndex, Position};
use super::{ConfigError, ConfigErrorKind, Ctx};

/// The public identifiers of Apple's plist DTD (the second is the one older tools wrote).
const PLIST_PUBLIC_IDS: [&str; 2] = ["-//Apple//DTD PLIST 1.0//EN", "-//Apple Computer//DTD PLIST 1.0//EN"];
/// The system identifier of Apple's plist DTD.
const PLIST_SYSTEM_ID: &str = "http://www.apple.com/DTDs/PropertyList-1.0.dtd";
const DOCTYPE: &str = "<!DOCTYPE";

/// Parses an Android XML resource (Network Security Config, TrustKit-Android): no DTD.
pub(crate) fn parse_android_xml<'i>(text: &'i str, ctx: &Ctx) -> Result<roxmltree::Document<'i>, ConfigError> {
    if let Some(offset) = text.find(DOCTYPE) {
        return Err(ctx.err(
            LineIndex::new(text).position(offset),
            ConfigErrorKind::Doctype(
                "a DOCTYPE is not allowed: Android compiles this file and never reads a DTD".into(),
            ),
        ));
    }
    parse(text, ctx, false)
}

/// Parses plist XML: only Apple's standard DOCTYPE, without an internal subset.
pub(crate) fn parse_plist_xml<'i>(text: &'i str, ctx: &Ctx) -> Result<roxmltree::Document<'i>, ConfigError> {
    let mut from = 0;
    while let Some(found) = text[from..].find(DOCTYPE) {
        let offset = from + found;
        let declaration = &text[offset..];
        let end = declaration.find('>').unwrap_or(declaration.len());
        let refuse =
            |message: String| ctx.err(LineIndex::new(text).position(offset), ConfigErrorKind::Doctype(message));
        if declaration[..end].contains('[') {
            return Err(refuse(
                "a DOCTYPE with an internal subset ([...]) is not allowed in a plist: only Apple's standard \
                 DOCTYPE is"
                    .into(),
            ));
        }
        let words: Vec<&str> = declaration[DOCTYPE.len()..end].split_whitespace().collect();
        let normalised = words.join(" ");
        let standard = PLIST_PUBLIC_IDS
            .iter()
            .any(|id| normalised == format!("plist PUBLIC \"{id}\" \"{PLIST_SYSTEM_ID}\""));
        if !standard {
            return Err(refuse(format!(
                "only Apple's standard plist DOCTYPE (<!DOCTYPE plist PUBLIC \"{}\" \"{PLIST_SYSTEM_ID}\">) is \
                 allowed",
                PLIST_PUBLIC_IDS[0]
            )));
        }
        from = offset + end;
    }
    parse(text, ctx, true)
}

/// `allow_dtd` only after the checks above: what remains declares no entity.
fn parse<'i>(text: &'i str, ctx: &Ctx, allow_dtd: bool) -> Result<roxmltree::Document<'i>, ConfigError> {
    let options = roxmltree::ParsingOptions {
        allow_dtd,
        nodes_limit: 1_000_000,
        ..roxmltree::ParsingOptions::default()
    };
    roxmltree::Document::parse_with_options(text, options).map_err(|e| {
        let pos = e.pos();
        let message = e.to_string().replace(&format!(" at {pos}"), "");
        ctx.err(
            Position {
                line: pos.row,
                column: pos.col,
            },
            ConfigErrorKind::Syntax { format: "XML", message },
        )
    })
}

/// Where an XML node starts.
pub(crate) fn node_pos(node: roxmltree::Node<'_, '_>) -> Position {
    text_pos(node.document(), node.range().start)
}

/// Where an attribute starts.
pub(crate) fn attr_pos(node: roxmltree::Node<'_, '_>, attr: &roxmltree::Attribute<'_, '_>) -> Position {
    text_pos(node.document(), attr.range().start)
}

fn text_pos(doc: &roxmltree::Document<'_>, offset: usize) -> Position {
    let p = doc.text_pos_at(offset);
    Position {
        line: p.row,
        column: p.col,
    }
}
