//! The syntax of Sigma tags: split a tag into its namespace and name, and
//! read an `attack.*` name as the ATT&CK object it refers to.
//!
//! Reading is forgiving, so that a rule written by hand can be judged and
//! fixed: upper case (`attack.T1059`), a missing or wrong separator
//! (`attackt1059`, `attack_t1059`), spaces, an unpadded sub-technique
//! (`attack.t1059.1`), underscores in a tactic (`attack.defense_evasion`)
//! and a tactic named by ID or display name (`attack.ta0005`,
//! `attack.Defense Evasion`) are all understood, and each is remembered as a
//! [`SyntaxIssue`]. Nothing here looks at ATT&CK data: whether the object
//! exists is [`super::judge`]'s business.

use std::fmt;

use crate::rulefiles::invisible::is_invisible;

/// The namespace of ATT&CK tags.
pub const ATTACK_NAMESPACE: &str = "attack";

/// A Sigma tag as read from a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tag {
    /// A tag in the `attack` namespace (or one that is plainly meant to be).
    Attack(AttackTag),
    /// A tag of another namespace (`car.`, `cve.`, `detection.`, …): never
    /// judged or changed.
    Other,
    /// A tag that starts with `attack` but whose name is not an ATT&CK
    /// reference at all (`attack.`, `attack.t10 59x`).
    Invalid(String),
    /// A tag that reads as an ATT&CK tag only when characters of another
    /// script are taken for the ASCII they look like (`attack.т1059`,
    /// Cyrillic `т`): not that tag, never fixed automatically.
    Lookalike(AttackTag),
}

/// An `attack.*` tag: what it refers to and how its spelling differs from
/// the canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttackTag {
    /// The ATT&CK object the tag names.
    pub target: AttackRef,
    /// Every way the tag's spelling differs from the canonical one.
    pub issues: Vec<SyntaxIssue>,
}

/// The ATT&CK object an `attack.*` tag names. IDs are upper case
/// (`T1059.001`, `G0016`); tactic names are lower case with hyphens.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AttackRef {
    /// A technique or sub-technique, `T1059` / `T1059.001`.
    Technique(String),
    /// A tactic by shortname (`defense-evasion`): words joined by hyphens.
    Tactic(String),
    /// A tactic by ATT&CK ID (`TA0005`); the tag should use the shortname.
    TacticId(String),
    /// A group, `G0016`.
    Group(String),
    /// Software, `S0154`.
    Software(String),
    /// A mitigation, `M1042`.
    Mitigation(String),
    /// A campaign, `C0024`.
    Campaign(String),
    /// A data source, `DS0005` (Sigma spec 2.1).
    DataSource(String),
    /// An asset, `A0001` (Sigma spec 2.1, ICS).
    Asset(String),
}

impl AttackRef {
    /// The canonical tag for this reference (`attack.t1059.001`), or `None`
    /// for a tactic ID, whose tag needs the tactic's shortname.
    pub fn tag(&self) -> Option<String> {
        match self {
            AttackRef::TacticId(_) => None,
            AttackRef::Tactic(name) => Some(format!("{ATTACK_NAMESPACE}.{name}")),
            other => Some(format!(
                "{ATTACK_NAMESPACE}.{}",
                other.id().to_ascii_lowercase()
            )),
        }
    }

    /// The ID (upper case) or, for a tactic, its shortname.
    pub fn id(&self) -> &str {
        match self {
            AttackRef::Technique(s)
            | AttackRef::Tactic(s)
            | AttackRef::TacticId(s)
            | AttackRef::Group(s)
            | AttackRef::Software(s)
            | AttackRef::Mitigation(s)
            | AttackRef::Campaign(s)
            | AttackRef::DataSource(s)
            | AttackRef::Asset(s) => s,
        }
    }

