//! "Did you mean …?": the nearest valid name to a misspelt one.

/// Past this many candidates (the orders of a large file) no nearest one is looked for: each
/// problem would cost time in proportion to the file.
const MAX_COMPARED: usize = 1_000;
/// The most candidates a hint lists.
const MAX_LISTED: usize = 12;

/// The candidate closest to `input`, if one is close enough to be a likely typo.
pub(super) fn nearest<'a>(input: &str, candidates: &[&'a str]) -> Option<&'a str> {
    if candidates.len() > MAX_COMPARED {
        return None;
    }
    let lowered = input.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(&lowered, &c.to_ascii_lowercase()), *c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// A hint for a misspelt `input`: the nearest candidate, or the whole list.
pub(super) fn hint(input: &str, candidates: &[&str]) -> String {
    match nearest(input, candidates) {
        Some(c) => format!("did you mean `{c}`?"),
        None => format!("expected one of {}", one_of(candidates)),
    }
}

/// `` `a`, `b` or `c` ``; past [`MAX_LISTED`], the first ones and how many more.
pub(super) fn one_of(candidates: &[&str]) -> String {
    if candidates.len() > MAX_LISTED {
        let first: Vec<String> = candidates[..MAX_LISTED].iter().map(|c| format!("`{c}`")).collect();
        return format!("{} or one of {} more", first.join(", "), candidates.len() - MAX_LISTED);
    }
    let quoted: Vec<String> = candidates.iter().map(|c| format!("`{c}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_finds_its_name() {
        let statuses = ["created", "reached", "payment_in_process", "completed_success"];
        assert_eq!(nearest("payment_in_proces", &statuses), Some("payment_in_process"));
        assert_eq!(nearest("CREATED", &statuses), Some("created"));
        assert_eq!(nearest("banana", &statuses), None);
    }

    #[test]
    fn a_long_list_of_choices_is_cut() {
        let names: Vec<String> = (0..100_000).map(|i| format!("o{i}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let hint = hint("zzz", &names);
        assert!(hint.ends_with("or one of 99988 more"), "{hint}");
        assert!(hint.len() < 200, "{hint}");
    }

    #[test]
    fn a_hint_lists_the_choices_when_nothing_is_close() {
        assert_eq!(hint("zzz", &["a", "b", "c"]), "expected one of `a`, `b` or `c`");
    }
}
