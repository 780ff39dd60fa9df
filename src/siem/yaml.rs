//! YAML rule files (Splunk detections, Sentinel analytics rules) as text:
//! the lists holding ATT&CK fields, with the positions of their items
//! cross-checked against serde_yaml's reading, the edits that change them,
//! and the safety check of the edited text.

use serde::Deserialize;
use serde_yaml::Value;

use crate::rulefiles::yaml_list::{
    self, Action, Insert, ListBlock, ListPlan, ListShape, find_key, item_starts, lines, read_list,
};
use crate::rulefiles::{Edit, LineEnding, LineIndex};

use super::finding::Note;
use super::shape::{wrong_type, yaml_kind};

/// A list of strings at a key path of the document, as written.
#[derive(Debug, Clone)]
pub struct ListField {
    /// The key path (`["tags", "mitre_attack_id"]`).
    pub path: Vec<String>,
    /// 1-based line of the key.
    pub line: usize,
    /// Offset of the start of the key's line.
    pub key_start: usize,
    /// The values, as serde_yaml reads them.
    pub values: Vec<String>,
    /// 1-based line of each value (the key's line when unknown).
    pub lines: Vec<usize>,
    /// The list as text, when it can be edited.
    pub block: Option<ListBlock>,
    /// Why it cannot be edited, if it cannot.
    pub not_editable: Option<String>,
    /// `wrong-type` errors: the value is not a list, or items of it are
    /// not strings (those items are not in `values`). Such a field is
    /// never edited.
    pub wrong: Vec<Note>,
}

impl ListField {
    /// `tags.mitre_attack_id`.
    pub fn name(&self) -> String {
        self.path.join(".")
    }
}

/// Parses a file's YAML documents; the error is serde_yaml's, with the
/// index (from 0) of the document it was met in.
pub fn parse(text: &str) -> Result<Vec<Value>, (usize, serde_yaml::Error)> {
    serde_yaml::Deserializer::from_str(text)
        .enumerate()
        .map(|(i, d)| Value::deserialize(d).map_err(|e| (i, e)))
        .collect()
}

/// The value at a key path.
pub fn at<'v>(value: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(value, |v, key| v.get(*key))
}

/// The list at `path` (one or two keys) of a single-document file, if the
/// key is there.
pub fn list_field(text: &str, value: &Value, path: &[&str]) -> Option<ListField> {
    let found = at(value, path)?;
    let index = LineIndex::new(text);
    let all = lines(text, 0..text.len());
    let mut body = find_key(&all, path[0]);
    for key in &path[1..] {
        body = body.and_then(|b| find_key(&b[1..], key));
    }
    let key_start = body.map_or(0, |b| b[0].start);
    let line = index.line(key_start);
    let name = path.join(".");
    let items: &[Value] = match found {
        Value::Sequence(seq) => seq,
        _ => &[],
    };
    // Lines read leniently (numbers, aliases, block scalars, …); those of
    // the editable text replace them below when it can be read.
    let lenient: Vec<usize> = body
        .and_then(|b| item_starts(text, b, &all))
        .map(|starts| starts.into_iter().map(|o| index.line(o)).collect())
        .filter(|l: &Vec<usize>| l.len() == items.len())
        .unwrap_or_else(|| vec![line; items.len()]);
    let mut field = ListField {
        path: path.iter().map(|s| s.to_string()).collect(),
        line,
        key_start,
        values: Vec::new(),
        lines: Vec::new(),
        block: None,
        not_editable: None,
        wrong: Vec::new(),
    };
    match found {
        Value::Null | Value::Sequence(_) => {}
        other => field.wrong.push(wrong_type(
            Some(line),
            &name,
            "a list of strings",
            yaml_kind(other),
            &scalar_text(other),
        )),
    }
    for (i, item) in items.iter().enumerate() {
        match item.as_str() {
            Some(s) => {
                field.values.push(s.to_string());
                field.lines.push(lenient[i]);
            }
            None => field.wrong.push(wrong_type(
                Some(lenient[i]),
                &format!("{name}[{}]", i + 1),
                "a string",
                yaml_kind(item),
                &scalar_text(item),
            )),
        }
    }
    if !field.wrong.is_empty() {
        field.not_editable = Some(format!("{name} holds a value of the wrong type"));
        return Some(field);
    }
    let Some(body) = body else {
        field.not_editable = Some("the key could not be found in the text".to_string());
        return Some(field);
    };
    match read_list(text, body) {
        Ok(block) => {
            let agree = block.items.len() == field.values.len()
                && block
                    .items
                    .iter()
                    .zip(&field.values)
                    .all(|(i, v)| i.value == *v);
            if agree {
                field.lines = block
                    .items
                    .iter()
                    .map(|i| index.line(i.span.start))
                    .collect();
                field.block = Some(block);
            } else {
                field.not_editable = Some("the list as text does not match the YAML".to_string());
            }
        }
        Err(why) => field.not_editable = Some(why),
    }
    Some(field)
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => serde_yaml::to_string(other)
            .map(|s| s.trim().to_string())
            .unwrap_or_default(),
    }
}

