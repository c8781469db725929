//! Property tests for the four parsers the fuzz targets cover (`fuzz/`): scenario files, deep
//! links, Cloud API request bodies and the initiator's stdin documents. Each never panics on
//! arbitrary input, and where a printer exists what it prints reads back as what was printed.

use std::path::PathBuf;
use std::sync::OnceLock;

use payterm::http::read_json;
use payterm::profile::Profile;
use payterm::surfaces::app2app::{link, params};
use payterm::surfaces::cloud::dto::CreateCloudTaskTransactionApiRequest;
use payterm::surfaces::cloud::{batch_body, validate_transaction};
use payterm::surfaces::initiator::document::{AutofeedPayload, InvoicePayload, parse_autofeed, parse_invoice};
use payterm::world::invoice::Fiscal;
use payterm::world::task::TaskRequest;
use proptest::prelude::*;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Scenario files.

/// The built-in scenario files' texts: mutating real files reaches far deeper into the validator
/// than random text, which TOML refuses on its first line.
fn scenario_texts() -> &'static [String] {
    static TEXTS: OnceLock<Vec<String>> = OnceLock::new();
    TEXTS.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let mut texts = Vec::new();
        for dir in ["scenarios/cloud", "scenarios/app2app", "scenarios/initiator", "scenarios/money"] {
            let mut paths: Vec<PathBuf> =
                std::fs::read_dir(root.join(dir)).unwrap().map(|e| e.unwrap().path()).collect();
            paths.sort();
            texts.extend(
                paths
                    .iter()
                    .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                    .map(|p| std::fs::read_to_string(p).unwrap()),
            );
        }
        assert!(texts.len() >= 40, "the built-in suite is where the seeds come from");
        texts
    })
}

/// `text` with the characters `[at, at + cut)` replaced by `insert` (positions in characters, so
/// the result is always valid text).
fn splice(text: &str, at: usize, cut: usize, insert: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let at = at % (chars.len() + 1);
    let end = (at + cut).min(chars.len());
    chars[..at].iter().chain(insert.chars().collect::<Vec<_>>().iter()).chain(chars[end..].iter()).collect()
}

