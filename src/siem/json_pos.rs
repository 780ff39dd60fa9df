//! Where the values of a JSON text are: the 1-based line of every value,
//! in a tree of the same shape as the `serde_json::Value` of the text, so
//! that findings about a value can name its line (serde_json keeps no
//! positions).
//!
//! Only text that serde_json has already parsed is read here; anything
//! unexpected ends the reading with `None` rather than an error, and the
//! findings then have no line.

use crate::rulefiles::LineIndex;

/// A JSON value and its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// 1-based line where the value starts.
    pub line: usize,
    /// What the value is.
    pub node: Node,
}

/// The shape of a located value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// An object: its members in order (keys decoded).
    Object(Vec<(String, Located)>),
    /// An array: its items in order.
    Array(Vec<Located>),
    /// A string, number, boolean or null.
    Scalar,
}

impl Located {
    /// The value of member `key` of an object (the last one, as serde_json
    /// reads duplicate keys).
    pub fn get(&self, key: &str) -> Option<&Located> {
        match &self.node {
            Node::Object(members) => members.iter().rev().find(|(k, _)| k == key).map(|m| &m.1),
            _ => None,
        }
    }

    /// Item `index` of an array.
    pub fn item(&self, index: usize) -> Option<&Located> {
        match &self.node {
            Node::Array(items) => items.get(index),
            _ => None,
        }
    }
}

/// The located values of a JSON text (the whole document), or `None` if
/// the text is not JSON as serde_json reads it.
pub fn locate(text: &str) -> Option<Located> {
    let mut reader = Reader {
        text,
        pos: 0,
        lines: LineIndex::new(text),
    };
    let value = reader.value()?;
    reader.skip_space();
    (reader.pos == text.len()).then_some(value)
}

struct Reader<'t> {
    text: &'t str,
    pos: usize,
    lines: LineIndex,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// Reads one value after optional whitespace.
    fn value(&mut self) -> Option<Located> {
        self.skip_space();
        let line = self.lines.line(self.pos);
        let node = match self.peek()? {
            b'{' => self.object()?,
            b'[' => self.array()?,
            b'"' => {
                self.string()?;
                Node::Scalar
            }
            _ => {
                self.bare()?;
                Node::Scalar
            }
        };
        Some(Located { line, node })
    }

    fn object(&mut self) -> Option<Node> {
        self.pos += 1;
        let mut members = Vec::new();
        self.skip_space();
        if self.peek()? == b'}' {
            self.pos += 1;
            return Some(Node::Object(members));
        }
        loop {
            self.skip_space();
            let key = self.string()?;
            self.skip_space();
            (self.peek()? == b':').then_some(())?;
            self.pos += 1;
            members.push((key, self.value()?));
            self.skip_space();
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    return Some(Node::Object(members));
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self) -> Option<Node> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_space();
        if self.peek()? == b']' {
            self.pos += 1;
            return Some(Node::Array(items));
        }
        loop {
            items.push(self.value()?);
            self.skip_space();
            match self.peek()? {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    return Some(Node::Array(items));
                }
                _ => return None,
            }
        }
    }

    /// Reads a string literal and decodes it (with serde_json, so escapes
    /// read as serde_json reads them).
    fn string(&mut self) -> Option<String> {
        let start = self.pos;
        (self.peek()? == b'"').then_some(())?;
        let bytes = self.text.as_bytes();
        let mut i = start + 1;
        loop {
            match bytes.get(i)? {
                b'\\' => i += 2,
                b'"' => break,
                _ => i += 1,
            }
        }
        self.pos = i + 1;
        serde_json::from_str(self.text.get(start..self.pos)?).ok()
    }

    /// Skips a number, `true`, `false` or `null`.
    fn bare(&mut self) -> Option<()> {
        let start = self.pos;
        while matches!(self.peek(), Some(b) if b.is_ascii_alphanumeric() || b"+-.".contains(&b)) {
            self.pos += 1;
        }
        (self.pos > start).then_some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_has_its_line() {
        let text = "{\n  \"a\": [\"x\",\n    \"y\"],\n  \"b\\u0031\": {\"c\": [1, true,\n null]},\n  \"a\": 2\n}\n";
        let root = locate(text).unwrap();
        assert_eq!(root.line, 1);
        assert_eq!(root.get("a").unwrap().line, 6, "the last of duplicate keys");
        let b = root.get("b1").unwrap();
        assert_eq!(b.line, 4);
        assert_eq!(b.get("c").unwrap().item(2).unwrap().line, 5);
        assert!(locate("{\"a\": }").is_none());
        assert!(locate("[1] x").is_none());
        assert_eq!(locate(" \"s\\\"\" ").unwrap().node, Node::Scalar);
    }
}