    /// What kind of object it is, in words (`technique`, `group`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            AttackRef::Technique(id) if id.contains('.') => "sub-technique",
            AttackRef::Technique(_) => "technique",
            AttackRef::Tactic(_) | AttackRef::TacticId(_) => "tactic",
            AttackRef::Group(_) => "group",
            AttackRef::Software(_) => "software",
            AttackRef::Mitigation(_) => "mitigation",
            AttackRef::Campaign(_) => "campaign",
            AttackRef::DataSource(_) => "data source",
            AttackRef::Asset(_) => "asset",
        }
    }
}

/// A way an `attack.*` tag's spelling differs from the canonical form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyntaxIssue {
    /// Upper-case letters (`attack.T1059`).
    UpperCase,
    /// Spaces around or inside the tag.
    Spaces,
    /// No dot after `attack` (`attackt1059`).
    MissingDot,
    /// Another character than a dot after `attack` (`attack_t1059`).
    WrongSeparator,
    /// A sub-technique number of fewer than three digits, or a separator
    /// other than a dot (`t1059.1`, `t1059/001`).
    SubTechniqueNumber,
    /// Underscores instead of hyphens in a tactic (`defense_evasion`): the
    /// spelling of Sigma rules before specification 2.0.
    Underscore,
    /// A tactic named by its display name rather than its shortname.
    TacticName,
    /// A tactic named by its ATT&CK ID (`ta0005`).
    TacticId,
    /// Invisible characters before or after the tag: a zero-width space,
    /// a byte order mark, a direction mark, a tab or a no-break space.
    /// Stripping them is unambiguous.
    Invisible,
    /// Fullwidth forms of ASCII characters (`attack．t1059`): the same
    /// characters by Unicode compatibility, so unambiguous.
    Fullwidth,
    /// Letters or punctuation of another script that look like ASCII
    /// (Cyrillic `т`, Greek `ο`, a Unicode hyphen): the tag reads as an
    /// ATT&CK tag only by guessing, so it is never fixed automatically.
    Lookalike,
}

impl fmt::Display for SyntaxIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SyntaxIssue::UpperCase => "upper-case letters",
            SyntaxIssue::Spaces => "spaces",
            SyntaxIssue::MissingDot => "no dot after 'attack'",
            SyntaxIssue::WrongSeparator => "a separator other than a dot after 'attack'",
            SyntaxIssue::SubTechniqueNumber => {
                "a sub-technique number that is not '.' and three digits"
            }
            SyntaxIssue::Underscore => "underscores instead of hyphens (pre-2.0 Sigma spelling)",
            SyntaxIssue::TacticName => "a tactic display name instead of its shortname",
            SyntaxIssue::TacticId => "a tactic ID instead of its shortname",
            SyntaxIssue::Invisible => "invisible characters around the tag",
            SyntaxIssue::Fullwidth => "fullwidth characters",
            SyntaxIssue::Lookalike => "characters of another script that look like ASCII",
        })
    }
}

/// Reads one tag as written in a rule.
pub fn parse(raw: &str) -> Tag {
    match parse_forgiving(raw) {
        Tag::Attack(tag) if tag.issues.contains(&SyntaxIssue::Lookalike) => Tag::Lookalike(tag),
        Tag::Invalid(_) => Tag::Invalid(raw.to_string()),
        other => other,
    }
}

