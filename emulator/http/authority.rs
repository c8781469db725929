//! The name a request is addressed to: [`Authority::parse`] reads a `Host` header or an
//! `Origin`'s `host[:port]` whole (RFC 3986 § 3.2.2, IPv4 as `inet_aton` spells it), and
//! [`Hosts`] says whether this server answers to it — a loopback name or address, or a name
//! the user added with `--allow-host`. Both guards (the control API's, the Cloud port's) use it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A parsed `host[:port]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authority {
    /// The host: a lower-case name without its trailing dot, or an address.
    pub host: Host,
    /// The port, if one was given.
    pub port: Option<u16>,
}

/// The host part of an authority.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Host {
    /// A registered name, lower case, without a trailing dot.
    Name(String),
    /// An IPv4 address in any spelling `inet_aton` reads (`127.1`, `0x7f.0.0.1`), or an IPv6
    /// address in brackets.
    Ip(IpAddr),
}

impl Authority {
    /// Parses `text` as `host[:port]`; `None` for anything else (user info, a path, text
    /// after `]`, a port that is not a number, characters no host name has).
    pub fn parse(text: &str) -> Option<Authority> {
        let (host, port) = match text.strip_prefix('[') {
            Some(rest) => {
                let (inside, after) = rest.split_once(']')?;
                let ip: Ipv6Addr = inside.parse().ok()?;
                (Host::Ip(IpAddr::V6(ip)), port_of(after)?)
            }
            None => {
                let (host, after) = text.split_at(text.find(':').unwrap_or(text.len()));
                (host_of(host)?, port_of(after)?)
            }
        };
        Some(Authority { host, port })
    }

    /// Whether the host is this machine: `localhost` (or a name under `.localhost`, which
    /// RFC 6761 reserves for it) or a loopback address.
    pub fn is_loopback(&self) -> bool {
        match &self.host {
            Host::Name(name) => name == "localhost" || name.ends_with(".localhost"),
            Host::Ip(IpAddr::V6(ip)) => ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
            Host::Ip(ip) => ip.is_loopback(),
        }
    }
}

/// `""` (no port) or `:digits`; `None` when what follows the host is anything else.
fn port_of(after: &str) -> Option<Option<u16>> {
    match after.strip_prefix(':') {
        None if after.is_empty() => Some(None),
        None => None,
        // RFC 3986 allows an empty port; it means the scheme's default.
        Some("") => Some(None),
        Some(digits) if digits.len() <= 5 && digits.bytes().all(|b| b.is_ascii_digit()) => {
            digits.parse().ok().map(Some)
        }
        Some(_) => None,
    }
}

/// A registered name or an IPv4 address, as a host part without brackets.
fn host_of(text: &str) -> Option<Host> {
    let text = text.strip_suffix('.').unwrap_or(text);
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_');
    if text.is_empty() || !text.chars().all(allowed) || text.split('.').any(str::is_empty) {
        return None;
    }
    // A name whose last label is a number is an IPv4 address to a browser (WHATWG URL), so it
    // is one here too, or nothing.
    let last = text.rsplit('.').next().unwrap_or(text);
    if last.starts_with(|c: char| c.is_ascii_digit()) {
        return inet_aton(text).map(|ip| Host::Ip(IpAddr::V4(ip)));
    }
    Some(Host::Name(text.to_ascii_lowercase()))
}

/// An IPv4 address as `inet_aton` reads it: one to four parts, each decimal, octal (a leading
/// `0`) or hexadecimal (`0x`), the last filling the bytes left (`127.1` is 127.0.0.1).
fn inet_aton(text: &str) -> Option<Ipv4Addr> {
    let parts: Vec<u32> = text.split('.').map(number).collect::<Option<_>>()?;
    let (last, first) = parts.split_last()?;
    if first.len() > 3 || first.iter().any(|&p| p > 0xff) {
        return None;
    }
    let room = 8 * (4 - first.len() as u32);
    if room < 32 && u64::from(*last) >= 1u64 << room {
        return None;
    }
    let high = first.iter().enumerate().fold(0u32, |acc, (i, &p)| acc | (p << (24 - 8 * i as u32)));
    Some(Ipv4Addr::from(high | last))
}

