//! Fields of the wrong type: what a TOML item, a YAML value or a JSON
//! value is, in words, and the `wrong-type` finding about it.
//!
//! A field of the wrong type (a string where a list belongs, a mapping, a
//! number) is an error that `siem fix` never touches: it is not understood,
//! so it is neither rewritten nor deleted.

use toml_edit::{Item, Value as TomlValue};

use super::finding::{FindingKind, Note, Severity};

/// What a TOML item is: `a string`, `an integer`, `an array of tables`, ….
pub fn toml_kind(item: &Item) -> &'static str {
    match item {
        Item::None => "nothing",
        Item::Table(_) => "a table",
        Item::ArrayOfTables(_) => "an array of tables",
        Item::Value(v) => toml_value_kind(v),
    }
}

/// What a TOML value is, in words.
pub fn toml_value_kind(value: &TomlValue) -> &'static str {
    match value {
        TomlValue::String(_) => "a string",
        TomlValue::Integer(_) => "an integer",
        TomlValue::Float(_) => "a float",
        TomlValue::Boolean(_) => "a boolean",
        TomlValue::Datetime(_) => "a date-time",
        TomlValue::Array(a) if !a.is_empty() && a.iter().all(TomlValue::is_inline_table) => {
            "an array of tables"
        }
        TomlValue::Array(_) => "an array",
        TomlValue::InlineTable(_) => "a table",
    }
}

/// What a YAML value is, in words.
pub fn yaml_kind(value: &serde_yaml::Value) -> &'static str {
    use serde_yaml::Value as Y;
    match value {
        Y::Null => "null",
        Y::Bool(_) => "a boolean",
        Y::Number(_) => "a number",
        Y::String(_) => "a string",
        Y::Sequence(_) => "a list",
        Y::Mapping(_) => "a mapping",
        Y::Tagged(_) => "a tagged value",
    }
}

/// What a JSON value is, in words.
pub fn json_kind(value: &serde_json::Value) -> &'static str {
    use serde_json::Value as J;
    match value {
        J::Null => "null",
        J::Bool(_) => "a boolean",
        J::Number(_) => "a number",
        J::String(_) => "a string",
        J::Array(_) => "an array",
        J::Object(_) => "an object",
    }
}

/// The error for a field of the wrong type: "`{field}` must be {want},
/// found {found}" with the value as written (shortened), never fixed.
pub fn wrong_type(line: Option<usize>, field: &str, want: &str, found: &str, value: &str) -> Note {
    let shown = shorten(value);
    let written = if shown.is_empty() {
        String::new()
    } else {
        format!(" ({shown})")
    };
    Note::new(
        line,
        Severity::Error,
        FindingKind::WrongType,
        format!(
            "`{field}` must be {want}, found {found}{written}; fix by hand (siem fix does not touch a field of the wrong type)"
        ),
    )
    .about(value)
}

/// A value as written, on one line and at most 60 characters.
fn shorten(value: &str) -> String {
    let flat = crate::rulefiles::invisible::escape_invisible(
        &value.split_whitespace().collect::<Vec<_>>().join(" "),
    );
    if flat.chars().count() > 60 {
        format!("{}…", flat.chars().take(59).collect::<String>())
    } else {
        flat
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_types_name_what_they_found() {
        let note = wrong_type(Some(3), "tactics", "a list", "a string", "Execution");
        assert_eq!(
            note.message,
            "`tactics` must be a list, found a string (Execution); fix by hand (siem fix does not touch a field of the wrong type)"
        );
        assert_eq!(note.kind, FindingKind::WrongType);
        assert!(note.fix.is_none());
        assert_eq!(shorten("a\n  b\u{200b}"), "a b\\u{200b}");
    }
}
