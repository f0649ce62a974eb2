//! Positions in configuration text, and a small value tree with a position on every node, built from
//! JSON (serde_json) or plist XML (the `plist` crate for values, roxmltree for positions).

use super::xml::{node_pos, parse_plist_xml};
use super::{ConfigError, ConfigErrorKind, Ctx};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt;

/// A place in a configuration file: 1-based line and column (in characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl Position {
    /// Line 1, column 1.
    pub const START: Position = Position { line: 1, column: 1 };
}

impl Default for Position {
    /// [`Position::START`].
    fn default() -> Position {
        Position::START
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Byte offsets to positions.
pub(crate) struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub(crate) fn new(text: &'a str) -> LineIndex<'a> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    pub(crate) fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset).max(1) - 1;
        let start = self.starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        Position {
            line: u32::try_from(line + 1).unwrap_or(u32::MAX),
            column: u32::try_from(column + 1).unwrap_or(u32::MAX),
        }
    }

    /// The position of serde_json's (line, byte column) in characters.
    fn json_position(&self, line: usize, byte_column: usize) -> Position {
        match self.starts.get(line.saturating_sub(1)) {
            Some(&start) => {
                let mut offset = (start + byte_column.saturating_sub(1)).min(self.text.len());
                while !self.text.is_char_boundary(offset) {
                    offset -= 1;
                }
                self.position(offset)
            }
            None => self.position(self.text.len()),
        }
    }

    /// The offset of `slice`, which must be a part of the indexed text.
    fn offset_of(&self, slice: &str) -> usize {
        (slice.as_ptr() as usize).saturating_sub(self.text.as_ptr() as usize)
    }
}

/// A value with the position where it starts.
#[derive(Debug)]
pub(crate) struct Node {
    pub(crate) pos: Position,
    pub(crate) value: Value,
}

/// One key of an object, with the position of the key.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) key: String,
    pub(crate) pos: Position,
    pub(crate) node: Node,
}

#[derive(Debug)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Node>),
    Object(Vec<Entry>),
    /// A plist date, data or uid: never valid in a configuration, kept only for its name.
    Other(&'static str),
}

impl Value {
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
            Value::Other(name) => name,
        }
    }
}

impl Node {
    fn expected(&self, ctx: &Ctx, what: &str, expected: &str) -> ConfigError {
        ctx.invalid(
            self.pos,
            format!("{what} must be {expected}, not {}", self.value.type_name()),
        )
    }

    pub(crate) fn as_bool(&self, ctx: &Ctx, what: &str) -> Result<bool, ConfigError> {
        match self.value {
            Value::Bool(b) => Ok(b),
            _ => Err(self.expected(ctx, what, "a boolean")),
        }
    }

    pub(crate) fn as_str(&self, ctx: &Ctx, what: &str) -> Result<&str, ConfigError> {
        match &self.value {
            Value::String(s) => Ok(s),
            _ => Err(self.expected(ctx, what, "a string")),
        }
    }

    pub(crate) fn as_array(&self, ctx: &Ctx, what: &str) -> Result<&[Node], ConfigError> {
        match &self.value {
            Value::Array(items) => Ok(items),
            _ => Err(self.expected(ctx, what, "an array")),
        }
    }

    pub(crate) fn as_object(&self, ctx: &Ctx, what: &str) -> Result<&[Entry], ConfigError> {
        match &self.value {
            Value::Object(entries) => Ok(entries),
            _ => Err(self.expected(ctx, what, "an object (dictionary)")),
        }
    }

    /// The entries of an object, refusing a key that appears twice.
    pub(crate) fn entries(&self, ctx: &Ctx, what: &str) -> Result<&[Entry], ConfigError> {
        let entries = self.as_object(ctx, what)?;
        for (i, entry) in entries.iter().enumerate() {
            if entries[..i].iter().any(|e| e.key == entry.key) {
                return Err(ctx.err(
                    entry.pos,
                    ConfigErrorKind::Duplicate(format!("key {:?} appears twice in {what}", entry.key)),
                ));
            }
        }
        Ok(entries)
    }

    /// Strings of an array, each with its position.
    pub(crate) fn as_strings(&self, ctx: &Ctx, what: &str) -> Result<Vec<(&str, Position)>, ConfigError> {
        self.as_array(ctx, what)?
            .iter()
            .map(|n| Ok((n.as_str(ctx, &format!("each entry of {what}"))?, n.pos)))
            .collect()
    }
}

/// An object's entries as raw keys and values, in order (duplicates kept, so they can be reported).
struct RawEntries<'a>(Vec<(&'a RawValue, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for RawEntries<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<RawEntries<'a>, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = RawEntries<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<RawEntries<'a>, M::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<&'de RawValue, &'de RawValue>()? {
                    entries.push(entry);
                }
                Ok(RawEntries(entries))
            }
        }
        deserializer.deserialize_map(V(std::marker::PhantomData))
    }
}

fn json_error(ctx: &Ctx, index: &LineIndex<'_>, e: &serde_json::Error) -> ConfigError {
    let pos = index.json_position(e.line(), e.column());
    let message = e.to_string();
    let message = match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message,
    };
    ctx.err(
        pos,
        ConfigErrorKind::Syntax {
            format: "JSON",
            message,
        },
    )
}

