//! Reading a `gptom://…` link into a [`Link`]: its operation path and its query parameters,
//! decoded by RFC 3986 rules (`+` stays `+`). Only the faults that leave nothing to redirect to
//! are errors ([`LinkError`]); every other fault is kept on the link to be answered `ERROR`.

use super::pct;

/// The longest link taken whole, in bytes. \[ours\]
pub const MAX_LINK_BYTES: usize = 8 * 1024;
/// The longest parameter value, in bytes once decoded. \[ours\]
pub const MAX_VALUE_BYTES: usize = 2 * 1024;
/// The parameter that names where to redirect.
pub const REDIRECT_URL: &str = "redirectUrl";

/// Other spellings of a parameter, folded into the spec's: the vendor's own example app sends
/// `requestId` where the SDK documents `requestID`.
const ALIASES: &[(&str, &str)] = &[("requestId", "requestID")];

/// Why a link cannot be answered by a redirect at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    /// The text has no URL scheme.
    #[error(
        "the link `{0}` is not a URL\n(hint: a deep link looks like 'gptom://batch/close?redirectUrl=fb://Success')"
    )]
    NotAUrl(String),
    /// The scheme is not `gptom`.
    #[error(
        "the link's scheme is `{0}`, not `gptom`\n(hint: a deep link looks like 'gptom://batch/close?redirectUrl=fb://Success')"
    )]
    NotGptom(String),
    /// The operation answers only by redirect and the link names no `redirectUrl`.
    #[error(
        "`{0}` answers only by redirect and the link has no usable redirectUrl\n(hint: add redirectUrl=…, e.g. 'gptom://{0}?redirectUrl=fb://Success')"
    )]
    NoRedirectUrl(String),
    /// `redirectUrl` is not an absolute URL.
    #[error(
        "redirectUrl `{0}` is not a URL, so there is nothing to redirect to\n(hint: give an absolute URL with a scheme, e.g. redirectUrl=fb://Success)"
    )]
    BadRedirectUrl(String),
    /// The link is over a size cap and no usable `redirectUrl` could be read from it.
    #[error(
        "the link is over the size caps ({MAX_LINK_BYTES} bytes whole, {MAX_VALUE_BYTES} bytes a value) and no usable \
         redirectUrl could be read from it\n(hint: shorten the link; with a redirectUrl it is answered status=ERROR)"
    )]
    TooLarge,
}

impl LinkError {
    /// A stable machine-readable reason, for the HTTP 400.
    pub fn reason(&self) -> &'static str {
        match self {
            LinkError::NotAUrl(_) => "NOT_A_URL",
            LinkError::NotGptom(_) => "NOT_GPTOM",
            LinkError::NoRedirectUrl(_) => "NO_REDIRECT_URL",
            LinkError::BadRedirectUrl(_) => "BAD_REDIRECT_URL",
            LinkError::TooLarge => "LINK_TOO_LARGE",
        }
    }
}

/// A deep link, read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Link {
    /// The operation path, e.g. `batch/close`; its first segment (the URL's host) lower-cased.
    pub path: String,
    /// The parameters, decoded, in order of first appearance; a repeated name keeps its last
    /// value.
    pub params: Vec<(String, String)>,
    /// Where to redirect: the `redirectUrl` parameter, when it is a usable URL.
    pub redirect: Option<String>,
    /// Why the link must be answered `ERROR failed` whatever it asks (broken encoding, a size
    /// cap), when it must.
    pub fault: Option<String>,
    /// Notes for the journal, e.g. a repeated parameter.
    pub notes: Vec<String>,
    /// Parameters given more than once (the last value wins).
    pub repeated: Vec<String>,
}

impl Link {
    /// The value of parameter `name`, if given and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    }

    fn set(&mut self, name: String, value: String) {
        match self.params.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = value,
            None => self.params.push((name, value)),
        }
    }

    fn remove(&mut self, name: &str) {
        self.params.retain(|(k, _)| k != name);
    }

    fn fail(&mut self, why: String) {
        self.notes.push(why.clone());
        self.fault.get_or_insert(why);
    }
}

