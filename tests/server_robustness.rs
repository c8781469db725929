//! The server under bad input: every malformed request gets a clear JSON error, nothing takes
//! the server down, and concurrent creation loses nothing and keeps arrival order.

use std::time::Duration;

use payterm::world::ids::Tid;
use reqwest::{Method, StatusCode};
use rstest::rstest;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{Cloud, answer};

async fn raw_post(c: &Cloud, path: &str, token: &str, body: &'static str) -> (StatusCode, Value) {
    answer(c.http.post(c.url(path)).bearer_auth(token).header("content-type", "application/json").body(body)).await
}

#[tokio::test]
async fn malformed_json_is_400_with_its_line_and_column() {
    let c = Cloud::paused().await;
    let token = c.token().await;
    let (status, body) =
        raw_post(&c, "/v1/tasks/TRANSACTION", &token, "{\"transactionType\": \"SALE\",\n \"amount\": }").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "INVALID_JSON");
    assert_eq!((body["error"]["line"].as_u64(), body["error"]["column"].as_u64()), (Some(2), Some(12)));
}

#[rstest]
#[case::a_word_after_the_sale("{\"transactionType\": \"SALE\", \"amount\": 1250, \"currencyCode\": \"CZK\"} xyz", 67)]
#[case::a_second_object("{\"transactionType\": \"SALE\", \"amount\": 1250, \"currencyCode\": \"CZK\"}{}", 66)]
#[tokio::test]
async fn a_sale_with_bytes_after_its_json_is_400_naming_the_offset_and_charges_nothing(
    #[case] body: &'static str,
    #[case] offset: u64,
) {
    // Arrange
    let c = Cloud::paused().await;
    let token = c.token().await;
    // Act
    let (status, answer) = raw_post(&c, "/v1/tasks/TRANSACTION", &token, body).await;
    c.advance_secs(60);
    // Assert
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["error"]["code"], "INVALID_JSON");
    assert_eq!(answer["error"]["offset"].as_u64(), Some(offset), "{answer}");
    let (_, tasks) = c.get("/v1/tasks", &token).await;
    assert_eq!(tasks["tasks"].as_array().map(Vec::len), Some(0), "no task was created: {tasks}");
    let (_, ledger) = c.control_get("/ledger").await;
    assert_eq!(ledger["entries"], json!([]), "nothing was charged");
}

#[tokio::test]
async fn the_control_api_refuses_bytes_after_its_json_too() {
    // Arrange
    let c = Cloud::paused().await;
    // Act
    let (status, answer) = answer(
        c.http
            .post(c.control("/terminals/999888/mode"))
            .header("content-type", "application/json")
            .body("{\"mode\":\"assisted\"}garbag"),
    )
    .await;
    // Assert
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["error"]["offset"].as_u64(), Some(19), "{answer}");
    let (_, terminal) = c.control_get("/terminals/999888").await;
    assert_eq!(terminal["mode"], "automatic", "the mode did not change: {terminal}");
}

