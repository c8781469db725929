//! Provenance (issue 15.11): every route, field, status, fault and exit code of the three
//! surfaces has an entry in `payterm spec` that labels it [seed], [doc] or [ours] and names
//! where it comes from. The keys are found in the code itself (the OpenAPI document, the
//! deep-link and initiator types, real answers, the error codes in the sources), so a new one
//! without an entry fails here. Each entry's quotes are checked against the document it names
//! (a seed, or the project's spec page), read from `../shared` beside the repository.

use std::collections::BTreeSet;
use std::path::Path;

use payterm::profile::{Source, spec_items};
use payterm::surfaces::app2app::Reason;
use payterm::surfaces::app2app::answer_link;
use payterm::surfaces::app2app::params::Operation;
use payterm::surfaces::initiator::answers::{Fault, autofeed, fault_answer, invoice_answer, status_answer};
use payterm::surfaces::initiator::document::{AutofeedPayload, InvoicePayload};
use payterm::time::VirtualTime;
use payterm::world::World;
use payterm::world::codes::{EcrResult, TaskErrorCode};
use payterm::world::invoice::{Fiscal, InvoiceStatus};
use payterm::world::task::TaskState;
use serde_json::Value;

fn source(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

/// The text of every `.rs` file under `dir`.
fn sources(dir: &str) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(std::fs::read_to_string(path).unwrap());
            }
        }
    }
    out
}

/// Every key of every object in `value`, recursively (the keys of `subBatches` are methods,
/// counted as fields too).
fn keys(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                out.insert(k.clone());
                keys(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| keys(v, out)),
        _ => {}
    }
}

fn captures(texts: &[String], pattern: &str) -> BTreeSet<String> {
    let re = regex::Regex::new(pattern).unwrap();
    texts.iter().flat_map(|t| re.captures_iter(t).map(|c| c[1].to_owned()).collect::<Vec<_>>()).collect()
}

