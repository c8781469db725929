//! Fuzzes the deep-link reader (`link::parse`) and the parameter reader (`params::prepare`):
//! any text is answered, and what goes into the journal's header-borne notes stays printable
//! ASCII whatever the link held.

#![no_main]

use libfuzzer_sys::fuzz_target;
use payterm::surfaces::app2app::{link, params};

fn printable(text: &str) -> bool {
    text.bytes().all(|b| (0x20..0x7f).contains(&b))
}

fuzz_target!(|data: &[u8]| {
    // Links arrive as text (a query parameter or an argument); lossy keeps every input useful.
    let text = String::from_utf8_lossy(data);
    let parsed = link::parse(&text);
    let prepared = params::prepare(&text);
    match (&parsed, &prepared) {
        (Err(a), Err(b)) => assert_eq!(a, b, "prepare reports the reader's own error"),
        (Err(e), Ok(p)) => panic!("parse refused ({e}) but prepare accepted: {p:?}"),
        (Ok(_), Err(e)) => assert_eq!(e.reason(), "NO_REDIRECT_URL", "only a missing redirect is prepare's own"),
        (Ok(l), Ok(p)) => {
            assert_eq!(l.redirect, p.redirect);
            for note in &p.notes {
                assert!(printable(note), "a note travels as a header: {note:?}");
            }
            if let Err(refusal) = &p.request {
                let _ = refusal.reason.as_str();
            }
        }
    }
    if let Ok(l) = &parsed {
        let _ = params::Operation::parse(&l.path);
        if let Some(fault) = &l.fault {
            assert!(printable(fault), "a fault is answered in the redirect and the journal: {fault:?}");
        }
    }
    if let Err(e) = &parsed {
        let _ = e.to_string();
    }
});