/// Reads a tag, lookalikes taken for the ASCII they look like.
fn parse_forgiving(raw: &str) -> Tag {
    let (clean, mut issues) = normalise(raw);
    let trimmed = clean.trim();
    let lower = trimmed.to_ascii_lowercase();
    let Some(after) = lower.strip_prefix(ATTACK_NAMESPACE) else {
        return Tag::Other;
    };
    if lower != trimmed {
        issues.push(SyntaxIssue::UpperCase);
    }
    if trimmed.len() != clean.len() {
        issues.push(SyntaxIssue::Spaces);
    }
    let name = match after.chars().next() {
        Some('.') => &after[1..],
        Some('_' | '-' | ':' | ' ') => {
            issues.push(SyntaxIssue::WrongSeparator);
            &after[1..]
        }
        Some(c) if c.is_ascii_alphanumeric() => {
            // `attackt1059`: only an attack tag if the rest reads as one;
            // otherwise it is some other namespace (`attacker.x`).
            return match parse_name(after) {
                Some((target, mut more)) => {
                    issues.push(SyntaxIssue::MissingDot);
                    issues.append(&mut more);
                    Tag::Attack(AttackTag { target, issues })
                }
                None => Tag::Other,
            };
        }
        _ => return Tag::Invalid(raw.to_string()),
    };
    match parse_name(name) {
        Some((target, mut more)) => {
            issues.append(&mut more);
            dedup(&mut issues);
            Tag::Attack(AttackTag { target, issues })
        }
        None => Tag::Invalid(raw.to_string()),
    }
}

/// The tag without invisible characters at either end, with fullwidth
/// forms and lookalikes read as the ASCII they stand for, and the issues
/// met. Invisible characters inside the tag are kept (the tag is then not
/// read as an ATT&CK tag).
fn normalise(raw: &str) -> (String, Vec<SyntaxIssue>) {
    let mut issues = Vec::new();
    let invisible = |c: char| is_invisible(c) && c != ' ';
    let outer = raw.trim_matches(|c: char| c == ' ' || invisible(c));
    let start = raw.len()
        - raw
            .trim_start_matches(|c: char| c == ' ' || invisible(c))
            .len();
    let (before, after) = (&raw[..start], &raw[start + outer.len()..]);
    if before.chars().chain(after.chars()).any(invisible) {
        issues.push(SyntaxIssue::Invisible);
    }
    // Keep the spaces around the tag: they are `Spaces`, found below.
    let lead = before.chars().filter(|c| *c == ' ').count();
    let trail = after.chars().filter(|c| *c == ' ').count();
    let mut clean = " ".repeat(lead);
    for c in outer.chars() {
        match fullwidth(c) {
            Some(a) => {
                issues.push(SyntaxIssue::Fullwidth);
                clean.push(a);
            }
            None => match lookalike(c) {
                Some(a) => {
                    issues.push(SyntaxIssue::Lookalike);
                    clean.push(a);
                }
                None => clean.push(c),
            },
        }
    }
    clean.push_str(&" ".repeat(trail));
    dedup(&mut issues);
    (clean, issues)
}

/// The ASCII character of a fullwidth form (`．` → `.`, `ｔ` → `t`) or
/// the ideographic space.
fn fullwidth(c: char) -> Option<char> {
    match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0),
        0x3000 => Some(' '),
        _ => None,
    }
}

/// The ASCII character that a letter or mark of another script looks
/// like, for the characters likely in a tag: Cyrillic and Greek letters,
/// dots and hyphens.
fn lookalike(c: char) -> Option<char> {
    Some(match c {
        'а' | 'α' => 'a',
        'с' | 'ϲ' => 'c',
        'ԁ' => 'd',
        'е' | 'ε' => 'e',
        'һ' => 'h',
        'і' | 'ι' => 'i',
        'ј' => 'j',
        'к' | 'κ' => 'k',
        'м' => 'm',
        'о' | 'ο' | 'σ' => 'o',
        'р' | 'ρ' => 'p',
        'ԛ' => 'q',
        'ѕ' => 's',
        'т' | 'τ' => 't',
        'υ' => 'u',
        'ν' => 'v',
        'ԝ' => 'w',
        'х' | 'χ' => 'x',
        'у' | 'γ' => 'y',
        'А' | 'Α' => 'A',
        'В' | 'Β' => 'B',
        'С' => 'C',
        'Е' | 'Ε' => 'E',
        'Н' | 'Η' => 'H',
        'І' | 'Ι' => 'I',
        'К' | 'Κ' => 'K',
        'М' | 'Μ' => 'M',
        'О' | 'Ο' => 'O',
        'Р' | 'Ρ' => 'P',
        'Ѕ' => 'S',
        'Т' | 'Τ' => 'T',
        'Х' | 'Χ' => 'X',
        '\u{2024}' | '\u{2027}' | '\u{00b7}' | '\u{fe52}' => '.',
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{fe63}' => '-',
        _ => return None,
    })
}

