//! Text that came from outside — an integration's output, a scenario file, a certificate —
//! made safe to show: [`needs_escape`] is the one set of characters no output writes raw;
//! [`escape`] spells them for a terminal, [`for_markup`] for HTML, XML and SVG ([`Shown`] in a
//! template), [`shell_word`] for a shell; [`shorten`] cuts what is too long to quote whole.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` with every character of [`needs_escape`] written out: `\x1b`, `\x00`, `\r`, `\n`,
/// `\x9b`, `\u{202e}`. Clean text comes back borrowed.
pub(crate) fn escape(text: &str) -> Cow<'_, str> {
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
pub(crate) fn push_escaped(out: &mut String, c: char) {
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

/// Whether `c` is shown escaped in every output, because a reader's terminal or browser would
/// act on it rather than show it: C0 controls but tab (`\x1b` starts a terminal sequence, `\r`
/// and `\n` fake lines), DEL, C1 controls (`\x9b` starts a sequence on some terminals), the
/// bidirectional marks, embeddings, overrides and isolates that reorder what is shown (U+061C,
/// U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), the line and paragraph separators U+2028
/// and U+2029 (new lines to some readers, not to others), and the noncharacters U+FFFE and
/// U+FFFF (which XML forbids). This is the one policy: each writer spells the escape its way.
pub(crate) fn needs_escape(c: char) -> bool {
    matches!(
        c,
        '\0'..='\u{8}'
            | '\n'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{61c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{fffe}'
            | '\u{ffff}'
    )
}

/// What a markup writer (HTML, XML, SVG) writes for `c`, or `None` to write `c` itself. Of the
/// characters of [`needs_escape`], tab, newline and carriage return are markup's own spacing and
/// stay; the other C0 controls and DEL become their Control Pictures (ESC → ␛: XML 1.0 forbids
/// them even as references, and a picture keeps an ANSI colour code readable); the rest are
/// written out as the terminal writes them (`\u{202e}`), since a character reference would be
/// obeyed like the character.
pub(crate) fn for_markup(c: char) -> Option<String> {
    match c {
        '\t' | '\n' | '\r' => None,
        '\0'..='\u{1f}' => Some(char::from_u32(0x2400 + u32::from(c)).unwrap_or('\u{fffd}').to_string()),
        '\u{7f}' => Some('\u{2421}'.to_string()),
        _ if needs_escape(c) => {
            let mut out = String::new();
            push_escaped(&mut out, c);
            Some(out)
        }
        _ => None,
    }
}

/// `text` with each character spelled as [`for_markup`] says, ready for a markup library to
/// escape its own specials (`<`, `&`, quotes). Clean text comes back borrowed.
pub(crate) fn markup_text(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match for_markup(c) {
            Some(shown) => out.push_str(&shown),
            None => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Text from outside as a `maud` template shows it (the HTML report, the sequence diagram, the
/// gateway page): spelled by [`markup_text`], then escaped by maud as every value is (`&`, `<`,
/// `>`, `"`; attributes are always double-quoted, so `'` needs nothing).
pub(crate) struct Shown<'a>(pub &'a str);

impl maud::Render for Shown<'_> {
    fn render_to(&self, buffer: &mut String) {
        markup_text(self.0).render_to(buffer);
    }
}

/// `text` as one word for a POSIX shell, naming exactly `text` when pasted: bare when it is
/// only letters, digits and `-_./=:,+@%` (a leading `-` too: the caller decides whether a
/// word may look like an option); in single quotes otherwise; and in bash's `$'…'` quotes when
/// it holds a character of [`needs_escape`], written out there as `\xNN` or `\uNNNN`, so the
/// line shows no raw control and still names the file.
pub(crate) fn shell_word(text: &str) -> String {
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c)) {
        return text.to_owned();
    }
    if !text.chars().any(needs_escape) {
        return format!("'{}'", text.replace('\'', r"'\''"));
    }
    let mut out = String::from("$'");
    for c in text.chars() {
        match c {
            '\\' | '\'' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // One byte of UTF-8: `\xNN` is that byte; two hex digits at most, so the next
            // character cannot be read into it.
            _ if needs_escape(c) && u32::from(c) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            // bash writes `\uNNNN` as the character's UTF-8 (four hex digits, all there are).
            _ if needs_escape(c) => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            _ => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// [`shell_word`] for a file argument: a path that starts with `-` gets `./` in front, so the
/// command does not read it as an option (`./-r.toml`).
pub(crate) fn shell_path(text: &str) -> String {
    if text.starts_with('-') { shell_word(&format!("./{text}")) } else { shell_word(text) }
}

/// `text` cut to about `max` characters: the start and the end kept, and how much was cut said
/// in between. Text that fits comes back borrowed.
pub(crate) fn shorten(text: &str, max: usize) -> Cow<'_, str> {
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
pub(crate) fn line(text: &str, max: usize) -> String {
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
    #[case::bidi_marks_and_isolates("\u{200f}\u{61c}\u{2066}x\u{2069}", "\\u{200f}\\u{61c}\\u{2066}x\\u{2069}")]
    #[case::line_and_paragraph_separators("a\u{2028}b\u{2029}c", "a\\u{2028}b\\u{2029}c")]
    fn controls_are_written_out(#[case] text: &str, #[case] shown: &str) {
        assert_eq!(escape(text), shown);
    }

    #[rstest::rstest]
    #[case::a_plain_name("scenarios/a-b.toml", "scenarios/a-b.toml")]
    #[case::a_space_and_a_quote("it's a.toml", r"'it'\''s a.toml'")]
    #[case::a_control("a\u{1b}[1m\nb.toml", r"$'a\x1b[1m\nb.toml'")]
    #[case::a_bidi_override_and_a_quote("a\u{202e}'b", r"$'a\u202e\'b'")]
    fn shell_words(#[case] text: &str, #[case] word: &str) {
        assert_eq!(shell_word(text), word);
    }

    #[test]
    fn a_path_that_looks_like_an_option_is_named_from_this_folder() {
        assert_eq!((shell_path("-r.toml"), shell_path("a/-r.toml")), ("./-r.toml".to_owned(), "a/-r.toml".to_owned()));
    }

    #[test]
    fn markup_keeps_its_spacing_and_shows_the_rest() {
        let shown: String =
            "\t\n\u{1b}\u{7f}\u{9b}\u{202e}é".chars().map(|c| for_markup(c).unwrap_or_else(|| c.to_string())).collect();
        assert_eq!(shown, "\t\n\u{241b}\u{2421}\\x9b\\u{202e}é");
        assert_eq!(markup_text("\t\n\u{1b}\u{7f}\u{9b}\u{202e}é"), shown);
        assert!(matches!(markup_text("<plain> & \"quoted\""), Cow::Borrowed(_)));
    }

    #[test]
    fn a_template_shows_text_spelled_then_escaped() {
        let page = maud::html! { p title=(Shown("\"\u{202e}")) { (Shown("<b>\u{1b}[1m & 'x'</b>")) } };
        assert_eq!(page.into_string(), "<p title=\"&quot;\\u{202e}\">&lt;b&gt;\u{241b}[1m &amp; 'x'&lt;/b&gt;</p>");
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