/// Reads `text` as a deep link.
pub fn parse(text: &str) -> Result<Link, LinkError> {
    // Surrounding whitespace is what copy and paste adds, never part of a link.
    let text = text.trim();
    let (scheme, rest) = split_scheme(text).ok_or_else(|| LinkError::NotAUrl(shown(text)))?;
    if !scheme.eq_ignore_ascii_case("gptom") {
        return Err(LinkError::NotGptom(shown(scheme)));
    }
    // RFC 3986: the fragment starts at the first `#` and is not sent to the app.
    let rest = rest.split('#').next().unwrap_or_default();
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let mut link = Link { path: operation_path(path), ..Link::default() };
    let mut seen: Vec<(String, usize)> = Vec::new();
    let mut oversized = text.len() > MAX_LINK_BYTES;
    if oversized {
        link.fail(format!("the link is {} bytes, over the cap of {MAX_LINK_BYTES}", text.len()));
    }
    for raw in query.split('&').filter(|p| !p.is_empty()) {
        let (raw_name, raw_value) = raw.split_once('=').unwrap_or((raw, ""));
        let name = match pct::decode(raw_name) {
            Ok(name) => canonical(name),
            Err(e) => {
                link.fail(format!("a parameter name {e}"));
                continue;
            }
        };
        count(&mut seen, &name);
        match pct::decode(raw_value) {
            Ok(value) if value.len() > MAX_VALUE_BYTES => {
                oversized = true;
                link.fail(format!(
                    "parameter {} is {} bytes, over the cap of {MAX_VALUE_BYTES}",
                    shown(&name),
                    value.len()
                ));
                // The last occurrence wins, and it is unusable.
                link.remove(&name);
            }
            Ok(value) => link.set(name, value),
            Err(e) => {
                link.fail(format!("parameter {} {e}", shown(&name)));
                link.remove(&name);
            }
        }
    }
    for (name, n) in seen.iter().filter(|(_, n)| *n > 1) {
        link.repeated.push(name.clone());
        let times = if *n == 2 { "twice".to_owned() } else { format!("{n} times") };
        link.notes.push(format!("parameter {} given {times}; the last wins", shown(name)));
    }
    if let Some(url) = link.get(REDIRECT_URL) {
        if split_scheme(url).is_none() {
            return Err(LinkError::BadRedirectUrl(shown(url)));
        }
        link.redirect = Some(url.to_owned());
    }
    if oversized && link.redirect.is_none() {
        return Err(LinkError::TooLarge);
    }
    Ok(link)
}

/// Splits `scheme:rest` when the scheme is RFC 3986's `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`.
fn split_scheme(text: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = text.split_once(':')?;
    let mut chars = scheme.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (first_ok && rest_ok).then_some((scheme, rest))
}

/// `//Batch/close/` → `batch/close`: the host is case-insensitive (RFC 3986), the path is not.
fn operation_path(path: &str) -> String {
    let path = path.strip_prefix("//").or_else(|| path.strip_prefix('/')).unwrap_or(path);
    let path = path.trim_end_matches('/');
    match path.split_once('/') {
        Some((host, rest)) => format!("{}/{rest}", host.to_ascii_lowercase()),
        None => path.to_ascii_lowercase(),
    }
}

fn canonical(name: String) -> String {
    ALIASES.iter().find(|(alias, _)| *alias == name).map_or(name, |(_, spec)| (*spec).to_owned())
}

fn count(seen: &mut Vec<(String, usize)>, name: &str) {
    match seen.iter_mut().find(|(k, _)| k == name) {
        Some(slot) => slot.1 += 1,
        None => seen.push((name.to_owned(), 1)),
    }
}

