//! Adding ATT&CK tags to a rule (`attackmap sigma tag`).
//!
//! The tags come from [`crate::export::sigma::technique_tags`]: each
//! technique's tactics from the loaded release, then the techniques. A tag
//! the rule already has — in any spelling `sigma check` reads as the same
//! tag (`attack.T1059`, `attack.defense_evasion`) — is not added again.
//!
//! Only the tags change, byte for byte as `sigma fix` edits them: new tactic
//! tags go after the rule's last tactic tag (else before its first ATT&CK
//! tag, else first), new technique tags after its last technique tag (else
//! after the tactic tags); they copy the list's indentation, dash spacing
//! and quoting and use the file's line ending. A rule without a `tags:` key
//! gets one in SigmaHQ's place ([`fix::insert_tags_key`]); an empty one
//! (`tags:`, `tags: []`, `tags: ~`) is filled. The new text is read again
//! and compared with the old before anything is written, and tagging twice
//! changes nothing.
//!
//! A file with several rules is ambiguous: it is refused unless the
//! document to tag is named (an `action: global` document's tags apply to
//! every rule of its collection). Correlation rules have no tags in the
//! Sigma schema and are refused.

use std::collections::HashSet;

use crate::error::{Error, Result};

use super::document::{LineEnding, TagsBlock};
use super::fix::{self, Edit};
use super::judge::{Action, Insert, Plan};
use super::rules::{BOM, Document, Role, RuleFile, TagsValue};
use super::tags::{self, AttackRef, Tag};

/// What tagging one file did (or would do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tagging {
    /// The document tagged, from 1.
    pub document: usize,
    /// The tags added, in the order given.
    pub added: Vec<String>,
    /// The tags the document already had.
    pub present: Vec<String>,
    /// The file's text (byte order mark included).
    pub original: String,
    /// The new text (byte order mark included); `None` when nothing is
    /// added.
    pub tagged: Option<String>,
}

/// Adds `wanted` (canonical `attack.*` tags: tactics first, then
/// techniques) to a rule of `file`: its only rule, or the document
/// `document` (from 1). Errors: [`Error::NotTaggable`] with the reason.
pub fn tag_file(file: &RuleFile, wanted: &[String], document: Option<usize>) -> Result<Tagging> {
    let refuse = |reason: String| Error::NotTaggable {
        path: file.path.clone(),
        reason,
    };
    let doc = target_document(file, document).map_err(refuse)?;
    let existing = existing_tags(doc).map_err(refuse)?;
    if let Some(why) = &doc.not_editable {
        return Err(refuse(format!(
            "document {} is written in a way attackmap does not edit ({why})",
            doc.index + 1
        )));
    }
    let have: HashSet<String> = existing.iter().map(|t| canonical(t)).collect();
    let (present, added): (Vec<String>, Vec<String>) =
        wanted.iter().cloned().partition(|t| have.contains(t));
    let bom = if file.bom { BOM } else { "" };
    let mut tagging = Tagging {
        document: doc.index + 1,
        added,
        present,
        original: format!("{bom}{}", file.text),
        tagged: None,
    };
    if tagging.added.is_empty() {
        return Ok(tagging);
    }
    let (edits, expected) = edits(file, doc, &existing, &tagging.added).map_err(refuse)?;
    let text = fix::apply(&file.text, &edits)
        .ok_or_else(|| refuse("two edits overlap (please report this)".to_string()))?;
    let mut want: Vec<Option<Vec<String>>> = vec![None; file.documents.len()];
    want[doc.index] = Some(expected);
    fix::verify(&file.documents, &text, &want).map_err(|why| {
        refuse(format!(
            "the change failed the safety check ({why}); file left untouched, please report this"
        ))
    })?;
    tagging.tagged = Some(format!("{bom}{text}"));
    Ok(tagging)
}

