//! Text that came from outside — an integration's output, a scenario file, a certificate —
//! made safe to print: [`escape`] shows control characters instead of letting a terminal obey
//! them, and [`shorten`] cuts what is too long to quote whole.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` with every character a terminal would act on written out: C0 controls but tab
/// (`\x1b`, `\x00`, `\r`, `\n`), DEL, C1 controls (`\x9b` starts a sequence on some
/// terminals) and the bidirectional overrides that reorder what is shown (`\u{202e}`).
/// Clean text comes back borrowed.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

/// Appends `c` to `out`, written out if a terminal would act on it.
pub fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        _ if needs_escape(c) && u32::from(c) < 0x100 => {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        }
        _ if needs_escape(c) => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
        _ => out.push(c),
    }
}

/// Whether a terminal would act on `c` rather than show it.
pub fn needs_escape(c: char) -> bool {
    matches!(c, '\0'..='\u{8}' | '\n'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` cut to about `max` characters: the start and the end kept, and how much was cut said
/// in between. Text that fits comes back borrowed.
pub fn shorten(text: &str, max: usize) -> Cow<'_, str> {
    let count = text.chars().count();
    if count <= max {
        return Cow::Borrowed(text);
    }
    let keep = max.saturating_sub(24).max(8);
    let head: String = text.chars().take(keep * 2 / 3).collect();
    let tail: String = text.chars().skip(count - keep / 3).collect();
    let cut = count - head.chars().count() - tail.chars().count();
    Cow::Owned(format!("{head}…[{cut} characters cut]…{tail}"))
}

/// `text` escaped and then shortened to `max` characters: a line of someone else's output,
/// ready for a terminal.
pub fn line(text: &str, max: usize) -> String {
    escape(&shorten(text, max)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[rstest::rstest]
    #[case::an_ansi_colour("\u{1b}[31mred", "\\x1b[31mred")]
    #[case::an_osc_window_title("\u{1b}]0;pwned\u{7}", "\\x1b]0;pwned\\x07")]
    #[case::a_nul_byte("a\0b", "a\\x00b")]
    #[case::a_carriage_return_that_would_overwrite_the_line("ok\rFAIL", "ok\\rFAIL")]
    #[case::a_newline_that_would_fake_a_line("x\nALL SCENARIOS PASSED", "x\\nALL SCENARIOS PASSED")]
    #[case::a_c1_csi("\u{9b}2J", "\\x9b2J")]
    #[case::a_bidi_override("abc\u{202e}fed", "abc\\u{202e}fed")]
    #[case::a_tab_and_unicode_stay("a\tb — é ✓", "a\tb — é ✓")]
    fn controls_are_written_out(#[case] text: &str, #[case] shown: &str) {
        assert_eq!(escape(text), shown);
    }

    #[test]
    fn clean_text_is_not_copied() {
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_long_text_keeps_its_ends_and_says_how_much_was_cut() {
        let text = format!("start{}end", "x".repeat(10_000));
        let short = shorten(&text, 100);
        assert!(short.starts_with("start") && short.ends_with("end"), "{short}");
        assert!(short.contains("characters cut]"), "{short}");
        assert!(short.chars().count() <= 110, "{}", short.chars().count());
        assert_eq!(shorten("short", 100), "short");
    }
}
