//! What the derived schemas cannot say by themselves, added to the OpenAPI document by
//! [`ServerRules`]: the fields each transaction type requires, the limits the server checks
//! (taken from [`Profile`]), the answers every route can give, examples and links.

use serde_json::{Value, json};
use utoipa::Modify;
use utoipa::openapi::example::ExampleBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::schema::{
    Discriminator, Object, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::{Components, Content, KnownFormat, Ref, RefOr, Required, Response, ResponseBuilder};

use crate::profile::Profile;
use crate::world::money::Currency;
use crate::world::terminal::{Merchant, TerminalConfig};

/// The generated schema of a transaction task's body, which the two variants refine.
const TRANSACTION: &str = "CreateCloudTaskTransactionApiRequest";
/// A sale's body.
const SALE: &str = "SaleTaskRequest";
/// A void's body.
const VOID: &str = "VoidTaskRequest";
/// A close batch's body.
const BATCH: &str = "CreateCloudTaskBatchApiRequest";

/// Adds to the document what the server checks beyond the shape of its types.
pub(super) struct ServerRules;

impl Modify for ServerRules {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let profile = Profile::default();
        let components = openapi.components.get_or_insert_with(Default::default);
        transaction_variants(components, &profile);
        refine_reference(components, BATCH, &profile);
        for (path, item) in openapi.paths.paths.iter_mut() {
            for operation in [item.get.as_mut(), item.post.as_mut(), item.delete.as_mut()].into_iter().flatten() {
                request_body(path, operation);
                common_answers(operation);
                links(path, operation);
            }
        }
    }
}

/// A sale and a void need different fields: one schema each, so a client (or a fuzzer) knows
/// which fields the server requires for which `transactionType`.
fn transaction_variants(components: &mut Components, profile: &Profile) {
    let Some(RefOr::T(Schema::Object(base))) = components.schemas.get(TRANSACTION).cloned() else {
        return;
    };
    let currencies: Vec<&str> = Currency::known_codes().collect();
    let currency = || {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(currencies.clone()))
            .description(Some("ISO 4217 letters; must be the terminal's currency (otherwise 422)."))
            .build()
    };
    let amount = |nullable: bool, what: &str| {
        let schema_type: SchemaType =
            if nullable { [Type::Integer, Type::Null].into_iter().collect() } else { Type::Integer.into() };
        ObjectBuilder::new()
            .schema_type(schema_type)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .minimum(Some(1))
            .maximum(Some(profile.max_amount as usize))
            .description(Some(what))
            .build()
    };

    let mut sale = base.clone();
    sale.description = Some("A sale: `amount`, `currencyCode` and `paymentMethod` are mandatory.".to_owned());
    set(&mut sale, "transactionType", only("SALE", "Charge the customer."));
    set(
        &mut sale,
        "amount",
        amount(false, "Minor units (1000 = 10.00), written as an integer literal (1000.0 and 1e3 are refused)."),
    );
    set(&mut sale, "currencyCode", currency());
    let mut method = Ref::from_schema_name("PaymentMethod");
    method.description = "How the customer pays.".to_owned();
    set(&mut sale, "paymentMethod", RefOr::Ref(method));
    set(
        &mut sale,
        "originTransactionID",
        ObjectBuilder::new().schema_type(Type::Null).description(Some("Only for VOID.")).build(),
    );
    sale.required = ["transactionType", "amount", "currencyCode", "paymentMethod"].map(str::to_owned).to_vec();

    let mut void = base;
    void.description =
        Some("A void of an earlier sale: `currencyCode` and `originTransactionID` are mandatory.".to_owned());
    set(&mut void, "transactionType", only("VOID", "Void an earlier sale."));
    set(&mut void, "amount", amount(true, "Minor units, an integer literal; optional for VOID."));
    set(&mut void, "currencyCode", currency());
    set(
        &mut void,
        "originTransactionID",
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(r"\S"))
            .description(Some("The sale's `amsId`."))
            .build(),
    );
    void.required = ["transactionType", "currencyCode", "originTransactionID"].map(str::to_owned).to_vec();

    for variant in [&mut sale, &mut void] {
        set(variant, "originReferenceNum", reference(profile));
        let tip = ObjectBuilder::new()
            .schema_type([Type::Integer, Type::Null].into_iter().collect::<SchemaType>())
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .minimum(Some(0))
            .maximum(Some(profile.max_amount as usize))
            .description(Some("A tip in minor units, an integer literal."))
            .build();
        set(variant, "tipAmount", tip);
    }
    components.schemas.insert(SALE.to_owned(), RefOr::T(Schema::Object(sale)));
    components.schemas.insert(VOID.to_owned(), RefOr::T(Schema::Object(void)));
    // The vendor's name stays the body's: one of the two variants, told apart by
    // `transactionType` (the generated object it replaces was referenced by nothing).
    let mut variants = Discriminator::new("transactionType");
    variants.mapping.insert("SALE".to_owned(), format!("#/components/schemas/{SALE}"));
    variants.mapping.insert("VOID".to_owned(), format!("#/components/schemas/{VOID}"));
    let body = OneOfBuilder::new()
        .item(Ref::from_schema_name(SALE))
        .item(Ref::from_schema_name(VOID))
        .discriminator(Some(variants))
        .description(Some("`POST /v1/tasks/TRANSACTION`: a sale or a void, by `transactionType`."))
        .build();
    components.schemas.insert(TRANSACTION.to_owned(), RefOr::T(Schema::OneOf(body)));
    // Each variant names its one `transactionType`; the generated enum of both is left unused.
    components.schemas.remove("CloudTransactionType");
}

