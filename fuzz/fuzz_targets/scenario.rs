//! Fuzzes the scenario file reader: any text is either a scenario or a list of diagnostics
//! that render, never a panic (spans into multi-byte text are where a reader slips).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // `payterm::scenario::load` refuses non-UTF-8 before parsing, so only text reaches `parse`.
    let Ok(text) = std::str::from_utf8(data) else { return };
    match payterm::scenario::parse("fuzz.toml", text) {
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