/// The edits that turn `field` into `actions` + `additions` (appended after
/// the last item), in the file's style. `Err` says why it cannot be done.
pub fn edit_list(
    text: &str,
    field: &ListField,
    actions: &[Action],
    additions: &[String],
) -> Result<Vec<Edit>, String> {
    let Some(block) = &field.block else {
        return Err(field
            .not_editable
            .clone()
            .unwrap_or_else(|| "the list cannot be edited".to_string()));
    };
    let eol = LineEnding::of(text);
    let indent = yaml_list::list_indent(text);
    if block.items.is_empty() {
        return Ok(fill_empty(text, block, additions, eol, &indent)
            .into_iter()
            .collect());
    }
    let plan = ListPlan {
        actions,
        additions,
        insert: block.items.len().checked_sub(1).map(Insert::After),
    };
    Ok(yaml_list::list_edits(text, block, &plan, eol, &indent))
}

/// `key:` / `key: ~` / `key: []` given values: a block list after the key
/// line (`[]` becomes a flow list).
fn fill_empty(
    text: &str,
    block: &ListBlock,
    values: &[String],
    eol: LineEnding,
    indent: &str,
) -> Option<Edit> {
    if values.is_empty() {
        return None;
    }
    let line_end = text[block.after_colon..]
        .find('\n')
        .map_or(text.len(), |i| block.after_colon + i);
    let rest = text[block.after_colon..line_end].trim_end_matches('\r');
    let value = match rest.find(" #") {
        Some(i) => &rest[..i],
        None => rest,
    }
    .trim_end();
    let range = block.after_colon..block.after_colon + value.len();
    let new = if value.trim() == "[]" {
        format!(" [{}]", values.join(", "))
    } else {
        values
            .iter()
            .map(|v| format!("{}{indent}- {v}", eol.as_str()))
            .collect()
    };
    Some(Edit { range, text: new })
}

/// A new `key:` block list of `values`, inserted at `at` (a line start),
/// indented like `indent`.
pub fn insert_key(at: usize, key: &str, values: &[String], eol: LineEnding, indent: &str) -> Edit {
    let eol = eol.as_str();
    let mut text = format!("{key}:{eol}");
    for v in values {
        text.push_str(&format!("{indent}- {v}{eol}"));
    }
    Edit {
        range: at..at,
        text,
    }
}

/// The item indentation of a block list, else the file's.
pub fn item_indent(text: &str, field: Option<&ListField>) -> String {
    match field.and_then(|f| f.block.as_ref()).map(|b| &b.shape) {
        Some(ListShape::Block { indent, .. }) => indent.clone(),
        _ => yaml_list::list_indent(text),
    }
}

/// Re-reads the edited text and checks that the document is what it was
/// except at `changed` paths, which must now hold exactly the planned
/// lists (or be gone, for `None`).
pub fn verify(
    old: &Value,
    new_text: &str,
    changed: &[(Vec<String>, Option<Vec<String>>)],
) -> Result<(), String> {
    let docs =
        parse(new_text).map_err(|(_, e)| format!("the fixed text is not valid YAML ({e})"))?;
    let [new] = docs.as_slice() else {
        return Err(format!(
            "the fixed text has {} documents instead of 1",
            docs.len()
        ));
    };
    let (mut old_rest, mut new_rest) = (old.clone(), new.clone());
    for (path, want) in changed {
        let keys: Vec<&str> = path.iter().map(String::as_str).collect();
        remove(&mut old_rest, &keys);
        let got = remove(&mut new_rest, &keys);
        let want = want
            .as_ref()
            .map(|w| Value::Sequence(w.iter().map(|s| Value::String(s.clone())).collect()));
        if got != want {
            return Err(format!("{} is not the planned list", path.join(".")));
        }
    }
    if old_rest != new_rest {
        return Err("the document changed outside the ATT&CK fields".to_string());
    }
    Ok(())
}

/// Removes and returns the value at `path`.
fn remove(value: &mut Value, path: &[&str]) -> Option<Value> {
    let (last, parents) = path.split_last()?;
    let mut current = value;
    for key in parents {
        current = current.get_mut(*key)?;
    }
    current.as_mapping_mut()?.remove(*last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(text: &str, path: &[&str]) -> ListField {
        let value = parse(text).unwrap().remove(0);
        list_field(text, &value, path).unwrap()
    }

    #[test]
    fn nested_and_top_level_lists_are_found_with_lines() {
        let text = "name: x\ntags:\n  analytic_story:\n  - a\n  mitre_attack_id:\n  - T1560.001\n  - T1560\n  product:\n  - p\n";
        let f = field(text, &["tags", "mitre_attack_id"]);
        assert_eq!(f.values, ["T1560.001", "T1560"]);
        assert_eq!(f.lines, [6, 7]);
        assert!(f.block.is_some());
        let flat = field("mitre_attack_id:\n    - T1560.001\n", &["mitre_attack_id"]);
        assert_eq!(flat.lines, [2]);
    }

    #[test]
    fn empty_lists_are_filled_in_their_style() {
        let text = "tactics: []  # none\nrelevantTechniques:\n  - T1059\n";
        let f = field(text, &["tactics"]);
        let edits = edit_list(text, &f, &[], &["Execution".into()]).unwrap();
        let new = crate::rulefiles::apply(text, &edits).unwrap();
        assert_eq!(
            new,
            "tactics: [Execution]  # none\nrelevantTechniques:\n  - T1059\n"
        );
        let text = "tactics:\nrelevantTechniques:\n  - T1059\n";
        let f = field(text, &["tactics"]);
        let edits = edit_list(text, &f, &[], &["Execution".into()]).unwrap();
        let new = crate::rulefiles::apply(text, &edits).unwrap();
        assert_eq!(
            new,
            "tactics:\n  - Execution\nrelevantTechniques:\n  - T1059\n"
        );
    }
}