/// `originReferenceNum` as the server checks it.
fn reference(profile: &Profile) -> Object {
    ObjectBuilder::new()
        .schema_type([Type::String, Type::Null].into_iter().collect::<SchemaType>())
        .max_length(Some(profile.max_reference_len))
        .pattern(Some("^[A-Za-z0-9 ]*$"))
        .description(Some(format!(
            "Up to {} ASCII letters, digits and spaces, e.g. \"Invoice 37364FD\".",
            profile.max_reference_len
        )))
        .build()
}

fn refine_reference(components: &mut Components, schema: &str, profile: &Profile) {
    if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(schema) {
        set(object, "originReferenceNum", reference(profile));
    }
}

/// A string that can only be `value`.
fn only(value: &str, description: &str) -> Object {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some([value])).description(Some(description)).build()
}

fn set(object: &mut Object, property: &str, schema: impl Into<RefOr<Schema>>) {
    object.properties.insert(property.to_owned(), schema.into());
}

fn error_content() -> Content {
    Content::new(Some(RefOr::Ref(Ref::from_schema_name("ErrorResponse"))))
}

/// Request bodies: the variants of a transaction task, the optional batch body, examples.
fn request_body(path: &str, operation: &mut Operation) {
    let Some(body) = operation.request_body.as_mut() else { return };
    match path {
        "/v1/tasks/TRANSACTION" => {
            let schema = RefOr::Ref(Ref::from_schema_name(TRANSACTION));
            let terminal = TerminalConfig::documented_example();
            let sale = json!({
                "transactionType": "SALE", "amount": 1111, "currencyCode": terminal.currency.code(),
                "paymentMethod": "CARD", "originReferenceNum": "Invoice 37364FD",
            });
            let declined = json!({
                "transactionType": "SALE", "amount": 1122, "currencyCode": terminal.currency.code(),
                "paymentMethod": "CARD",
            });
            set_json(body, schema, &[("sale", sale), ("declined", declined)]);
            body.required = Some(Required::True);
        }
        "/v1/tasks/BATCH" => {
            let schema = RefOr::Ref(Ref::from_schema_name(BATCH));
            set_json(body, schema, &[("referenced", json!({"originReferenceNum": "Z report 17"}))]);
            // No body at all is the same as `{}`.
            body.required = Some(Required::False);
        }
        "/cloud/oauth/token" | "/api/oauth/token" => {
            let merchant = Merchant::documented_example();
            let terminal = TerminalConfig::documented_example();
            let example = json!({
                "grant_type": "password", "username": merchant.username, "password": merchant.password,
                "tid": terminal.tid.as_str(),
            });
            if let Some(content) = body.content.get_mut("application/x-www-form-urlencoded") {
                content
                    .examples
                    .insert("terminal login".to_owned(), RefOr::T(ExampleBuilder::new().value(Some(example)).build()));
            }
            body.required = Some(Required::True);
        }
        _ => {}
    }
}

fn set_json(body: &mut RequestBody, schema: RefOr<Schema>, examples: &[(&str, Value)]) {
    let mut content = Content::new(Some(schema));
    for (name, value) in examples {
        content.examples.insert((*name).to_owned(), RefOr::T(ExampleBuilder::new().value(Some(value.clone())).build()));
    }
    body.content.insert("application/json".to_owned(), content);
}

