//! What a JSON file holds, judged from its top-level keys: a STIX bundle,
//! an ATT&CK Navigator layer, an attackmap model or an export context. Used
//! to say what a file given to the wrong option is (`--model` with a STIX
//! bundle, `--from-context` with a layer).

use serde::Deserialize;
use serde::de::IgnoredAny;

/// The kinds of JSON document attackmap reads or writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonKind {
    /// A STIX bundle (`"type": "bundle"`).
    StixBundle,
    /// An ATT&CK Navigator layer (`versions.layer`, or `domain` and
    /// `techniques`).
    NavigatorLayer,
    /// An attackmap model (`schema_version`).
    Model,
    /// An attackmap export context (`attackmap.format`), with its format.
    Context(String),
    /// A JSON object of none of these kinds.
    OtherObject,
    /// Not a JSON object (an array, a string, …) or not JSON at all.
    NotAnObject,
}

impl JsonKind {
    /// What the document is, as a phrase: `a STIX bundle`, `an ATT&CK
    /// Navigator layer`, …
    pub fn describe(&self) -> String {
        match self {
            JsonKind::StixBundle => "a STIX bundle".to_string(),
            JsonKind::NavigatorLayer => "an ATT&CK Navigator layer".to_string(),
            JsonKind::Model => "an attackmap model (written by `attackmap map`)".to_string(),
            JsonKind::Context(format) => {
                format!("an attackmap context for `export {format}`")
            }
            JsonKind::OtherObject => "a JSON object of an unknown kind".to_string(),
            JsonKind::NotAnObject => "not a JSON object".to_string(),
        }
    }
}

/// The top-level keys that tell the kinds apart.
#[derive(Deserialize)]
struct Peek {
    #[serde(rename = "type")]
    kind: Option<serde_json::Value>,
    schema_version: Option<IgnoredAny>,
    versions: Option<serde_json::Value>,
    domain: Option<IgnoredAny>,
    techniques: Option<IgnoredAny>,
    attackmap: Option<serde_json::Value>,
}

/// What the JSON in `bytes` is.
pub fn json_kind(bytes: &[u8]) -> JsonKind {
    let Ok(peek) = serde_json::from_slice::<Peek>(bytes) else {
        return JsonKind::NotAnObject;
    };
    let context_format = peek
        .attackmap
        .as_ref()
        .and_then(|a| a.get("format"))
        .and_then(serde_json::Value::as_str);
    if let Some(format) = context_format {
        return JsonKind::Context(format.to_string());
    }
    if peek.kind.as_ref().and_then(serde_json::Value::as_str) == Some("bundle") {
        return JsonKind::StixBundle;
    }
    if peek.schema_version.is_some() {
        return JsonKind::Model;
    }
    let layer_version = peek
        .versions
        .as_ref()
        .and_then(|v| v.get("layer"))
        .is_some();
    if layer_version || (peek.domain.is_some() && peek.techniques.is_some()) {
        return JsonKind::NavigatorLayer;
    }
    JsonKind::OtherObject
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_told_apart_by_their_keys() {
        let kind = |text: &str| json_kind(text.as_bytes());
        assert_eq!(
            kind(r#"{"type": "bundle", "id": "bundle--1", "objects": []}"#),
            JsonKind::StixBundle
        );
        assert_eq!(
            kind(r#"{"name": "x", "versions": {"layer": "4.5"}, "domain": "enterprise-attack"}"#),
            JsonKind::NavigatorLayer
        );
        assert_eq!(kind(r#"{"schema_version": 1}"#), JsonKind::Model);
        assert_eq!(
            kind(r#"{"attackmap": {"format": "csv"}, "techniques": []}"#),
            JsonKind::Context("csv".to_string())
        );
        assert_eq!(kind(r#"{"a": 1}"#), JsonKind::OtherObject);
        assert_eq!(kind("[1, 2]"), JsonKind::NotAnObject);
    }
}
