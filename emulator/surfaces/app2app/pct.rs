//! Percent-encoding by RFC 3986 rules: [`decode`] (strict: `+` stays `+`, a broken escape or
//! non-UTF-8 result is an error), [`encode`] (everything but the unreserved characters) and
//! [`clean_url`] for a redirect target.

/// Decodes `raw`; the error is a fragment that reads after the parameter's name.
pub fn decode(raw: &str) -> Result<String, String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let pair = bytes.get(i + 1..i + 3);
                let value = pair.and_then(|p| Some(hex(*p.first()?)? << 4 | hex(*p.get(1)?)?));
                let Some(value) = value else {
                    let escape: String = raw[i..].chars().take(3).collect();
                    return Err(format!(
                        "holds `{}`, which is not a percent escape (hint: write a literal % as %25)",
                        escape.escape_default()
                    ));
                };
                out.push(value);
                i += 3;
            }
            // Whitespace and control characters are never part of a URL; over HTTP they are
            // mostly a `+` that arrived as a space because `uri` was not percent-encoded.
            b if b.is_ascii_whitespace() || b.is_ascii_control() => {
                return Err("holds a raw space or control character (hint: percent-encode it, e.g. a space as %20; \
                            over HTTP, percent-encode the whole link in `uri`, or a `+` arrives as a space)"
                    .to_owned());
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| "is not UTF-8 once percent-decoded".to_owned())
}

fn hex(b: u8) -> Option<u8> {
    char::from(b).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn push_escaped(out: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('%');
    out.push(char::from(HEX[usize::from(b >> 4)]));
    out.push(char::from(HEX[usize::from(b & 0xF)]));
}

/// Encodes every byte outside RFC 3986's unreserved set (`A–Z a–z 0–9 - . _ ~`).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3 / 2);
    for &b in text.as_bytes() {
        if is_unreserved(b) {
            out.push(char::from(b));
        } else {
            push_escaped(&mut out, b);
        }
    }
    out
}

/// Makes a redirect target safe to send: characters a URI may hold (reserved, unreserved and
/// `%`) stay as written, everything else (spaces, control characters such as a CR LF meant to
/// split the `Location` header, non-ASCII) is percent-encoded, as browsers do.
pub fn clean_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for &b in url.as_bytes() {
        if is_unreserved(b) || b"%:/?#[]@!$&'()*+,;=".contains(&b) {
            out.push(char::from(b));
        } else {
            push_escaped(&mut out, b);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::plus_stays_plus("+420606505404", "+420606505404")]
    #[case::escapes("fb%3A%2F%2FSuccess%3Fa%3D1", "fb://Success?a=1")]
    #[case::lower_case_hex("%c3%a9", "é")]
    #[case::raw_utf8("jörg", "jörg")]
    #[case::empty("", "")]
    fn values_decode_by_rfc_3986(#[case] raw: &str, #[case] decoded: &str) {
        assert_eq!(decode(raw).unwrap(), decoded);
    }

    #[rstest]
    #[case::bad_hex("a%zz", "`%zz`")]
    #[case::percent_at_the_end("a%", "`%`")]
    #[case::one_digit("a%4", "`%4`")]
    #[case::not_utf8("%C3%28", "not UTF-8")]
    #[case::raw_space("a b", "raw space")]
    #[case::raw_newline("a\nb", "raw space")]
    fn broken_values_are_refused(#[case] raw: &str, #[case] says: &str) {
        let e = decode(raw).unwrap_err();
        assert!(e.contains(says), "{e}");
    }

    #[test]
    fn encoding_keeps_only_unreserved_characters() {
        assert_eq!(encode("{\"a\":\"4.35\"} +é~"), "%7B%22a%22%3A%224.35%22%7D%20%2B%C3%A9~");
        assert_eq!(decode(&encode("fb://x?y=1&z=+ é")).unwrap(), "fb://x?y=1&z=+ é");
    }

    #[test]
    fn clean_urls_keep_their_structure_and_lose_header_breakers() {
        assert_eq!(clean_url("fb://Success?a=1&b=%20#f"), "fb://Success?a=1&b=%20#f");
        assert_eq!(clean_url("fb://x\r\nSet-Cookie: y"), "fb://x%0D%0ASet-Cookie:%20y");
        assert_eq!(clean_url("fb://café"), "fb://caf%C3%A9");
    }
}