/// One part of an `inet_aton` address.
fn number(part: &str) -> Option<u32> {
    if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
        return if hex.is_empty() { Some(0) } else { u32::from_str_radix(hex, 16).ok() };
    }
    if part.len() > 1 && part.starts_with('0') {
        return u32::from_str_radix(&part[1..], 8).ok();
    }
    part.parse().ok()
}

/// The host names a server answers to: loopback ones, and those added (`--allow-host`).
#[derive(Clone, Debug, Default)]
pub struct Hosts {
    added: Vec<Host>,
}

impl Hosts {
    /// Loopback names and `added` (each a host name or address, without a port).
    pub fn allowing<S: AsRef<str>>(added: &[S]) -> Result<Hosts, String> {
        let mut hosts = Hosts::default();
        for name in added {
            let name = name.as_ref();
            match Authority::parse(name) {
                Some(Authority { host, port: None }) => hosts.added.push(host),
                _ => {
                    return Err(format!(
                        "`{}` is not a host name or address (hint: give the name alone, without a scheme or port, e.g. payterm.internal)",
                        crate::printable::line(name, 80)
                    ));
                }
            }
        }
        Ok(hosts)
    }

    /// Whether `authority` (a `Host` header's value, or an `Origin`'s `host[:port]`) names this
    /// server.
    pub fn allows(&self, authority: &str) -> bool {
        Authority::parse(authority).is_some_and(|a| a.is_loopback() || self.added.contains(&a.host))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[rstest::rstest]
    #[case::localhost("localhost:7879", true)]
    #[case::localhost_with_its_trailing_dot("localhost.:7879", true)]
    #[case::ipv4_loopback("127.0.0.1:7879", true)]
    #[case::another_loopback_address("127.1.2.3", true)]
    #[case::the_short_spelling_of_127_0_0_1("127.1", true)]
    #[case::hexadecimal_parts("0x7f.0.0.1:7879", true)]
    #[case::ipv6_loopback("[::1]:7879", true)]
    #[case::ipv6_loopback_without_a_port("[::1]", true)]
    #[case::a_rebound_name("attacker.example:7879", false)]
    #[case::a_lan_address("192.168.1.5:7879", false)]
    #[case::localhost_as_a_subdomain("localhost.attacker.example", false)]
    #[case::a_name_after_the_bracket("[::1].evil.example", false)]
    #[case::a_name_glued_to_the_bracket("[::1]evil.example:17879", false)]
    #[case::a_name_whose_last_label_is_a_number("evil.127", false)]
    #[case::a_port_that_is_not_a_number("127.0.0.1:http", false)]
    #[case::two_ports("127.0.0.1:1:2", false)]
    #[case::user_info("evil@127.0.0.1", false)]
    #[case::an_octet_too_large("127.0.0.256", false)]
    #[case::empty("", false)]
    fn loopback_authorities(#[case] text: &str, #[case] loopback: bool) {
        assert_eq!(Hosts::default().allows(text), loopback, "{text}");
    }

    #[test]
    fn an_added_name_is_allowed_with_or_without_a_port_and_nothing_else_is() {
        let hosts = Hosts::allowing(&["payterm.internal", "10.0.0.7"]).unwrap();
        assert!(hosts.allows("payterm.internal:7878") && hosts.allows("PAYTERM.internal"));
        assert!(hosts.allows("10.0.0.7:7878"));
        assert!(!hosts.allows("evil.payterm.internal") && !hosts.allows("10.0.0.8"));
        assert!(Hosts::allowing(&["http://x"]).is_err() && Hosts::allowing(&["x:1"]).is_err());
    }
}
