//! Which scenarios a run takes: `--surface`, `--rule`, `--name` and `--partition K/N`. Every
//! filter given must hold; within one filter, any of its values may match.

use crate::scenario::Scenario;

/// The filters of one run.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Scenarios with an order on one of these surfaces.
    pub surfaces: Vec<String>,
    /// Scenarios targeting one of these rules (a trailing `*` matches a prefix: `HYPE-*`).
    pub rules: Vec<String>,
    /// Scenarios whose file or name contains one of these (case-insensitive).
    pub names: Vec<String>,
    /// Part K of N (from 1): a deterministic split by the hash of the file path.
    pub partition: Option<(u64, u64)>,
}

impl Selection {
    /// Whether `scenario`, read from `file`, is selected.
    pub fn selects(&self, file: &str, scenario: &Scenario) -> bool {
        let surfaces = self.surfaces.is_empty()
            || scenario.orders.iter().any(|o| self.surfaces.iter().any(|s| s == o.surface.as_str()));
        let rules = self.rules.is_empty()
            || scenario.rules.iter().any(|r| self.rules.iter().any(|pattern| rule_matches(pattern, r.id)));
        let names = self.names.is_empty() || {
            let (file, name) = (file.to_lowercase(), scenario.name.to_lowercase());
            self.names.iter().map(|n| n.to_lowercase()).any(|n| file.contains(&n) || name.contains(&n))
        };
        let part = self.partition.is_none_or(|(k, n)| in_partition(file, k, n));
        surfaces && rules && names && part
    }
}

fn rule_matches(pattern: &str, id: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => id.starts_with(&prefix.to_ascii_uppercase()),
        None => id.eq_ignore_ascii_case(pattern),
    }
}

/// Whether `file` falls in part `k` of `n`: FNV-1a of the path, so every machine of a CI
/// matrix splits the same suite the same way without talking to the others.
pub fn in_partition(file: &str, k: u64, n: u64) -> bool {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in file.replace('\\', "/").bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    n > 0 && hash % n == k.saturating_sub(1)
}

/// Parses `K/N` with 1 ≤ K ≤ N.
pub fn parse_partition(text: &str) -> Result<(u64, u64), String> {
    let bad = || format!("--partition takes K/N with 1 ≤ K ≤ N (e.g. 2/4), not `{text}`");
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let (k, n): (u64, u64) = (k.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
    if k == 0 || n == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_falls_in_exactly_one_part() {
        for i in 0..200 {
            let file = format!("scenarios/x/{i}.toml");
            let parts = (1..=3).filter(|k| in_partition(&file, *k, 3)).count();
            assert_eq!(parts, 1, "{file}");
        }
    }

    #[test]
    fn a_partition_is_checked() {
        assert_eq!(parse_partition("2/4"), Ok((2, 4)));
        assert!(parse_partition("0/4").is_err());
        assert!(parse_partition("5/4").is_err());
        assert!(parse_partition("a/b").is_err());
    }

    #[test]
    fn a_rule_pattern_matches_a_prefix_or_the_whole_id() {
        assert!(rule_matches("HYPE-*", "HYPE-CREATED"));
        assert!(rule_matches("hype-created", "HYPE-CREATED"));
        assert!(!rule_matches("HYPE", "HYPE-CREATED"));
    }
}
