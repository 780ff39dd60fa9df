//! A unified diff of two texts, line by line, for `sigma fix --dry-run`.
//!
//! The common head and tail are cut first, so only the region between the
//! first and the last change is compared (a longest-common-subsequence
//! table over that region). Fixes change a few lines of tags, so that
//! region is small; past [`MAX_CELLS`] the region is shown as one
//! replacement.

/// Largest comparison table built (lines × lines).
pub const MAX_CELLS: usize = 4_000_000;

/// Lines of context around each change.
const CONTEXT: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Same,
    Delete,
    Insert,
}

/// The lines of a text, each with its line ending.
fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// A unified diff from `old` to `new`, with `a_name`/`b_name` in the
/// header; empty when the texts are equal.
pub fn unified(old: &str, new: &str, a_name: &str, b_name: &str) -> String {
    if old == new {
        return String::new();
    }
    let a = lines(old);
    let b = lines(new);
    let script = edit_script(&a, &b);
    let mut out = format!("--- {a_name}\n+++ {b_name}\n");
    for hunk in hunks(&script) {
        write_hunk(&mut out, &script[hunk.0..hunk.1], &a, &b);
    }
    out
}

/// (op, index in a, index in b) for every line.
type Script = Vec<(Op, usize, usize)>;

fn edit_script(a: &[&str], b: &[&str]) -> Script {
    let head = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (mid_a, mid_b) = (&a[head..a.len() - tail], &b[head..b.len() - tail]);
    let mut script: Script = (0..head).map(|i| (Op::Same, i, i)).collect();
    for (op, i, j) in middle(mid_a, mid_b) {
        script.push((op, head + i, head + j));
    }
    let (ta, tb) = (a.len() - tail, b.len() - tail);
    script.extend((0..tail).map(|k| (Op::Same, ta + k, tb + k)));
    script
}

fn middle(a: &[&str], b: &[&str]) -> Script {
    let (n, m) = (a.len(), b.len());
    if n.saturating_mul(m) > MAX_CELLS {
        let mut s: Script = (0..n).map(|i| (Op::Delete, i, 0)).collect();
        s.extend((0..m).map(|j| (Op::Insert, n, j)));
        return s;
    }
    // lcs[i][j] = length of the LCS of a[i..] and b[j..].
    let mut lcs = vec![0u32; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[at(i, j)] = if a[i] == b[j] {
                lcs[at(i + 1, j + 1)] + 1
            } else {
                lcs[at(i + 1, j)].max(lcs[at(i, j + 1)])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut s = Script::new();
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            s.push((Op::Same, i, j));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[at(i + 1, j)] >= lcs[at(i, j + 1)]) {
            s.push((Op::Delete, i, j));
            i += 1;
        } else {
            s.push((Op::Insert, i, j));
            j += 1;
        }
    }
    s
}

/// Ranges of the script to show: each change with its context, merged.
fn hunks(script: &Script) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (k, (op, _, _)) in script.iter().enumerate() {
        if *op == Op::Same {
            continue;
        }
        let start = k.saturating_sub(CONTEXT);
        let end = (k + 1 + CONTEXT).min(script.len());
        match out.last_mut() {
            Some(last) if start <= last.1 => last.1 = end,
            _ => out.push((start, end)),
        }
    }
    out
}

fn write_hunk(out: &mut String, ops: &[(Op, usize, usize)], a: &[&str], b: &[&str]) {
    let old_count = ops.iter().filter(|o| o.0 != Op::Insert).count();
    let new_count = ops.iter().filter(|o| o.0 != Op::Delete).count();
    let first = ops[0];
    let old_start = if old_count == 0 { first.1 } else { first.1 + 1 };
    let new_start = if new_count == 0 { first.2 } else { first.2 + 1 };
    out.push_str(&format!(
        "@@ -{old_start},{old_count} +{new_start},{new_count} @@\n"
    ));
    for &(op, i, j) in ops {
        let (sign, line) = match op {
            Op::Same => (' ', a[i]),
            Op::Delete => ('-', a[i]),
            Op::Insert => ('+', b[j]),
        };
        out.push(sign);
        out.push_str(line);
        if !line.ends_with('\n') {
            out.push_str("\n\\ No newline at end of file\n");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_have_no_diff() {
        assert_eq!(unified("a\n", "a\n", "a", "b"), "");
    }

    #[test]
    fn one_changed_line_with_context() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let new = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        assert_eq!(
            unified(old, new, "a/x", "b/x"),
            "--- a/x\n+++ b/x\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
        );
    }

    #[test]
    fn insertion_and_deletion() {
        let old = "a\nb\nc\n";
        let new = "a\nx\nb\n";
        assert_eq!(
            unified(old, new, "a", "b"),
            "--- a\n+++ b\n@@ -1,3 +1,3 @@\n a\n+x\n b\n-c\n"
        );
    }

    #[test]
    fn missing_final_newline_is_marked() {
        let diff = unified("a\nb", "a\nc", "a", "b");
        assert!(
            diff.contains("-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"),
            "{diff}"
        );
    }
}