/// Text from the link as a message shows it: cut at 80 characters, anything but printable
/// ASCII escaped, so a hostile link cannot break a message, a header or a terminal (journal
/// notes travel as headers, which take ASCII only).
pub fn shown(text: &str) -> String {
    let mut out: String = text.chars().take(80).flat_map(char::escape_default).collect();
    if text.chars().count() > 80 {
        out.push_str("...");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn ok(text: &str) -> Link {
        parse(text).unwrap()
    }

    #[test]
    fn the_seeds_close_batch_link_reads_whole() {
        let link = ok("gptom://batch/close?clientID=223&redirectUrl=fb://Success&printByPaymentApp=true\
             &preferableReceiptType=QR&clientPhone=+420606505404&clientEmail=info@gptom.com");
        assert_eq!(link.path, "batch/close");
        assert_eq!(link.get("clientPhone"), Some("+420606505404"));
        assert_eq!(link.get("clientEmail"), Some("info@gptom.com"));
        assert_eq!(link.redirect.as_deref(), Some("fb://Success"));
        assert_eq!((link.fault, link.notes.len()), (None, 0));
    }

    #[rstest]
    #[case::upper_case_host("gptom://BATCH/close/", "batch/close")]
    #[case::host_only("gptom://status", "status")]
    #[case::no_slashes("GPTOM:status", "status")]
    #[case::path_keeps_its_case("gptom://transaction/Create", "transaction/Create")]
    #[case::fragment_is_dropped("gptom://status#top", "status")]
    fn operation_paths_are_normalised(#[case] text: &str, #[case] path: &str) {
        assert_eq!(ok(text).path, path);
    }

    #[test]
    fn a_repeated_parameter_keeps_its_last_value_and_leaves_a_note() {
        let link = ok("gptom://transaction/create?amount=100&requestID=a&amount=200&requestId=b&amount=300");
        assert_eq!((link.get("amount"), link.get("requestID")), (Some("300"), Some("b")));
        assert_eq!(
            link.notes,
            ["parameter amount given 3 times; the last wins", "parameter requestID given twice; the last wins"]
        );
    }

    #[rstest]
    #[case::bad_escape("gptom://status?redirectUrl=fb://x&clientEmail=a%zz")]
    #[case::percent_at_the_end("gptom://status?redirectUrl=fb://x&clientEmail=a%")]
    #[case::not_utf8("gptom://status?redirectUrl=fb://x&clientEmail=%C3%28")]
    #[case::raw_space("gptom://status?redirectUrl=fb://x&clientPhone= 420")]
    #[case::value_over_2_kib(&format!("gptom://status?redirectUrl=fb://x&clientEmail={}", "a".repeat(3000)))]
    #[case::link_over_8_kib(&format!("gptom://status?redirectUrl=fb://x{}", "&a=b".repeat(3000)))]
    fn broken_parts_are_a_fault_when_a_redirect_is_left(#[case] text: &str) {
        let link = ok(text);
        assert!(link.fault.is_some(), "{link:?}");
        assert_eq!(link.redirect.as_deref(), Some("fb://x"));
    }

    #[rstest]
    #[case::no_scheme("batch/close?redirectUrl=fb://x", "NOT_A_URL")]
    #[case::empty("", "NOT_A_URL")]
    #[case::other_scheme("https://example.com/batch/close", "NOT_GPTOM")]
    #[case::relative_redirect("gptom://status?redirectUrl=/done", "BAD_REDIRECT_URL")]
    #[case::huge_redirect(&format!("gptom://status?redirectUrl=fb://{}", "x".repeat(3000)), "LINK_TOO_LARGE")]
    #[case::huge_without_redirect(&format!("gptom://status?a={}", "&b=c".repeat(3000)), "LINK_TOO_LARGE")]
    fn links_with_nothing_to_redirect_to_are_errors(#[case] text: &str, #[case] reason: &str) {
        assert_eq!(parse(text).unwrap_err().reason(), reason);
    }

    #[test]
    fn a_broken_last_redirect_url_leaves_none() {
        let link = ok("gptom://transaction/detail?amsID=1&redirectUrl=fb://a&redirectUrl=fb://%zz");
        assert_eq!(link.redirect, None);
        assert!(link.fault.is_some());
    }

    #[test]
    fn shown_text_is_cut_and_escaped() {
        assert_eq!(shown("a\r\nb"), "a\\r\\nb");
        assert_eq!(shown(&"x".repeat(100)).len(), 83);
    }
}
