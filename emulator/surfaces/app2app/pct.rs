//! Percent-encoding by RFC 3986 rules, through the `percent-encoding` crate: [`decode`]
//! (strict: `+` stays `+`, a broken escape or non-UTF-8 result is an error), [`encode`]
//! (everything but the unreserved characters) and [`clean_url`] for a redirect target.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// Every byte outside RFC 3986's unreserved set (`A–Z a–z 0–9 - . _ ~`); bytes past ASCII
/// are always encoded.
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// What a URI may not hold as written: [`NOT_UNRESERVED`] less the reserved characters and `%`
/// (so existing escapes stay), which leaves controls, the space and `"<>\^`{|}`.
const NOT_IN_A_URI: &AsciiSet = &NOT_UNRESERVED
    .remove(b'%')
    .remove(b':')
    .remove(b'/')
    .remove(b'?')
    .remove(b'#')
    .remove(b'[')
    .remove(b']')
    .remove(b'@')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=');

/// Decodes `raw`; the error is a fragment that reads after the parameter's name.
pub fn decode(raw: &str) -> Result<String, String> {
    // `percent_decode_str` passes a broken escape through as written and reads whitespace
    // as itself; a link parameter with either is refused instead, so check first.
    let bytes = raw.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'%' && !bytes.get(i + 1..i + 3).is_some_and(|pair| pair.iter().all(u8::is_ascii_hexdigit)) {
            let escape: String = raw[i..].chars().take(3).collect();
            return Err(format!(
                "holds `{}`, which is not a percent escape (hint: write a literal % as %25)",
                escape.escape_default()
            ));
        }
        // Whitespace and control characters are never part of a URL; over HTTP they are
        // mostly a `+` that arrived as a space because `uri` was not percent-encoded.
        if b.is_ascii_whitespace() || b.is_ascii_control() {
            return Err("holds a raw space or control character (hint: percent-encode it, e.g. a space as %20; \
                        over HTTP, percent-encode the whole link in `uri`, or a `+` arrives as a space)"
                .to_owned());
        }
    }
    percent_decode_str(raw)
        .decode_utf8()
        .map(std::borrow::Cow::into_owned)
        .map_err(|_| "is not UTF-8 once percent-decoded".to_owned())
}

/// Encodes every byte outside RFC 3986's unreserved set (`A–Z a–z 0–9 - . _ ~`): a space is
/// `%20`, a `+` is `%2B`.
pub fn encode(text: &str) -> String {
    utf8_percent_encode(text, NOT_UNRESERVED).to_string()
}

/// Makes a redirect target safe to send: characters a URI may hold (reserved, unreserved and
/// `%`) stay as written, everything else (spaces, control characters such as a CR LF meant to
/// split the `Location` header, non-ASCII) is percent-encoded, as browsers do.
pub fn clean_url(url: &str) -> String {
    utf8_percent_encode(url, NOT_IN_A_URI).to_string()
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
    #[case::an_escape_that_starts_another("%%41", "`%%4`")]
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
    fn every_ascii_character_is_encoded_by_the_rfc_3986_sets() {
        // The sets as RFC 3986 states them, byte by byte, against what the crate writes.
        let unreserved = |c: char| c.is_ascii_alphanumeric() || "-._~".contains(c);
        for c in (0u8..0x80).map(char::from) {
            let kept_by_encode = encode(&c.to_string()) == c.to_string();
            assert_eq!(kept_by_encode, unreserved(c), "encode {c:?}");
            let kept_by_clean = clean_url(&c.to_string()) == c.to_string();
            assert_eq!(kept_by_clean, unreserved(c) || "%:/?#[]@!$&'()*+,;=".contains(c), "clean_url {c:?}");
        }
    }

    #[test]
    fn clean_urls_keep_their_structure_and_lose_header_breakers() {
        assert_eq!(clean_url("fb://Success?a=1&b=%20#f"), "fb://Success?a=1&b=%20#f");
        assert_eq!(clean_url("fb://x\r\nSet-Cookie: y"), "fb://x%0D%0ASet-Cookie:%20y");
        assert_eq!(clean_url("fb://café"), "fb://caf%C3%A9");
    }
}
