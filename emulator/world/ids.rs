//! Identifiers of terminals, tasks, transactions and batches, and the seeded generator that
//! makes them: [`IdGen`].

use std::fmt;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(s.to_owned())
            }
        }
    };
}

string_id!(
    /// A terminal id (TID), e.g. `"999888"`.
    Tid
);
string_id!(
    /// A Cloud API task id (a UUID).
    TaskId
);
string_id!(
    /// The id the authorisation host gives a transaction or a closed batch.
    AmsId
);

/// Makes every id the World hands out from one seeded RNG, so the same seed and the same
/// requests give the same ids.
#[derive(Debug, Clone)]
pub struct IdGen {
    rng: ChaCha8Rng,
}

impl IdGen {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        IdGen { rng: ChaCha8Rng::seed_from_u64(seed) }
    }

    /// A random (version 4 layout) UUID.
    pub fn task_id(&mut self) -> TaskId {
        let mut b: [u8; 16] = self.rng.random();
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        TaskId(format_uuid(&b))
    }

    /// A UUID for anything else (invoice identifiers, token ids).
    pub fn uuid(&mut self) -> String {
        self.task_id().0
    }

    /// A twelve-digit AMS id.
    pub fn ams_id(&mut self) -> AmsId {
        AmsId(self.digits(12))
    }

    /// `n` decimal digits, the first one non-zero.
    pub fn digits(&mut self, n: usize) -> String {
        let mut s = String::with_capacity(n);
        for i in 0..n {
            let lo = if i == 0 { 1 } else { 0 };
            let d: u8 = self.rng.random_range(lo..10);
            s.push(char::from(b'0' + d));
        }
        s
    }

    /// A six-character authorisation (approval) code.
    pub fn approval_code(&mut self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
        (0..6).map(|_| char::from(ALPHABET[self.rng.random_range(0..ALPHABET.len())])).collect()
    }

    /// A number in `0..n`, for choices such as which test card a customer holds.
    pub fn below(&mut self, n: usize) -> usize {
        self.rng.random_range(0..n.max(1))
    }

    /// Random bytes (secrets derived from the seed).
    pub fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        self.rng.fill(&mut out[..]);
        out
    }
}

fn format_uuid(b: &[u8; 16]) -> String {
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_gives_same_ids() {
        let (mut a, mut b) = (IdGen::new(7), IdGen::new(7));
        assert_eq!(a.task_id(), b.task_id());
        assert_eq!(a.ams_id(), b.ams_id());
    }

    #[test]
    fn task_ids_are_version_4_uuids() {
        let id = IdGen::new(1).task_id().0;
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
    }

    #[test]
    fn ams_ids_have_twelve_digits() {
        let id = IdGen::new(3).ams_id().0;
        assert_eq!(id.len(), 12);
        assert!(id.chars().all(|c| c.is_ascii_digit()));
        assert_ne!(&id[0..1], "0");
    }
}