fn dedup(issues: &mut Vec<SyntaxIssue>) {
    let mut seen = Vec::new();
    issues.retain(|i| {
        let new = !seen.contains(i);
        seen.push(*i);
        new
    });
}

/// Reads the part after `attack.` (already lower case).
fn parse_name(name: &str) -> Option<(AttackRef, Vec<SyntaxIssue>)> {
    let mut issues = Vec::new();
    let compact: String = name.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return None;
    }
    if let Some(target) = parse_id(&compact, &mut issues) {
        if compact.len() != name.len() {
            issues.push(SyntaxIssue::Spaces);
        }
        return Some((target, issues));
    }
    parse_tactic(name.trim(), &mut issues).map(|t| (t, issues))
}

/// An ID-shaped name: a type prefix and digits.
fn parse_id(name: &str, issues: &mut Vec<SyntaxIssue>) -> Option<AttackRef> {
    let letters = name.chars().take_while(char::is_ascii_alphabetic).count();
    let (prefix, rest) = name.split_at(letters);
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 || digits > 5 {
        return None;
    }
    let (number, tail) = rest.split_at(digits);
    let id = |p: &str| format!("{p}{number}");
    let target = match (prefix, tail) {
        ("t", "") => AttackRef::Technique(id("T")),
        ("t", tail) => AttackRef::Technique(format!("T{number}.{}", sub_technique(tail, issues)?)),
        (_, t) if !t.is_empty() => return None,
        ("ta", _) => {
            issues.push(SyntaxIssue::TacticId);
            AttackRef::TacticId(id("TA"))
        }
        ("g", _) => AttackRef::Group(id("G")),
        ("s", _) => AttackRef::Software(id("S")),
        ("m", _) => AttackRef::Mitigation(id("M")),
        ("c", _) => AttackRef::Campaign(id("C")),
        ("ds", _) => AttackRef::DataSource(id("DS")),
        ("a", _) => AttackRef::Asset(id("A")),
        _ => return None,
    };
    Some(target)
}

/// The three-digit number of a sub-technique from `.1`, `.01`, `/001`, ….
fn sub_technique(tail: &str, issues: &mut Vec<SyntaxIssue>) -> Option<String> {
    let mut chars = tail.chars();
    let separator = chars.next()?;
    let digits = chars.as_str();
    if !matches!(separator, '.' | '/' | '-' | '_')
        || digits.is_empty()
        || digits.len() > 3
        || !digits.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    if separator != '.' || digits.len() != 3 {
        issues.push(SyntaxIssue::SubTechniqueNumber);
    }
    Some(format!("{digits:0>3}"))
}

