//! Small helpers for the words of messages and summaries, shared by the
//! exporters, the checks and the command line.

/// `n` and `one` when `n` is 1, else `n` and `many`: `1 rule`, `3 rules`,
/// `2 entries`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// `n` and the noun, with `-s` unless `n` is 1: `1 file`, `2 files`,
/// `0 findings`. Nouns with another plural use [`plural`].
pub fn count(n: usize, noun: &str) -> String {
    plural(n, noun, &format!("{noun}s"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_everything_else_plural() {
        assert_eq!(plural(1, "entry", "entries"), "1 entry");
        assert_eq!(plural(0, "entry", "entries"), "0 entries");
        assert_eq!(plural(3, "entry", "entries"), "3 entries");
        assert_eq!(count(1, "file"), "1 file");
        assert_eq!(count(0, "file"), "0 files");
        assert_eq!(count(2, "file"), "2 files");
        assert_eq!(count(2, "finding"), "2 findings");
    }
}