/// Every key the code has, e.g. `route:cloud:GET /v1/tasks/{taskId}` or `exit:7`.
fn keys_in_the_code() -> BTreeSet<String> {
    let mut all = BTreeSet::new();
    let mut add = |prefix: &str, names: BTreeSet<String>| all.extend(names.into_iter().map(|n| format!("{prefix}{n}")));

    // The Cloud API: its OpenAPI document's routes, parameters and schema properties.
    let doc: Value = serde_json::from_str(&payterm::surfaces::cloud::openapi::document("http://127.0.0.1:1")).unwrap();
    let mut routes = BTreeSet::from(["GET /openapi.json".to_owned(), "GET /health".to_owned()]);
    let mut fields = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            routes.insert(format!("{} {path}", method.to_uppercase()));
            for p in op["parameters"].as_array().into_iter().flatten() {
                fields.insert(p["name"].as_str().unwrap().to_owned());
            }
        }
    }
    for schema in doc["components"]["schemas"].as_object().unwrap().values() {
        fields.extend(schema["properties"].as_object().into_iter().flat_map(|p| p.keys().cloned()));
    }
    add("route:cloud:", routes);
    add("field:cloud:", fields);
    add("status:cloud:", TaskState::ALL.iter().map(|s| s.as_str().to_owned()).collect());
    let mut cloud_faults: BTreeSet<String> = (-9..=0).map(|n| EcrResult(n).name().to_owned()).collect();
    cloud_faults.extend(TaskErrorCode::ALL.iter().map(|c| c.name.to_owned()));
    let cloud_src =
        [sources("emulator/surfaces/cloud"), sources("emulator/http"), vec![source("emulator/surfaces/faults.rs")]]
            .concat();
    cloud_faults.extend(captures(&cloud_src, r#"ApiError::new\(\s*StatusCode::\w+,\s*"([A-Z][A-Z_]+)""#));
    cloud_faults.extend(captures(&cloud_src, r#"\.with\("reason", "([A-Z_]+)"\)"#));
    cloud_faults.extend(captures(&cloud_src, r#""(invalid_[a-z]+|unsupported_grant_type)""#));
    cloud_faults.extend(captures(&[source("emulator/world/void_rules.rs")], r#"=> "([A-Z_]+)""#));
    add("fault:cloud:", cloud_faults);

    // Deep links: the operations, their parameters, every field of real answers.
    let mut link_routes = BTreeSet::from(["GET /app2app".to_owned()]);
    link_routes.extend(Operation::ALL.iter().map(|o| format!("gptom://{}", o.path())));
    add("route:app2app:", link_routes);
    let mut link_fields: BTreeSet<String> =
        Operation::ALL.iter().flat_map(|o| o.params().iter().map(|p| (*p).to_owned())).collect();
    link_fields.insert("requestId".to_owned());
    let mut world = World::documented_example(1, VirtualTime::DEFAULT_START);
    let sale =
        answer_link(&mut world, "gptom://transaction/create?amount=450&tipAmount=50&requestID=r&redirectUrl=fb://x")
            .unwrap();
    let ams = sale.json["receipt"]["amsID"].as_str().unwrap().to_owned();
    for link in [
        format!("gptom://transaction/cancel?amsID={ams}&printByPaymentApp=false&redirectUrl=fb://x"),
        "gptom://transaction/create?amount=1122&redirectUrl=fb://x".to_owned(),
        "gptom://batch/close?redirectUrl=fb://x".to_owned(),
        "gptom://status?redirectUrl=fb://x".to_owned(),
    ] {
        keys(&answer_link(&mut world, &link).unwrap().json, &mut link_fields);
    }
    keys(&sale.json, &mut link_fields);
    add("field:app2app:", link_fields);
    let mut link_faults: BTreeSet<String> = Reason::ALL.iter().map(|r| r.as_str().to_owned()).collect();
    link_faults.insert("insufficientFunds".to_owned());
    link_faults.extend(captures(&[source("emulator/surfaces/app2app/link.rs")], r#"=> "([A-Z_]+)""#));
    link_faults.extend(captures(&sources("emulator/surfaces/app2app"), r#"\.with\("reason", "([A-Z_]+)"\)"#));
    add("fault:app2app:", link_faults);
    add("status:app2app:", ["COMPLETED", "CANCELLED", "ERROR"].map(str::to_owned).into());

    // The initiator: its routes and commands, the documents, the answers, faults, statuses.
    add(
        "route:initiator:",
        ["POST /hype/v1/invoices", "POST /hype/v1/status", "GET /hype/pay/{identifier}"]
            .into_iter()
            .map(str::to_owned)
            .chain(["keygen", "enroll", "invoice", "status", "install-shim"].map(|c| format!("command {c}")))
            .collect(),
    );
    let fiscal = Fiscal {
        name: "x".into(),
        amount: 1,
        code_mxik: "1".into(),
        vat: 0,
        vat_price: 0,
        price_total: 1,
        price_per_unit: 1,
        code_mxik_package: "1".into(),
    };
    let invoice = InvoicePayload { invoice: "A".into(), store: "s".into(), total: 1, fiscals: vec![fiscal] };
    let feed = AutofeedPayload { identifier: "i".into(), invoice: "A".into(), store: "s".into(), endpoint: "e".into() };
    let mut hype_fields: BTreeSet<String> = ["version", "document", "payload"].map(str::to_owned).into();
    keys(&serde_json::to_value(&invoice).unwrap(), &mut hype_fields);
    keys(&serde_json::to_value(&feed).unwrap(), &mut hype_fields);
    let mut issuing = World::documented_example(1, VirtualTime::DEFAULT_START);
    issuing.enroll("s", "k", [0; 32]);
    let (issued, _) = issuing
        .issue_invoice(
            payterm::world::InvoiceOrder { invoice: "A".into(), store: "s".into(), total: 1, fiscals: invoice.fiscals },
            "http://h/hype/pay/",
        )
        .unwrap();
    keys(&invoice_answer(issued, "http://h"), &mut hype_fields);
    keys(&autofeed(issued, "http://h"), &mut hype_fields);
    keys(&status_answer("i", InvoiceStatus::Created), &mut hype_fields);
    keys(&fault_answer(Fault::BadSignature, None), &mut hype_fields);
    let headers = captures(
        &[source("emulator/surfaces/initiator/signing.rs"), source("emulator/surfaces/initiator/answers.rs")],
        r#"_HEADER: &str = "([a-z-]+)""#,
    );
    hype_fields.extend(headers);
    let config: Value =
        serde_json::from_str(r#"{"version": 1, "endpoint": "e", "store": "s", "key_file": "/k", "key_id": "k"}"#)
            .unwrap();
    let config: payterm::surfaces::initiator::config::Config = serde_json::from_value(config).unwrap();
    keys(&serde_json::to_value(config).unwrap(), &mut hype_fields);
    add("field:initiator:", hype_fields);
    add("status:initiator:", InvoiceStatus::ALL.iter().map(|s| s.as_str().to_owned()).collect());
    let mut hype_faults: BTreeSet<String> = Fault::ALL.iter().map(|f| f.as_str().to_owned()).collect();
    let service = [source("emulator/surfaces/initiator/service.rs")];
    hype_faults.extend(captures(&service, r#"pub const [A-Z_]+: &str = "([A-Z_]+)""#));
    hype_faults.extend(captures(&service, r#"Refused::document\("([A-Z_]+)""#));
    add("fault:initiator:", hype_faults);

    // Exit codes of payterm and of the initiator program.
    add("exit:", captures(&[source("emulator/exit_codes.rs")], r"pub const [A-Z_]+: i32 = (\d+);"));
    all
}

#[test]
fn every_route_field_status_fault_and_exit_code_has_a_labelled_entry_naming_its_origin() {
    // Arrange
    let found = keys_in_the_code();
    // Act
    let covered: BTreeSet<&str> = spec_items().flat_map(|i| i.covers.iter().copied()).collect();
    // Assert
    let missing: Vec<&String> = found.iter().filter(|k| !covered.contains(k.as_str())).collect();
    assert!(
        missing.is_empty(),
        "{} keys have no entry in payterm spec:\n{}",
        missing.len(),
        missing.iter().map(|k| k.as_str()).collect::<Vec<_>>().join("\n")
    );
    let stale: Vec<&&str> = covered.iter().filter(|k| !found.contains(**k)).collect();
    assert!(stale.is_empty(), "entries cover keys the code no longer has: {stale:?}");
    for item in spec_items() {
        assert!(!item.origin.is_empty() && !item.behaviour.is_empty(), "{item:?}");
        if item.source == Source::Ours {
            assert!(item.origin.starts_with("ours"), "an [ours] entry says so: {item:?}");
        }
    }
}

/// Text with every run of whitespace made one space, so a quote may wrap where its source does not.
fn normalised(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn every_entry_quotes_words_that_occur_in_the_document_it_names() {
    // Arrange: the seeds and spec pages live beside the repository, as CI checks them out.
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    assert!(
        shared.join("seeds").is_dir() && shared.join("spec").is_dir(),
        "the seeds and spec pages are not at {}: the quotes of payterm spec cannot be checked \
         (hint: check out the project's shared folder beside the repository)",
        shared.display()
    );
    let mut problems = Vec::new();
    // Act
    for item in spec_items() {
        let Some(file) = payterm::profile::origin::quoted_in(item.origin) else {
            if !item.quotes.is_empty() {
                problems.push(format!("{}: quotes {:?} but names no document", item.behaviour, item.quotes));
            }
            continue;
        };
        let text = normalised(&std::fs::read_to_string(shared.join(file)).unwrap());
        if item.quotes.is_empty() {
            problems.push(format!("{} ({}): quotes nothing from {file}", item.behaviour, item.origin));
        }
        for quote in item.quotes {
            if !text.contains(&normalised(quote)) {
                problems.push(format!("{} ({}): {quote:?} is not in {file}", item.behaviour, item.origin));
            }
        }
    }
    // Assert
    assert!(problems.is_empty(), "{} entries misquote their origin:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn a_seed_entry_quotes_a_seed_and_a_doc_entry_a_vendor_page() {
    for item in spec_items() {
        let file = payterm::profile::origin::quoted_in(item.origin);
        match item.source {
            Source::Seed => assert!(file.is_some_and(|f| f.starts_with("seeds/")), "{item:?}"),
            Source::Doc => assert!(item.origin.starts_with("vendor"), "{item:?}"),
            Source::Ours => assert!(item.origin.starts_with("ours"), "{item:?}"),
        }
    }
}

#[test]
fn payterm_spec_labels_all_three_surfaces_and_the_exit_codes() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_payterm")).arg("spec").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success());
    for area in ["cloud:", "app2app:", "initiator:", "exit codes:"] {
        assert!(text.lines().any(|l| l == area), "no {area} section:\n{text}");
    }
    for fact in [
        "[seed]  seed 002",
        "[doc]   vendor SDK",
        "[ours]  ours",
        "NOT_AN_OPERATOR",
        "cancelledBy",
        "jti",
        "\u{201c}Следовательно, необходимо правильно хранить autofeed JSON с этапа выставления счета.\u{201d}",
    ] {
        assert!(text.contains(fact), "{fact} missing:\n{text}");
    }
}
