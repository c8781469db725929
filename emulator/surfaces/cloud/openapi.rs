//! The OpenAPI 3.1 document of the Cloud API, generated from the handlers' annotations and the
//! same types the server reads and writes; served at `/openapi.json`, printed by `payterm openapi`.

use std::sync::OnceLock;

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::Full;
use serde::Serialize;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::auth::{OAuthError, TokenResponse};
use super::dto::{
    BatchResultResponse, CloudTaskDetailApiResponse, CreateCloudTaskBatchApiRequest,
    CreateCloudTaskTransactionApiRequest, ErrorDetail, ErrorResponse, SubBatchResponse, TaskErrorBody,
    TaskListResponse, TransactionResultResponse,
};
use super::openapi_rules::{self, ServerRules};
use super::{results, tasks};
use crate::http::Reply;

/// The token endpoint's form: one of the two grants.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[expect(dead_code, reason = "describes a form for the document only")]
enum TokenForm {
    /// Log in.
    Password(PasswordGrantForm),
    /// Trade a refresh token for a new access token.
    Refresh(RefreshGrantForm),
}

/// `grant_type=password`: a merchant login, for one terminal or (without `tid`) a master account.
#[derive(Serialize, utoipa::ToSchema)]
struct PasswordGrantForm {
    /// Always `password`.
    grant_type: PasswordGrant,
    /// The merchant login.
    username: String,
    /// The merchant password.
    password: String,
    /// One of the merchant's terminals; leave out for a master-account token.
    #[schema(nullable = false)]
    #[serde(skip_serializing_if = "Option::is_none")]
    tid: Option<String>,
}

/// `grant_type=refresh_token`: a new access token for the same login.
#[derive(Serialize, utoipa::ToSchema)]
struct RefreshGrantForm {
    /// Always `refresh_token`.
    grant_type: RefreshGrant,
    /// The refresh token from an earlier answer.
    refresh_token: String,
}

/// The password grant's `grant_type`.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[expect(dead_code, reason = "describes a form for the document only")]
enum PasswordGrant {
    /// `password`.
    Password,
}

/// The refresh grant's `grant_type`.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[expect(dead_code, reason = "describes a form for the document only")]
enum RefreshGrant {
    /// `refresh_token`.
    RefreshToken,
}

/// Get an access token (password grant) or refresh one.
#[utoipa::path(
    post, path = "/cloud/oauth/token", tag = "oauth",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "A token", body = TokenResponse),
        (status = 400, description = "A malformed form, an unsupported grant, or a `tid` that is not the merchant's (`invalid_request`, `unsupported_grant_type`)", body = OAuthError),
        (status = 401, description = "A wrong client credential (`invalid_client`), bad user credentials or an unknown or expired refresh token (`invalid_grant`)", body = OAuthError),
    ),
    security(("basic" = []))
)]
#[expect(dead_code, reason = "documents a route the router answers directly")]
fn token() {}

/// Refresh an access token (`grant_type=refresh_token`); the password grant works here too.
#[utoipa::path(
    post, path = "/api/oauth/token", tag = "oauth",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "A new access token", body = TokenResponse),
        (status = 400, description = "A malformed form or an unsupported grant (`invalid_request`, `unsupported_grant_type`)", body = OAuthError),
        (status = 401, description = "A wrong client credential (`invalid_client`), or an unknown or expired refresh token (`invalid_grant`)", body = OAuthError),
    ),
    security(("basic" = []))
)]
#[expect(dead_code, reason = "documents a route the router answers directly")]
fn refresh() {}

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut bearer = Http::new(HttpAuthScheme::Bearer);
        bearer.bearer_format = Some("JWT".to_owned());
        components.add_security_scheme("bearer", SecurityScheme::Http(bearer));
        components.add_security_scheme("basic", SecurityScheme::Http(Http::new(HttpAuthScheme::Basic)));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "GP tom Cloud API (payterm emulator)",
        description = "The GP tom Cloud API as payterm emulates it. Routes and names marked [ours] in `payterm spec` are this emulator's completion where the vendor's public pages are silent."
    ),
    paths(
        token, refresh,
        tasks::create_transaction, tasks::create_batch, tasks::get, tasks::withdraw, tasks::list,
        results::transaction, results::batch,
    ),
    components(schemas(
        CreateCloudTaskTransactionApiRequest, CreateCloudTaskBatchApiRequest, CloudTaskDetailApiResponse,
        TaskErrorBody, TaskListResponse, TransactionResultResponse, BatchResultResponse, SubBatchResponse,
        ErrorResponse, ErrorDetail, TokenResponse, OAuthError, TokenForm, PasswordGrantForm, RefreshGrantForm,
        PasswordGrant, RefreshGrant,
    )),
    modifiers(&Security, &ServerRules)
)]
struct ApiDoc;

/// Where `payterm serve` listens unless told otherwise: the `servers` entry of the document
/// printed without a server.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:7878";

/// The document as pretty JSON, its `servers` naming `base_url`, the loopback URL the server
/// actually has.
pub fn document(base_url: &str) -> String {
    static DOC: OnceLock<serde_json::Value> = OnceLock::new();
    let mut doc = DOC
        .get_or_init(|| {
            let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
            openapi_rules::camel_case_links(&mut doc);
            doc
        })
        .clone();
    if let Some(map) = doc.as_object_mut() {
        let server =
            serde_json::json!([{ "url": base_url, "description": "payterm, the GP tom emulator, on loopback" }]);
        // Right after `info`, where readers look for it.
        let rest: Vec<(String, serde_json::Value)> = std::mem::take(map).into_iter().collect();
        for (key, value) in rest {
            let after_info = key == "info";
            map.insert(key, value);
            if after_info {
                map.insert("servers".to_owned(), server.clone());
            }
        }
    }
    serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".to_owned())
}

pub(super) fn reply(base_url: &str) -> Reply {
    let mut resp = Response::new(Full::new(Bytes::from(document(base_url))));
    *resp.status_mut() = StatusCode::OK;
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}
