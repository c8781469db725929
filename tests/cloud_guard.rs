//! The Cloud port against web pages (issue 22.4): a foreign `Host` (DNS rebinding) is refused
//! on every route, and a request a browser marks as cross-site is refused on the routes only
//! an integration calls — the Cloud API, deep links, the initiator service, the events inbox.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{BASIC, Cloud};

/// The Cloud port's number, as text.
fn port(c: &Cloud) -> String {
    c.cloud.address().port().to_string()
}

/// How many tasks the terminals have been given.
fn tasks(c: &Cloud) -> usize {
    c.cloud.with_world(|w| w.task_count())
}

#[tokio::test]
async fn a_login_addressed_to_a_foreign_host_name_is_refused_and_loopback_names_are_not() {
    // Arrange: a page that rebound its own name to 127.0.0.1 sends that name as the Host.
    let c = Cloud::paused().await;
    let form = "grant_type=password&username=jan.novak%40example.com&password=ABCDEFGHIJKL&tid=999888";
    let login = |host: String| {
        c.http
            .post(c.url("/cloud/oauth/token"))
            .header("host", host)
            .header("authorization", BASIC)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
    };
    // Act
    let (foreign, body) = crate::support::answer(login(format!("rebound.example:{}", port(&c)))).await;
    let mut loopback = Vec::new();
    for host in [format!("localhost:{}", port(&c)), format!("127.0.0.1:{}", port(&c)), "[::1]".to_owned()] {
        loopback.push(crate::support::answer(login(host)).await.0);
    }
    // Assert
    assert_eq!(foreign, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "FOREIGN_HOST");
    assert!(body["error"]["message"].as_str().unwrap().contains("--allow-host"), "{body}");
    assert_eq!(loopback, [StatusCode::OK; 3]);
}

#[tokio::test]
async fn a_deep_link_loaded_by_another_sites_page_makes_no_sale() {
    // Arrange: `<img src="http://127.0.0.1:PORT/app2app?uri=…">` on a web page.
    let c = Cloud::paused().await;
    let link = "/app2app?uri=gptom%3A%2F%2Ftransaction%2Fcreate%3Famount%3D4242%26clientID%3D223\
                %26redirectUrl%3Dhttps%3A%2F%2Fevil.example%2Fcb";
    let before = tasks(&c);
    // A browser would follow the redirect to the receipt's thief; a test must not.
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    // Act
    let (status, body) = crate::support::answer(
        http.get(c.url(link)).header("sec-fetch-site", "cross-site").header("sec-fetch-dest", "image"),
    )
    .await;
    let (from_origin, _) = crate::support::answer(http.get(c.url(link)).header("origin", "https://evil.example")).await;
    // Assert
    assert_eq!((status, from_origin), (StatusCode::FORBIDDEN, StatusCode::FORBIDDEN), "{body}");
    assert_eq!(body["error"]["code"], "FOREIGN_ORIGIN");
    assert_eq!(tasks(&c), before, "no sale was made");
}

#[tokio::test]
async fn a_cross_site_post_to_the_events_inbox_or_the_api_is_refused() {
    // Arrange: a form or `fetch(…, {mode: "no-cors"})` from another site.
    let c = Cloud::paused().await;
    let event = json!({"order": "o1", "event": "outcome", "result": "paid"}).to_string();
    // Act
    let (inbox, body) = crate::support::answer(
        c.http
            .post(c.url("/_payterm/events"))
            .header("origin", "https://evil.example")
            .header("content-type", "text/plain")
            .body(event.clone()),
    )
    .await;
    let (same_site, _) = crate::support::answer(
        c.http.post(c.url("/_payterm/events")).header("sec-fetch-site", "same-site").body(event.clone()),
    )
    .await;
    let (api, _) = crate::support::answer(
        c.http.get(c.url("/v1/tasks")).bearer_auth("x").header("origin", "http://attacker.example"),
    )
    .await;
    let (tool, _) = crate::support::answer(c.http.post(c.url("/_payterm/events")).body(event)).await;
    // Assert
    assert_eq!((inbox, same_site, api), (StatusCode::FORBIDDEN, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN));
    assert_eq!(body["error"]["code"], "FOREIGN_ORIGIN");
    assert_eq!(c.cloud.take_posted_events().len(), 1, "only the tool's event, sent with no Origin, was taken");
    assert_eq!(tool, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn a_page_on_this_machine_and_the_openapi_document_are_not_refused() {
    // Arrange
    let c = Cloud::paused().await;
    // Act: a page on this machine (an old browser sends Origin, not Sec-Fetch-Site), and a
    // browser opening the document from another site's link.
    let (local, _) = crate::support::answer(
        c.http.get(c.url("/v1/tasks")).bearer_auth("not-a-token").header("origin", "http://localhost:3000"),
    )
    .await;
    let (document, body) =
        crate::support::answer(c.http.get(c.url("/openapi.json")).header("sec-fetch-site", "cross-site")).await;
    // Assert
    assert_eq!(local, StatusCode::UNAUTHORIZED, "past the guard, to the token check");
    assert_eq!(document, StatusCode::OK);
    assert_eq!(body["openapi"], Value::from("3.1.0"));
}