/// The document whose tags to change: `document` (from 1) when given,
/// else the file's only rule's tags document.
fn target_document(
    file: &RuleFile,
    document: Option<usize>,
) -> std::result::Result<&Document, String> {
    let rules = file.rules();
    let Some(n) = document else {
        return match rules.as_slice() {
            [] => Err("the file holds no rule".to_string()),
            [rule] if rule.correlation => Err(correlation(rule.document)),
            [rule] => Ok(&file.documents[rule.tags_document.unwrap_or(rule.document)]),
            many => {
                let listed: Vec<String> = many
                    .iter()
                    .map(|r| {
                        format!(
                            "{}: {}",
                            r.document + 1,
                            r.title.as_deref().unwrap_or("(untitled)")
                        )
                    })
                    .collect();
                Err(format!(
                    "the file holds {} rules (documents {}); say which document to tag with --document N",
                    many.len(),
                    listed.join("; ")
                ))
            }
        };
    };
    let doc = n
        .checked_sub(1)
        .and_then(|i| file.documents.get(i))
        .ok_or_else(|| no_such_document(n, file.documents.len()))?;
    match doc.role {
        Role::Global => Ok(doc),
        Role::Correlation => Err(correlation(doc.index)),
        Role::Rule | Role::Repeat => {
            let from = rules
                .iter()
                .find(|r| r.document == doc.index)
                .and_then(|r| r.tags_document)
                .filter(|&d| d != doc.index);
            match from {
                Some(g) => Err(format!(
                    "the tags of document {n} are replaced by those of the 'action: global' document {}; tag that one with --document {} (every rule of the collection then has the tags)",
                    g + 1,
                    g + 1
                )),
                None => Ok(doc),
            }
        }
        Role::Reset | Role::Other | Role::NotAMapping => Err(format!("document {n} is not a rule")),
    }
}

/// Why `--document n` names no document of a file of `len` documents.
fn no_such_document(n: usize, len: usize) -> String {
    let has = crate::text::count(len, "document");
    if n == 0 {
        format!("documents are numbered from 1: there is no document 0 (the file has {has})")
    } else {
        format!("there is no document {n}: the file has {has} (numbered from 1)")
    }
}

fn correlation(index: usize) -> String {
    format!(
        "document {} is a correlation rule, and correlation rules have no tags in the Sigma schema: tag the rules it correlates",
        index + 1
    )
}

/// The document's tags as written; an error for tags that cannot take more.
fn existing_tags(doc: &Document) -> std::result::Result<Vec<String>, String> {
    match &doc.tags {
        TagsValue::Missing => Ok(Vec::new()),
        TagsValue::List(items) => Ok(items.iter().map(|t| t.value.clone()).collect()),
        TagsValue::Single(_) => Err(
            "tags holds a single string, not a list; run `attackmap sigma fix` first".to_string(),
        ),
        TagsValue::Invalid(why) => Err(format!("{why}; fix the tags by hand first")),
    }
}

/// The tag as `sigma check` reads it: the canonical ATT&CK tag, else the
/// tag lower-cased.
fn canonical(raw: &str) -> String {
    match tags::parse(raw) {
        Tag::Attack(a) => a
            .target
            .tag()
            .unwrap_or_else(|| raw.trim().to_ascii_lowercase()),
        _ => raw.trim().to_ascii_lowercase(),
    }
}

/// The edits that add `added` to the document, and the tags it then has.
fn edits(
    file: &RuleFile,
    doc: &Document,
    existing: &[String],
    added: &[String],
) -> std::result::Result<(Vec<Edit>, Vec<String>), String> {
    let indent = fix::list_indent(&file.text);
    let eol = file.line_ending;
    let Some(block) = &doc.text.tags else {
        let edit = fix::insert_tags_key(&file.text, &doc.text, added, eol, &indent)
            .ok_or("no place found for a tags key")?;
        return Ok((vec![edit], added.to_vec()));
    };
    if block.items.is_empty() {
        let edits = empty_edits(&file.text, block, added, eol, &indent)
            .ok_or("the empty tags value is written in a way attackmap does not edit")?;
        return Ok((edits, added.to_vec()));
    }
    let plans = list_plans(existing, added);
    let edits: Vec<Edit> = plans
        .iter()
        .flat_map(|plan| fix::plan_edits(&file.text, block, plan, eol, &indent))
        .collect();
    Ok((edits, with_additions(existing, &plans)))
}

/// What an existing tag is, for placing new ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Tactic,
    Technique,
    OtherAttack,
    Other,
}

fn kind(raw: &str) -> Kind {
    match tags::parse(raw) {
        Tag::Attack(a) => match a.target {
            AttackRef::Tactic(_) | AttackRef::TacticId(_) => Kind::Tactic,
            AttackRef::Technique(_) => Kind::Technique,
            _ => Kind::OtherAttack,
        },
        _ => Kind::Other,
    }
}

