//! Fuzzes what the HyPe initiator reads on stdin: the invoice and autofeed documents. Any
//! bytes are a payload or a [`DocumentError`](payterm::surfaces::initiator::document::DocumentError)
//! with a message, never a panic; an accepted invoice adds up.

#![no_main]

use libfuzzer_sys::fuzz_target;
use payterm::surfaces::initiator::document::{parse_autofeed, parse_invoice, valid_store};

fuzz_target!(|data: &[u8]| {
    match parse_invoice(data) {
        Ok(p) => {
            assert!(valid_store(&p.store), "{p:?}");
            let sum = p.fiscals.iter().try_fold(0u64, |acc, f| acc.checked_add(f.price_total));
            assert_eq!(sum, Some(p.total), "an accepted invoice's lines add up to its total: {p:?}");
            for f in &p.fiscals {
                let product = f.amount.checked_mul(f.price_per_unit);
                assert_eq!(product, Some(f.price_total), "an accepted line is amount × price_per_unit: {f:?}");
            }
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
    match parse_autofeed(data) {
        Ok(p) => assert!(p.endpoint.starts_with("http://") || p.endpoint.starts_with("https://"), "{p:?}"),
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
