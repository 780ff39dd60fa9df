//! Characters a reader cannot see: control characters, Unicode format
//! characters (zero-width space, joiners, direction marks, the byte order
//! mark) and whitespace other than the ASCII space. Messages print them
//! escaped (`\u{200b}`) so that a finding about them can be read.

/// Whether `c` is invisible or blank in print: a control character, a
/// Unicode format character (general category Cf) or whitespace other than
/// the ASCII space.
pub fn is_invisible(c: char) -> bool {
    c.is_control() || is_format(c) || (c.is_whitespace() && c != ' ')
}

/// Whether `c` is a Unicode format character (general category Cf).
pub fn is_format(c: char) -> bool {
    matches!(
        c as u32,
        0x00AD
            | 0x0600..=0x0605
            | 0x061C
            | 0x06DD
            | 0x070F
            | 0x0890..=0x0891
            | 0x08E2
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
    )
}

/// `text` with every invisible character written as `\u{…}` (lower-case
/// hex), everything else as it is.
pub fn escape_invisible(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_invisible(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_characters_are_escaped() {
        assert_eq!(
            escape_invisible("attack.t1059\u{200b}"),
            "attack.t1059\\u{200b}"
        );
        assert_eq!(
            escape_invisible("\u{feff}a\tb c\u{a0}"),
            "\\u{feff}a\\u{9}b c\\u{a0}"
        );
        assert_eq!(escape_invisible("attack.т1059 \"x\""), "attack.т1059 \"x\"");
        assert!(is_format('\u{2060}') && !is_format('a'));
    }
}