/// The answers any route can give besides its own: a body too large or too slow (routes with a
/// body), a scenario's scripted fault (429, 503 or any other status it names), an emulator bug.
fn common_answers(operation: &mut Operation) {
    let answers = &mut operation.responses.responses;
    let retry_after = || {
        HeaderBuilder::new()
            .schema(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)))
            .description(Some("Real seconds to wait, when the scenario gives it."))
            .build()
    };
    let answer = |description: &str| {
        ResponseBuilder::new().description(description).content("application/json", error_content())
    };
    if operation.request_body.is_some() {
        answers.insert("408".to_owned(), answer("The body did not arrive in time (`REQUEST_TIMEOUT`)").build().into());
        answers.insert(
            "413".to_owned(),
            answer("The body is larger than the server reads (`PAYLOAD_TOO_LARGE`, with `limit`)").build().into(),
        );
    }
    answers.insert(
        "429".to_owned(),
        answer("A scenario's scripted rate limit (`SCRIPTED_FAULT`)")
            .header("Retry-After", retry_after())
            .build()
            .into(),
    );
    answers.insert(
        "500".to_owned(),
        answer("A scenario's scripted fault, or a bug in the emulator (`INTERNAL`)").build().into(),
    );
    answers.insert(
        "503".to_owned(),
        answer("A scenario's scripted outage (`SCRIPTED_FAULT`)").header("Retry-After", retry_after()).build().into(),
    );
    if let Some(RefOr::T(unauthorized)) = answers.get_mut("401") {
        let header = HeaderBuilder::new()
            .schema(ObjectBuilder::new().schema_type(Type::String))
            .description(Some("The challenge (`Bearer realm=\"cloud\"` or `Basic realm=\"oauth\"`)."))
            .build();
        unauthorized.headers.insert("WWW-Authenticate".to_owned(), header);
    }
}

/// How one answer leads to the next call: a created task to its poll and its withdrawal, a
/// finished task to its transaction or batch.
fn links(path: &str, operation: &mut Operation) {
    let (status, targets): (&str, &[(&str, &str, &str, &str)]) = match path {
        "/v1/tasks/TRANSACTION" | "/v1/tasks/BATCH" => (
            "201",
            &[
                ("poll", "get", "taskId", "$response.body#/taskId"),
                ("withdraw", "withdraw", "taskId", "$response.body#/taskId"),
            ],
        ),
        "/v1/tasks/{taskId}" if operation.operation_id.as_deref() == Some("get") => (
            "200",
            &[
                ("transaction", "transaction", "amsId", "$response.body#/amsId"),
                ("batch", "batch", "amsId", "$response.body#/amsId"),
            ],
        ),
        _ => return,
    };
    if let Some(RefOr::T(answer)) = operation.responses.responses.get_mut(status) {
        add_links(answer, targets);
    }
}

fn add_links(answer: &mut Response, targets: &[(&str, &str, &str, &str)]) {
    for (name, operation_id, parameter, value) in targets {
        let link = LinkBuilder::new().operation_id(*operation_id).parameter(*parameter, *value).build();
        answer.links.insert((*name).to_owned(), RefOr::T(link));
    }
}

/// utoipa 5 writes a link's fields in snake case (`operation_id`; fixed in utoipa 6): rename them
/// as OpenAPI spells them, so tools can follow the links.
pub(super) fn camel_case_links(doc: &mut Value) {
    let path_items =
        doc.get_mut("paths").and_then(Value::as_object_mut).into_iter().flat_map(|paths| paths.values_mut());
    let answers = path_items
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
        .filter_map(|operation| operation.get_mut("responses").and_then(Value::as_object_mut))
        .flat_map(|responses| responses.values_mut());
    for link in answers
        .filter_map(|answer| answer.get_mut("links").and_then(Value::as_object_mut))
        .flat_map(|links| links.values_mut())
        .filter_map(Value::as_object_mut)
    {
        let renamed = std::mem::take(link).into_iter().map(|(key, value)| match key.as_str() {
            "operation_id" => ("operationId".to_owned(), value),
            "operation_ref" => ("operationRef".to_owned(), value),
            "request_body" => ("requestBody".to_owned(), value),
            _ => (key, value),
        });
        link.extend(renamed);
    }
}