/// Parses `bytes`; an error must carry diagnostics with 1-based positions that render.
fn check_scenario(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Err(errors) = payterm::scenario::parse_bytes("prop.toml", bytes) {
        prop_assert!(!errors.diagnostics.is_empty(), "an invalid scenario must say why");
        for d in &errors.diagnostics {
            prop_assert!(d.line >= 1 && d.column >= 1, "{d:?}");
        }
        prop_assert!(!errors.render().is_empty());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn the_scenario_reader_never_panics_on_any_text(text in any::<String>()) {
        check_scenario(text.as_bytes())?;
    }

    #[test]
    fn a_real_file_with_a_byte_that_is_not_utf8_is_one_problem_at_that_byte(
        file in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        // A stray continuation byte, a lead byte cut short, or a byte UTF-8 never uses.
        bad in prop::sample::select(vec![0x80u8, 0xBF, 0xC3, 0xE2, 0xF0, 0xFF]),
    ) {
        let texts = scenario_texts();
        let text = &texts[file.index(texts.len())];
        let boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
        let offset = boundaries[at.index(boundaries.len())];
        let mut bytes = text.as_bytes().to_vec();
        bytes.insert(offset, bad);
        check_scenario(&bytes)?;
        let errors = payterm::scenario::parse_bytes("prop.toml", &bytes).unwrap_err();
        prop_assert_eq!(errors.diagnostics.len(), 1);
        let line = text[..offset].matches('\n').count() + 1;
        prop_assert_eq!(errors.diagnostics[0].line, line);
    }

    #[test]
    fn the_scenario_reader_never_panics_on_a_mutated_real_file(
        file in any::<prop::sample::Index>(),
        at in any::<usize>(),
        cut in 0usize..40,
        // Multi-byte characters and TOML's own punctuation are where spans and types slip.
        insert in prop::string::string_regex("[\\[\\]{}=\"'#.,\n a-z0-9_é€😀-]{0,24}").unwrap(),
    ) {
        let texts = scenario_texts();
        let text = splice(&texts[file.index(texts.len())], at, cut, &insert);
        check_scenario(text.as_bytes())?;
    }

    #[test]
    fn every_explored_scenario_prints_as_a_file_that_reads_back(seed in any::<u64>(), run in 0u32..1000) {
        // The explorer is the one scenario printer: what it writes, `payterm run` must read.
        let generated = payterm::explore::generate(seed, run);
        let text = generated.to_toml();
        let parsed = payterm::scenario::parse("explored.toml", &text);
        prop_assert!(parsed.is_ok(), "{text}\n{}", parsed.err().map(|e| e.render()).unwrap_or_default());
        prop_assert_eq!(parsed.unwrap().orders.len(), generated.orders.len());
    }
}

// ---------------------------------------------------------------------------------------------
// Deep links.

/// RFC 3986 percent-encoding of everything but the unreserved characters, as an app builds a
/// link (the link module's own encoder is private to it).
fn pct(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn printable(text: &str) -> bool {
    text.bytes().all(|b| (0x20..0x7f).contains(&b))
}

proptest! {
    #[test]
    fn the_link_reader_never_panics_and_its_notes_stay_printable(
        text in prop_oneof![any::<String>(), "gptom:[/a-zA-Z]{0,20}\\?[a-zA-Z=&%0-9+ é\r\n]{0,60}"],
    ) {
        let parsed = link::parse(&text);
        let prepared = params::prepare(&text);
        if let Err(e) = &parsed {
            // `prepare` reads the link first, so it refuses with the reader's own error.
            prop_assert_eq!(prepared.as_ref().err(), Some(e));
            prop_assert!(!e.to_string().is_empty());
        }
        if let Ok(p) = &prepared {
            // Notes travel to the journal as headers, which hold printable ASCII only.
            for note in &p.notes {
                prop_assert!(printable(note), "{note:?}");
            }
        }
    }

    #[test]
    fn a_link_built_from_any_parameters_reads_back_as_those_parameters(
        op in prop::sample::select(params::Operation::ALL.to_vec()),
        // Distinct names (a repeated one keeps only its last value), none of them an alias.
        values in prop::collection::btree_map("[a-zA-Z][a-zA-Z0-9_]{0,11}", ".{0,40}", 0..8),
    ) {
        let values: Vec<(String, String)> =
            values.into_iter().filter(|(k, _)| k != "requestId" && k != link::REDIRECT_URL).collect();
        let mut text = format!("gptom://{}?{}={}", op.path(), link::REDIRECT_URL, pct("fb://Success?x=1"));
        for (k, v) in &values {
            text.push_str(&format!("&{}={}", pct(k), pct(v)));
        }
        let parsed = link::parse(&text).unwrap();
        prop_assert_eq!(params::Operation::parse(&parsed.path), Some(op));
        prop_assert_eq!(parsed.redirect.as_deref(), Some("fb://Success?x=1"));
        prop_assert_eq!(parsed.fault, None);
        prop_assert_eq!(&parsed.params[1..], values.as_slice());
    }
}

// ---------------------------------------------------------------------------------------------
// Cloud API request bodies.

/// Values of every JSON type, nested a little, for the fields of a task body.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,24}".prop_map(Value::String),
        prop::sample::select(vec!["SALE", "VOID", "CARD", "CASH", "CZK", "EUR", "QR", "999888"])
            .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(".{0,8}", inner, 0..4).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

const TASK_FIELDS: [&str; 13] = [
    "transactionType",
    "amount",
    "currencyCode",
    "paymentMethod",
    "originTransactionID",
    "originReferenceNum",
    "tipAmount",
    "tipCollect",
    "printByPaymentApp",
    "preferableReceiptType",
    "clientInfo",
    "tid",
    "unknownField",
];

/// Reads `bytes` as both create handlers do; every refusal is a 400, a sale within the limits.
fn check_task_body(bytes: &[u8]) -> Result<(), TestCaseError> {
    let profile = Profile::default();
    match read_json::<CreateCloudTaskTransactionApiRequest>(bytes) {
        Err(e) => prop_assert_eq!(e.status, 400, "{:?}", e),
        Ok(body) => match validate_transaction(body, &profile) {
            Err(e) => {
                prop_assert_eq!(e.status, 400, "{:?}", e);
                prop_assert!(e.extra.contains_key("field"), "a 400 names the field: {:?}", e);
            }
            Ok(TaskRequest::Sale(s)) => prop_assert!((1..=profile.max_amount).contains(&s.amount), "{:?}", s),
            Ok(_) => {}
        },
    }
    if let Err(e) = batch_body(bytes) {
        prop_assert_eq!(e.status, 400, "{:?}", e);
    }
    Ok(())
}

proptest! {
    #[test]
    fn any_bytes_as_a_task_body_are_refused_with_a_400_or_accepted(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        check_task_body(&bytes)?;
    }

    #[test]
    fn any_object_of_task_fields_is_refused_with_a_400_or_accepted(
        fields in prop::collection::vec((prop::sample::select(TASK_FIELDS.to_vec()), any_json()), 0..8),
    ) {
        let body: serde_json::Map<String, Value> = fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        check_task_body(&serde_json::to_vec(&body).unwrap())?;
    }

    #[test]
    fn a_well_formed_sale_is_accepted_with_what_it_asked_for(
        amount in 1u64..=999_999_999,
        method in prop::sample::select(vec!["CARD", "CASH", "ACCOUNT_PAYMENT", "BLIK_PAYMENT", "PAYMENT_GATEWAY"]),
        reference in proptest::option::of("[A-Za-z0-9 ]{0,20}"),
    ) {
        let mut body = json!({"transactionType": "SALE", "amount": amount, "currencyCode": "CZK", "paymentMethod": method});
        if let Some(r) = &reference {
            body["originReferenceNum"] = json!(r);
        }
        let read = read_json::<CreateCloudTaskTransactionApiRequest>(&serde_json::to_vec(&body).unwrap()).unwrap();
        let Ok(TaskRequest::Sale(sale)) = validate_transaction(read, &Profile::default()) else {
            return Err(TestCaseError::fail(format!("{body} was not accepted as a sale")));
        };
        prop_assert_eq!(sale.amount, amount);
        prop_assert_eq!(sale.method.as_str(), method);
        prop_assert_eq!(sale.reference, reference);
    }
}

// ---------------------------------------------------------------------------------------------
// The initiator's stdin documents.

fn fiscal() -> impl Strategy<Value = Fiscal> {
    // Quantities and prices small enough that no line overflows: the round trip is about the
    // reader; overflowing invoices have their own test (`world::invoicing`).
    ("[a-zA-Z ]{1,12}", 1u64..1000, 1u64..10_000_000).prop_map(|(name, amount, price)| Fiscal {
        name,
        amount,
        code_mxik: "10305008004000000".to_owned(),
        vat: 0,
        vat_price: 0,
        price_total: amount * price,
        price_per_unit: price,
        code_mxik_package: "1546606".to_owned(),
    })
}

proptest! {
    #[test]
    fn any_bytes_on_stdin_are_a_document_or_an_error_that_says_why(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        match parse_invoice(&bytes) {
            Ok(p) => {
                let sum = p.fiscals.iter().try_fold(0u64, |acc, f| acc.checked_add(f.price_total));
                prop_assert_eq!(sum, Some(p.total));
                for f in &p.fiscals {
                    prop_assert_eq!(f.amount.checked_mul(f.price_per_unit), Some(f.price_total), "{:?}", f);
                }
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
        if let Err(e) = parse_autofeed(&bytes) {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn an_invoice_written_as_a_document_reads_back_whole(
        invoice in "[A-Za-z0-9-]{1,20}",
        store in "[A-Za-z0-9]{1,64}",
        fiscals in prop::collection::vec(fiscal(), 1..5),
    ) {
        let total = fiscals.iter().map(|f| f.price_total).sum();
        let payload = InvoicePayload { invoice, store, total, fiscals };
        let doc = json!({"version": 1, "document": "aehype_invoice", "payload": payload});
        prop_assert_eq!(parse_invoice(doc.to_string().as_bytes()), Ok(payload));
    }

    #[test]
    fn an_autofeed_written_as_a_document_reads_back_whole(
        identifier in "[a-f0-9-]{1,36}",
        invoice in "[A-Za-z0-9-]{1,20}",
        store in "[A-Za-z0-9]{1,64}",
        endpoint in "https?://[a-z0-9.:]{1,30}(/[a-z]{0,10})?",
    ) {
        let payload = AutofeedPayload { identifier, invoice, store, endpoint };
        let doc = json!({"version": 1, "document": "aehype_autofeed", "payload": payload});
        prop_assert_eq!(parse_autofeed(doc.to_string().as_bytes()), Ok(payload));
    }
}
