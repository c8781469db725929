//! Money in minor units with its currency: [`Money`] and [`Currency`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An ISO 4217 currency the emulator knows, with its minor-unit exponent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency {
    code: [u8; 3],
    exponent: u8,
}

/// The currencies a virtual terminal can be configured with. The list is short on purpose:
/// an unknown code is far more often a typo than a currency nobody thought of.
const KNOWN: &[(&str, u8)] =
    &[("CZK", 2), ("EUR", 2), ("USD", 2), ("GBP", 2), ("PLN", 2), ("HUF", 2), ("RON", 2), ("CHF", 2), ("UZS", 2)];

impl Currency {
    /// Czech koruna, the currency of the vendor's documented example terminal.
    pub const CZK: Currency = Currency { code: *b"CZK", exponent: 2 };
    /// Euro.
    pub const EUR: Currency = Currency { code: *b"EUR", exponent: 2 };
    /// Uzbek soum (1 soum = 100 tiyin), the HyPe Initiator's currency.
    pub const UZS: Currency = Currency { code: *b"UZS", exponent: 2 };

    /// The three-letter code, e.g. `"CZK"`.
    pub fn code(&self) -> &str {
        // The code is built only from the ASCII table above.
        std::str::from_utf8(&self.code).unwrap_or("???")
    }

    /// Digits after the decimal point in major units.
    pub fn exponent(&self) -> u8 {
        self.exponent
    }

    /// Every code the emulator accepts, for error messages.
    pub fn known_codes() -> impl Iterator<Item = &'static str> {
        KNOWN.iter().map(|(code, _)| *code)
    }
}

/// The currency code is not one the emulator knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown currency code `{0}` (hint: use ISO 4217 letters such as CZK or EUR)")]
pub struct UnknownCurrency(pub String);

impl FromStr for Currency {
    type Err = UnknownCurrency;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.to_ascii_uppercase();
        KNOWN
            .iter()
            .find(|(code, _)| *code == upper)
            .map(|(code, exponent)| {
                let b = code.as_bytes();
                Currency { code: [b[0], b[1], b[2]], exponent: *exponent }
            })
            .ok_or_else(|| UnknownCurrency(s.to_owned()))
    }
}

impl TryFrom<String> for Currency {
    type Error = UnknownCurrency;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.code().to_owned()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An amount in minor units (1000 = 10.00) of one currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Money {
    /// The amount in minor units.
    pub minor: u64,
    /// Its currency.
    pub currency: Currency,
}

impl Money {
    /// `minor` units of `currency`.
    pub fn new(minor: u64, currency: Currency) -> Self {
        Money { minor, currency }
    }
}

/// Formats a signed minor-unit amount as a decimal major-unit string: `9550` → `"95.50"`.
pub fn to_major_string(minor: i64, exponent: u8) -> String {
    if exponent == 0 {
        return minor.to_string();
    }
    let scale = 10_i64.pow(u32::from(exponent));
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let scale = scale.unsigned_abs();
    format!("{sign}{}.{:0width$}", abs / scale, abs % scale, width = usize::from(exponent))
}

/// A signed minor-unit amount as a JSON number in major units: `9550` → `95.5`.
///
/// The deep-link answer writes amounts this way; going through the decimal string keeps
/// the number exact where a float division would not.
pub fn to_major_number(minor: i64, exponent: u8) -> serde_json::Number {
    let text = to_major_string(minor, exponent);
    text.parse::<serde_json::Number>().unwrap_or_else(|_| serde_json::Number::from(minor))
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let minor = i64::try_from(self.minor).unwrap_or(i64::MAX);
        write!(f, "{} {}", to_major_string(minor, self.currency.exponent()), self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::whole(9500, "95.00")]
    #[case::cents(9550, "95.50")]
    #[case::small(5, "0.05")]
    #[case::negative(-435, "-4.35")]
    #[case::zero(0, "0.00")]
    fn minor_units_format_as_major_strings(#[case] minor: i64, #[case] expected: &str) {
        assert_eq!(to_major_string(minor, 2), expected);
    }

    #[test]
    fn major_numbers_are_exact() {
        assert_eq!(to_major_number(9550, 2).to_string(), "95.5");
        assert_eq!(to_major_number(10000, 2).to_string(), "100.0");
    }

    #[rstest]
    #[case::upper("CZK", true)]
    #[case::lower_is_accepted("eur", true)]
    #[case::unknown("XYZ", false)]
    #[case::too_long("CZKK", false)]
    fn currency_codes_parse(#[case] input: &str, #[case] ok: bool) {
        assert_eq!(input.parse::<Currency>().is_ok(), ok);
    }
}
