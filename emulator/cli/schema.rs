//! `payterm schema orders|events|report|scenario`: the JSON Schemas of the driver contract
//! (orders in, events out), of the JSON report, and of scenario files.

use clap::ValueEnum;

/// Which schema.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SchemaKind {
    /// An order given to the integration (stdin line or POST body).
    Orders,
    /// An event the integration reports (stdout line or POST to /_payterm/events).
    Events,
    /// The JSON report of `payterm run --report json=…`.
    Report,
    /// A scenario file (as JSON; the files are TOML).
    Scenario,
}

/// Prints the schema of `kind`.
pub(super) fn print(kind: SchemaKind) {
    let schema = match kind {
        SchemaKind::Orders => crate::scenario::orders::json_schema(),
        SchemaKind::Events => crate::record::events::json_schema(),
        SchemaKind::Report => {
            serde_json::to_value(schemars::schema_for!(crate::report::SuiteReport)).unwrap_or_default()
        }
        SchemaKind::Scenario => serde_json::from_str(&crate::scenario::json_schema()).unwrap_or_default(),
    };
    println!("{}", serde_json::to_string_pretty(&schema).unwrap_or_default());
}
