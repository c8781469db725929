//! [`Redactor`]: swaps what changes from run to run — ports, UUIDs, AMS ids, timestamps,
//! tokens — for stable placeholders, so transcripts and CLI output can be snapshotted. Equal
//! values get equal placeholders (`<uuid:1>` twice means the same task both times).

use std::collections::HashMap;
use std::sync::OnceLock;

use regex::{Captures, Regex};

/// Redacts text, numbering each distinct value per kind in order of first appearance.
#[derive(Debug, Default)]
pub struct Redactor {
    seen: HashMap<(&'static str, String), usize>,
    counts: HashMap<&'static str, usize>,
}

struct Rule {
    kind: &'static str,
    pattern: Regex,
    numbered: bool,
}

fn rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| {
        let rule = |kind, pattern: &str, numbered| Rule {
            kind,
            pattern: Regex::new(pattern).expect("the redaction patterns are valid"),
            numbered,
        };
        vec![
            rule("jwt", r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", true),
            rule("uuid", r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", true),
            rule("time", r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z\b", false),
            rule("port", r"(127\.0\.0\.1|localhost):\d{1,5}", false),
            rule("ams", r"\b[1-9]\d{11}\b", true),
        ]
    })
}

impl Redactor {
    /// A redactor with nothing seen yet.
    pub fn new() -> Self {
        Redactor::default()
    }

    /// `text` with every volatile value replaced.
    pub fn redact(&mut self, text: &str) -> String {
        let mut out = text.to_owned();
        for rule in rules() {
            out = rule
                .pattern
                .replace_all(&out, |caps: &Captures<'_>| {
                    let value = caps[0].to_owned();
                    match (rule.kind, rule.numbered) {
                        ("port", _) => format!("{}:<port>", &caps[1]),
                        (kind, false) => format!("<{kind}>"),
                        (kind, true) => {
                            let next = self.counts.get(kind).copied().unwrap_or(0) + 1;
                            let n = *self.seen.entry((kind, value)).or_insert_with(|| next);
                            if n == next {
                                self.counts.insert(kind, next);
                            }
                            format!("<{kind}:{n}>")
                        }
                    }
                })
                .into_owned();
        }
        out
    }
}

/// The field names whose values are secrets, wherever they appear.
const SECRET_FIELDS: [&str; 4] = ["password", "refresh_token", "client_secret", "access_token"];

/// Whether the field named `name` (already decoded) holds a secret. Case is ignored: hiding
/// one value too many costs nothing.
fn secret_field(name: &str) -> bool {
    SECRET_FIELDS.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// `text` with passwords, client secrets, access and refresh tokens (form fields and JSON
/// members) and every JWT replaced by `<redacted>`: what the journal, the dashboard and the
/// reports show of a body unless secrets are asked for. Field names are compared decoded, as
/// the server reads them: `pass%77ord=` in a form and `"pass\u0077ord"` in JSON are passwords.
pub fn secrets(text: &str) -> String {
    static PATTERNS: OnceLock<[Regex; 3]> = OnceLock::new();
    let [jwt, form, json] = PATTERNS.get_or_init(|| {
        let re = |p: &str| Regex::new(p).expect("the secret patterns are valid");
        [
            re(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"),
            // A form field or query parameter: its name, then its value up to the next `&`.
            re(r"(^|[&?])([^&=?\s]*)=[^&\s]*"),
            // A JSON member whose value is a string.
            re(r#""((?:[^"\\]|\\.)*)"(\s*:\s*)"(?:[^"\\]|\\.)*""#),
        ]
    });
    let mut out = jwt.replace_all(text, "<redacted>").into_owned();
    if out.contains('=') {
        out = form
            .replace_all(&out, |c: &Captures<'_>| {
                let name = c[2].replace('+', " ");
                let name = percent_encoding::percent_decode_str(&name).decode_utf8_lossy();
                if secret_field(&name) { format!("{}{}=<redacted>", &c[1], &c[2]) } else { c[0].to_owned() }
            })
            .into_owned();
    }
    if out.contains('"') {
        out = json
            .replace_all(&out, |c: &Captures<'_>| {
                let name = serde_json::from_str::<String>(&format!("\"{}\"", &c[1])).unwrap_or_default();
                if secret_field(&name) { format!("\"{}\"{}\"<redacted>\"", &c[1], &c[2]) } else { c[0].to_owned() }
            })
            .into_owned();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_get_equal_placeholders() {
        let mut r = Redactor::new();
        let text = "task 6c67375f-e632-4ca4-b967-bdcb3c9dba7d then 8ccd4b56-494e-48db-ab6b-e154f664dc4e then 6c67375f-e632-4ca4-b967-bdcb3c9dba7d";
        assert_eq!(r.redact(text), "task <uuid:1> then <uuid:2> then <uuid:1>");
    }

    #[rstest::rstest]
    #[case::a_form("grant_type=password&password=S3&tid=1", "grant_type=password&password=<redacted>&tid=1")]
    #[case::an_escaped_form_name("pass%77ord=S3&x=1", "pass%77ord=<redacted>&x=1")]
    #[case::a_query("/t?refresh%5Ftoken=S3", "/t?refresh%5Ftoken=<redacted>")]
    #[case::json(r#"{"password": "S3", "tid": "1"}"#, r#"{"password": "<redacted>", "tid": "1"}"#)]
    #[case::an_escaped_json_name(r#"{"pass\u0077ord":"S3"}"#, r#"{"pass\u0077ord":"<redacted>"}"#)]
    #[case::other_fields_stay("amount=1&password_hint=x", "amount=1&password_hint=x")]
    fn secrets_are_found_by_their_decoded_names(#[case] text: &str, #[case] hidden: &str) {
        assert_eq!(secrets(text), hidden);
    }

    #[test]
    fn ports_times_and_ams_ids_are_redacted() {
        let mut r = Redactor::new();
        let text = "http://127.0.0.1:41547 at 2026-01-01T00:00:04.259Z amsId 589148974563 amount 1250";
        assert_eq!(r.redact(text), "http://127.0.0.1:<port> at <time> amsId <ams:1> amount 1250");
    }
}