/// Parses JSON text into a tree with positions.
pub(crate) fn json_tree(text: &str, ctx: &Ctx) -> Result<Node, ConfigError> {
    let index = LineIndex::new(text);
    let raw: &RawValue = serde_json::from_str(text).map_err(|e| json_error(ctx, &index, &e))?;
    json_node(raw, &index, ctx)
}

fn json_node(raw: &RawValue, index: &LineIndex<'_>, ctx: &Ctx) -> Result<Node, ConfigError> {
    let text = raw.get();
    let pos = index.position(index.offset_of(text));
    // The whole document was checked by the first parse; these inner parses cannot fail on syntax, but
    // any error is still reported rather than unwrapped.
    let sub = |e: serde_json::Error| json_error(ctx, &LineIndex::new(text), &e);
    let value = match text.as_bytes().first() {
        Some(b'{') => {
            let RawEntries(raw_entries) = serde_json::from_str(text).map_err(sub)?;
            let mut entries = Vec::with_capacity(raw_entries.len());
            for (key, value) in raw_entries {
                entries.push(Entry {
                    key: serde_json::from_str(key.get()).map_err(sub)?,
                    pos: index.position(index.offset_of(key.get())),
                    node: json_node(value, index, ctx)?,
                });
            }
            Value::Object(entries)
        }
        Some(b'[') => {
            let items: Vec<&RawValue> = serde_json::from_str(text).map_err(sub)?;
            Value::Array(
                items
                    .into_iter()
                    .map(|item| json_node(item, index, ctx))
                    .collect::<Result<_, _>>()?,
            )
        }
        Some(b'"') => Value::String(serde_json::from_str(text).map_err(sub)?),
        Some(b't') => Value::Bool(true),
        Some(b'f') => Value::Bool(false),
        Some(b'n') => Value::Null,
        _ => Value::Number(text.to_string()),
    };
    Ok(Node { pos, value })
}

/// Parses a plist XML document into a tree with positions: the values are the `plist` crate's, the
/// positions roxmltree's.
pub(crate) fn plist_tree(text: &str, ctx: &Ctx) -> Result<Node, ConfigError> {
    if text.starts_with("bplist") {
        return Err(ctx.invalid(
            Position::START,
            "binary plists are not supported: convert with `plutil -convert xml1`",
        ));
    }
    let doc = parse_plist_xml(text, ctx)?;
    let value = plist::Value::from_reader_xml(text.as_bytes()).map_err(|e| {
        // The plist crate reports a byte offset only in its message: "... (offset N)".
        let message = e.to_string();
        let offset = message
            .rsplit_once("(offset ")
            .and_then(|(_, rest)| rest.trim_end_matches(')').parse::<usize>().ok());
        let pos = offset.map_or(Position::START, |o| LineIndex::new(text).position(o));
        let message = message.split(" (offset ").next().unwrap_or_default().to_string();
        ctx.err(
            pos,
            ConfigErrorKind::Syntax {
                format: "plist",
                message,
            },
        )
    })?;
    let root = doc.root_element();
    let top = if root.has_tag_name("plist") {
        root.children()
            .find(|n| n.is_element())
            .ok_or_else(|| ctx.invalid(node_pos(root), "the plist holds no value"))?
    } else {
        root
    };
    plist_node(top, &value, ctx)
}

fn plist_node(node: roxmltree::Node<'_, '_>, value: &plist::Value, ctx: &Ctx) -> Result<Node, ConfigError> {
    let pos = node_pos(node);
    let mismatch = || ctx.invalid(pos, "unexpected plist structure");
    let value = match value {
        plist::Value::Dictionary(dict) => {
            let mut entries: Vec<Entry> = Vec::with_capacity(dict.len());
            let mut children = node.children().filter(|n| n.is_element());
            while let Some(key) = children.next() {
                let key_pos = node_pos(key);
                if !key.has_tag_name("key") {
                    return Err(mismatch());
                }
                let name = key.text().unwrap_or_default().to_string();
                let child = children.next().ok_or_else(mismatch)?;
                if entries.iter().any(|e| e.key == name) {
                    return Err(ctx.err(
                        key_pos,
                        ConfigErrorKind::Duplicate(format!("key {name:?} appears twice in the dictionary")),
                    ));
                }
                let child_value = dict.get(&name).ok_or_else(mismatch)?;
                entries.push(Entry {
                    key: name,
                    pos: key_pos,
                    node: plist_node(child, child_value, ctx)?,
                });
            }
            Value::Object(entries)
        }
        plist::Value::Array(items) => {
            let children: Vec<_> = node.children().filter(|n| n.is_element()).collect();
            if children.len() != items.len() {
                return Err(mismatch());
            }
            Value::Array(
                children
                    .into_iter()
                    .zip(items)
                    .map(|(child, item)| plist_node(child, item, ctx))
                    .collect::<Result<_, _>>()?,
            )
        }
        plist::Value::Boolean(b) => Value::Bool(*b),
        plist::Value::String(s) => Value::String(s.clone()),
        plist::Value::Integer(i) => Value::Number(i.to_string()),
        plist::Value::Real(r) => Value::Number(r.to_string()),
        plist::Value::Date(_) => Value::Other("a date"),
        plist::Value::Data(_) => Value::Other("data"),
        plist::Value::Uid(_) => Value::Other("a uid"),
        _ => Value::Other("an unknown plist value"),
    };
    Ok(Node { pos, value })
}