/// Two plans on a non-empty list: the new tactic tags, then the new
/// technique (and other) tags.
fn list_plans(existing: &[String], added: &[String]) -> Vec<Plan> {
    let kinds: Vec<Kind> = existing.iter().map(|t| kind(t)).collect();
    let last = |k: Kind| kinds.iter().rposition(|x| *x == k);
    let first_attack = kinds.iter().position(|x| *x != Kind::Other).unwrap_or(0);
    let tactic_at = last(Kind::Tactic).map_or(Insert::Before(first_attack), Insert::After);
    let technique_at = last(Kind::Technique)
        .or(last(Kind::Tactic))
        .map_or(Insert::Before(first_attack), Insert::After);
    let (tactics, others): (Vec<String>, Vec<String>) =
        added.iter().cloned().partition(|t| kind(t) == Kind::Tactic);
    [(tactics, tactic_at), (others, technique_at)]
        .into_iter()
        .filter(|(tags, _)| !tags.is_empty())
        .map(|(additions, at)| Plan {
            actions: vec![Action::Keep; existing.len()],
            additions,
            insert: Some(at),
            ..Plan::default()
        })
        .collect()
}

/// The tags after the plans' additions, in the order the edits write them.
fn with_additions(existing: &[String], plans: &[Plan]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, tag) in existing.iter().enumerate() {
        for plan in plans.iter().filter(|p| p.insert == Some(Insert::Before(i))) {
            out.extend(plan.additions.iter().cloned());
        }
        out.push(tag.clone());
        for plan in plans.iter().filter(|p| p.insert == Some(Insert::After(i))) {
            out.extend(plan.additions.iter().cloned());
        }
    }
    out
}

/// The edits that fill an empty tags value: `tags:` (items on the lines
/// below), `tags: []` (a flow list) or `tags: ~` / `null` (the null
/// dropped, items below). A comment on the line stays.
fn empty_edits(
    text: &str,
    block: &TagsBlock,
    added: &[String],
    eol: LineEnding,
    indent: &str,
) -> Option<Vec<Edit>> {
    let start = block.after_colon;
    let mut line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    if text[..line_end].ends_with('\r') {
        line_end -= 1;
    }
    let rest = &text[start..line_end];
    let value_start = start + (rest.len() - rest.trim_start().len());
    let after = &text[value_start..line_end];
    let value = if after.starts_with('#') {
        ""
    } else {
        after
            .split(" #")
            .next()
            .and_then(|v| v.split("\t#").next())
            .unwrap_or("")
            .trim_end()
    };
    let items: String = added
        .iter()
        .map(|t| format!("{}{indent}- {t}", eol.as_str()))
        .collect();
    let below = Edit {
        range: line_end..line_end,
        text: items,
    };
    match value {
        "" => Some(vec![below]),
        "[]" => Some(vec![Edit {
            range: value_start..value_start + 2,
            text: format!("[{}]", added.join(", ")),
        }]),
        "~" | "null" | "Null" | "NULL" => Some(vec![
            Edit {
                range: start..value_start + value.len(),
                text: String::new(),
            },
            below,
        ]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_reads_other_spellings_as_the_same_tag() {
        assert_eq!(canonical("attack.T1059.001"), "attack.t1059.001");
        assert_eq!(
            canonical("attack.defense_evasion"),
            "attack.defense-evasion"
        );
        assert_eq!(canonical("car.2016-04-005"), "car.2016-04-005");
    }

    #[test]
    fn plans_put_tactics_after_tactics_and_techniques_after_techniques() {
        let existing: Vec<String> = ["attack.execution", "attack.t1059", "detection.dfir"]
            .map(String::from)
            .to_vec();
        let added: Vec<String> = ["attack.persistence", "attack.t1053.005"]
            .map(String::from)
            .to_vec();
        let plans = list_plans(&existing, &added);
        assert_eq!(
            with_additions(&existing, &plans),
            [
                "attack.execution",
                "attack.persistence",
                "attack.t1059",
                "attack.t1053.005",
                "detection.dfir"
            ]
        );
        let only_other: Vec<String> = vec!["detection.dfir".into()];
        let plans = list_plans(&only_other, &added);
        assert_eq!(
            with_additions(&only_other, &plans),
            ["attack.persistence", "attack.t1053.005", "detection.dfir"]
        );
    }
}
