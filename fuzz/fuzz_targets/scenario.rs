//! Fuzzes the scenario file reader: any bytes are either a scenario or a list of diagnostics
//! that render, never a panic (spans into multi-byte text are where a reader slips).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Bytes, as `payterm::scenario::load` and `POST /scenario` read them: what is not UTF-8
    // is one diagnostic drawn over the text with U+FFFD in place of the bad bytes.
    match payterm::scenario::parse_bytes("fuzz.toml", data) {
        Ok(_) => {}
        Err(errors) => {
            assert!(!errors.diagnostics.is_empty(), "an invalid scenario must say why");
            for d in &errors.diagnostics {
                assert!(d.line >= 1 && d.column >= 1, "positions are 1-based: {d:?}");
            }
            // Rendering draws the file under each span: the other place a bad span panics.
            let _ = errors.render();
            let _ = errors.to_string();
        }
    }
});