/// A tactic name: words of letters joined by `-`, `_` or spaces.
fn parse_tactic(name: &str, issues: &mut Vec<SyntaxIssue>) -> Option<AttackRef> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || "-_ ".contains(c))
    {
        return None;
    }
    let words: Vec<&str> = name
        .split(['-', '_', ' '])
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        return None;
    }
    if name.contains('_') {
        issues.push(SyntaxIssue::Underscore);
    }
    if name.contains(' ') {
        issues.push(SyntaxIssue::Spaces);
    }
    let joined = words.join("-");
    if !name.contains(['_', ' ']) && joined != name {
        // Doubled or leading/trailing hyphens.
        issues.push(SyntaxIssue::Spaces);
    }
    Some(AttackRef::Tactic(joined))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attack(raw: &str) -> (AttackRef, Vec<SyntaxIssue>) {
        match parse(raw) {
            Tag::Attack(a) => (a.target, a.issues),
            other => panic!("{raw}: {other:?}"),
        }
    }

    #[test]
    fn canonical_tags_have_no_issues() {
        for (raw, target) in [
            ("attack.t1059", AttackRef::Technique("T1059".into())),
            ("attack.t1059.001", AttackRef::Technique("T1059.001".into())),
            ("attack.g0016", AttackRef::Group("G0016".into())),
            ("attack.s0111", AttackRef::Software("S0111".into())),
            ("attack.ds0005", AttackRef::DataSource("DS0005".into())),
            ("attack.m1042", AttackRef::Mitigation("M1042".into())),
            (
                "attack.command-and-control",
                AttackRef::Tactic("command-and-control".into()),
            ),
        ] {
            assert_eq!(attack(raw), (target.clone(), vec![]), "{raw}");
            assert_eq!(target.tag().as_deref(), Some(raw));
        }
    }

    #[test]
    fn malformed_tags_are_understood() {
        use SyntaxIssue::*;
        let t = |id: &str| AttackRef::Technique(id.into());
        assert_eq!(attack("attack.T1059"), (t("T1059"), vec![UpperCase]));
        assert_eq!(
            attack("attack.t1059.1"),
            (t("T1059.001"), vec![SubTechniqueNumber])
        );
        assert_eq!(attack("attackt1059"), (t("T1059"), vec![MissingDot]));
        assert_eq!(attack("attack_t1059"), (t("T1059"), vec![WrongSeparator]));
        assert_eq!(attack(" attack.t1059 "), (t("T1059"), vec![Spaces]));
        assert_eq!(attack("attack. t1059"), (t("T1059"), vec![Spaces]));
        assert_eq!(
            attack("Attack.T1059/01"),
            (t("T1059.001"), vec![UpperCase, SubTechniqueNumber])
        );
        assert_eq!(
            attack("attack.defense_evasion"),
            (
                AttackRef::Tactic("defense-evasion".into()),
                vec![Underscore]
            )
        );
        assert_eq!(
            attack("attack.Defense Evasion"),
            (
                AttackRef::Tactic("defense-evasion".into()),
                vec![UpperCase, Spaces]
            )
        );
        assert_eq!(
            attack("attack.TA0005"),
            (
                AttackRef::TacticId("TA0005".into()),
                vec![UpperCase, TacticId]
            )
        );
    }

    #[test]
    fn invisible_fullwidth_and_lookalike_characters() {
        use SyntaxIssue::*;
        let t = |id: &str| AttackRef::Technique(id.into());
        assert_eq!(
            attack("\u{200b}attack.t1059"),
            (t("T1059"), vec![Invisible])
        );
        assert_eq!(
            attack("attack.t1059\u{feff}\u{a0}"),
            (t("T1059"), vec![Invisible])
        );
        assert_eq!(
            attack(" \u{2060}attack.t1059 "),
            (t("T1059"), vec![Invisible, Spaces])
        );
        assert_eq!(
            attack("ａｔｔａｃｋ．ｔ１０５９"),
            (t("T1059"), vec![Fullwidth])
        );
        assert!(matches!(parse("attack.t10\u{200b}59"), Tag::Invalid(_)));
        assert!(matches!(parse("\u{200b}cve.2021-44228"), Tag::Other));
        match parse("аttack.т1059") {
            Tag::Lookalike(tag) => {
                assert_eq!(tag.target, t("T1059"));
                assert_eq!(tag.issues, vec![Lookalike]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn other_namespaces_and_nonsense() {
        for raw in [
            "car.2013-08-001",
            "cve.2019-19781",
            "detection.threat-hunting",
            "stp.1u",
            "tlp.clear",
            "d3fend.d3f-Foo",
            "attacker.x1",
        ] {
            assert_eq!(parse(raw), Tag::Other, "{raw}");
        }
        for raw in ["attack.", "attack", "attack.t1059.0001", "attack.x1.2"] {
            assert!(matches!(parse(raw), Tag::Invalid(_)), "{raw}");
        }
    }
}