#[tokio::test]
async fn an_empty_body_is_400() {
    let c = Cloud::paused().await;
    let token = c.token().await;
    let (status, body) = raw_post(&c, "/v1/tasks/TRANSACTION", &token, "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "INVALID_JSON");
}

#[tokio::test]
async fn a_body_over_64_kib_is_413_and_the_server_keeps_serving() {
    let c = Cloud::paused().await;
    let token = c.token().await;
    let big = format!("{{\"transactionType\": \"SALE\", \"pad\": \"{}\"}}", "x".repeat(70 * 1024));
    let resp = c.http.post(c.url("/v1/tasks/TRANSACTION")).bearer_auth(&token).body(big).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(c.get("/v1/tasks", &token).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_chunked_body_over_the_cap_is_413_too() {
    let c = Cloud::paused().await;
    let token = c.token().await;
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..80).map(|_| Ok(vec![b' '; 1024])).collect();
    let body = reqwest::Body::wrap_stream(futures_stream(chunks));
    let resp = c.http.post(c.url("/v1/tasks/TRANSACTION")).bearer_auth(&token).body(body).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

fn futures_stream(
    items: Vec<Result<Vec<u8>, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    futures_util::stream::iter(items)
}

#[tokio::test]
async fn oversized_headers_are_refused_and_the_server_keeps_serving() {
    let c = Cloud::paused().await;
    let mut stream = TcpStream::connect(c.cloud.address()).await.unwrap();
    let huge = "a".repeat(64 * 1024);
    let request = format!("GET /v1/tasks HTTP/1.1\r\nhost: 127.0.0.1\r\nx-big: {huge}\r\n\r\n");
    let _ = stream.write_all(request.as_bytes()).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    let text = String::from_utf8_lossy(&answer);
    assert!(text.is_empty() || text.starts_with("HTTP/1.1 431"), "{text}");
    let token = c.token().await;
    assert_eq!(c.get("/v1/tasks", &token).await.0, StatusCode::OK);
}

#[tokio::test]
async fn garbage_on_the_socket_does_not_take_the_server_down() {
    let c = Cloud::paused().await;
    let mut stream = TcpStream::connect(c.cloud.address()).await.unwrap();
    stream.write_all(b"\x00\xff\xfe not http at all\r\n\r\n").await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    let token = c.token().await;
    assert_eq!(c.get("/v1/tasks", &token).await.0, StatusCode::OK);
}

#[tokio::test]
async fn an_unknown_route_is_404_json_and_a_wrong_method_is_405() {
    let c = Cloud::paused().await;
    let token = c.token().await;
    let (status, body) = c.get("/v2/nothing", &token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "NOT_FOUND");
    let (status, body) = c.post("/v1/tasks/transaction", &token, json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["error"]["message"].as_str().unwrap().contains("TRANSACTION"), "{body}");
    let resp = c.http.put(c.url("/v1/tasks")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(resp.headers()["allow"], "GET");
}

#[rstest]
#[case::get_transaction(Method::GET, "/v1/tasks/TRANSACTION")]
#[case::delete_transaction(Method::DELETE, "/v1/tasks/TRANSACTION")]
#[case::put_transaction(Method::PUT, "/v1/tasks/TRANSACTION")]
#[case::trace_transaction(Method::TRACE, "/v1/tasks/TRANSACTION")]
#[case::get_batch(Method::GET, "/v1/tasks/BATCH")]
#[case::delete_batch(Method::DELETE, "/v1/tasks/BATCH")]
#[case::trace_batch(Method::TRACE, "/v1/tasks/BATCH")]
#[tokio::test]
async fn another_method_on_a_create_route_is_405_allowing_post_not_a_404_about_case(
    #[case] method: Method,
    #[case] path: &str,
) {
    // Arrange
    let c = Cloud::paused().await;
    let token = c.token().await;
    // Act
    let resp = c.http.request(method, c.url(path)).bearer_auth(&token).send().await.unwrap();
    // Assert
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(resp.headers()["allow"], "POST");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "METHOD_NOT_ALLOWED");
    assert!(!body["error"]["message"].as_str().unwrap().contains("upper case"), "{body}");
}

#[tokio::test]
async fn the_openapi_document_is_served() {
    let c = Cloud::paused().await;
    let doc: Value = c.http.get(c.url("/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/cloud/oauth/token",
        "/api/oauth/token",
        "/v1/tasks/TRANSACTION",
        "/v1/tasks/BATCH",
        "/v1/tasks/{taskId}",
        "/v1/tasks",
        "/v1/transactions/{amsId}",
        "/v1/batches/{amsId}",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is missing from the document");
    }
}

#[tokio::test]
async fn concurrent_creation_on_one_terminal_loses_nothing_and_runs_in_arrival_order() {
    // Arrange
    let c = Cloud::paused().await;
    let token = c.token().await;
    // Act: 40 sales at once.
    let mut handles = Vec::new();
    for i in 0..40u64 {
        let (http, url, token) = (c.http.clone(), c.url("/v1/tasks/TRANSACTION"), token.clone());
        handles.push(tokio::spawn(async move {
            let body =
                json!({"transactionType": "SALE", "amount": 100 + i, "currencyCode": "CZK", "paymentMethod": "CARD"});
            http.post(url).bearer_auth(token).json(&body).send().await.unwrap().status()
        }));
    }
    for h in handles {
        assert_eq!(h.await.unwrap(), StatusCode::CREATED);
    }
    let queue: Vec<String> =
        c.cloud.with_world(|w| w.terminal(&Tid::from("999888")).unwrap().queue.iter().map(|t| t.0.clone()).collect());
    c.advance_secs(40 * 4 + 10);
    // Assert: all 40 exist, all completed, and they finished in the order they were queued.
    let (_, list) = c.get("/v1/tasks", &token).await;
    let tasks = list["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 40);
    assert!(tasks.iter().all(|t| t["state"] == "COMPLETED"));
    let mut by_finish: Vec<(&str, &str)> =
        tasks.iter().map(|t| (t["updated"].as_str().unwrap(), t["taskId"].as_str().unwrap())).collect();
    by_finish.sort();
    let finished: Vec<&str> = by_finish.iter().map(|(_, id)| *id).collect();
    assert_eq!(finished, queue);
    let (_, open) = c.get("/v1/batches/OPEN", &token).await;
    assert_eq!(open["saleCount"], 40);
}

async fn document(c: &Cloud) -> Value {
    c.http.get(c.url("/openapi.json")).send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn the_openapi_document_declares_every_status_each_route_answers() {
    // Arrange
    let c = Cloud::paused().await;
    // Act
    let doc = document(&c).await;
    // Assert
    let declared = |path: &str, method: &str| -> Vec<String> {
        doc["paths"][path][method]["responses"].as_object().unwrap().keys().cloned().collect()
    };
    let expected: [(&str, &str, &[&str]); 9] = [
        ("/cloud/oauth/token", "post", &["200", "400", "401", "408", "413", "429", "500", "503"]),
        ("/api/oauth/token", "post", &["200", "400", "401", "408", "413", "429", "500", "503"]),
        (
            "/v1/tasks/TRANSACTION",
            "post",
            &["201", "400", "401", "403", "404", "408", "409", "413", "422", "429", "500", "503"],
        ),
        ("/v1/tasks/BATCH", "post", &["201", "400", "401", "403", "404", "408", "409", "413", "429", "500", "503"]),
        ("/v1/tasks", "get", &["200", "400", "401", "403", "429", "500", "503"]),
        ("/v1/tasks/{taskId}", "get", &["200", "400", "401", "403", "404", "429", "500", "503"]),
        ("/v1/tasks/{taskId}", "delete", &["200", "400", "401", "403", "404", "409", "429", "500", "503"]),
        ("/v1/transactions/{amsId}", "get", &["200", "400", "401", "403", "404", "429", "500", "503"]),
        ("/v1/batches/{amsId}", "get", &["200", "400", "401", "403", "404", "429", "500", "503"]),
    ];
    for (path, method, statuses) in expected {
        let mut got = declared(path, method);
        got.sort();
        assert_eq!(got, statuses, "{method} {path}");
    }
}

#[tokio::test]
async fn the_openapi_document_says_which_fields_a_sale_and_a_void_require() {
    // Arrange
    let c = Cloud::paused().await;
    // Act
    let doc = document(&c).await;
    // Assert
    let body = &doc["paths"]["/v1/tasks/TRANSACTION"]["post"]["requestBody"];
    assert_eq!(body["required"], true);
    let schema = &body["content"]["application/json"]["schema"];
    assert_eq!(schema["$ref"], "#/components/schemas/CreateCloudTaskTransactionApiRequest", "the vendor's name");
    let variants = &doc["components"]["schemas"]["CreateCloudTaskTransactionApiRequest"]["oneOf"];
    assert_eq!(variants[0]["$ref"], "#/components/schemas/SaleTaskRequest");
    assert_eq!(variants[1]["$ref"], "#/components/schemas/VoidTaskRequest");
    let sale = &doc["components"]["schemas"]["SaleTaskRequest"];
    assert_eq!(sale["required"], json!(["transactionType", "amount", "currencyCode", "paymentMethod"]));
    assert_eq!(
        (&sale["properties"]["amount"]["minimum"], &sale["properties"]["amount"]["maximum"]),
        (&json!(1), &json!(999_999_999))
    );
    assert_eq!(sale["properties"]["originReferenceNum"]["maxLength"], 20);
    let void = &doc["components"]["schemas"]["VoidTaskRequest"];
    assert_eq!(void["required"], json!(["transactionType", "currencyCode", "originTransactionID"]));
    // A close batch's body is optional and, when sent, an object (not `null`).
    let batch = &doc["paths"]["/v1/tasks/BATCH"]["post"]["requestBody"];
    assert_eq!(batch["required"], false);
    assert_eq!(
        batch["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/CreateCloudTaskBatchApiRequest"
    );
}

#[tokio::test]
async fn the_openapi_document_links_a_created_task_to_its_poll_by_operation_id() {
    // Arrange
    let c = Cloud::paused().await;
    // Act
    let doc = document(&c).await;
    // Assert: OpenAPI spells it `operationId` (utoipa 5 writes `operation_id`).
    let poll = &doc["paths"]["/v1/tasks/TRANSACTION"]["post"]["responses"]["201"]["links"]["poll"];
    assert_eq!(poll["operationId"], "get");
    assert_eq!(poll["parameters"]["taskId"], "$response.body#/taskId");
    assert!(poll.get("operation_id").is_none(), "{poll}");
}
