//! The OpenAPI 3.1 document of the Cloud API, generated from the handlers' annotations and the
//! same types the server reads and writes; served at `/openapi.json`, printed by `payterm openapi`.

use std::sync::OnceLock;

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::Full;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::auth::{OAuthError, TokenResponse};
use super::dto::{
    BatchResultResponse, CloudTaskDetailApiResponse, CreateCloudTaskBatchApiRequest,
    CreateCloudTaskTransactionApiRequest, ErrorDetail, ErrorResponse, SubBatchResponse, TaskErrorBody,
    TaskListResponse, TransactionResultResponse,
};
use super::{results, tasks};
use crate::http::Reply;

/// The form fields of the token endpoint.
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "describes a form for the document only")]
struct TokenForm {
    /// `password` or `refresh_token`.
    grant_type: String,
    /// The merchant login (password grant).
    username: Option<String>,
    /// The merchant password (password grant).
    password: Option<String>,
    /// The terminal; leave out for a master-account token (password grant).
    tid: Option<String>,
    /// The refresh token (refresh grant).
    refresh_token: Option<String>,
}

/// Get an access token (password grant) or refresh one.
#[utoipa::path(
    post, path = "/cloud/oauth/token", tag = "oauth",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "A token", body = TokenResponse),
        (status = 400, description = "A malformed form", body = OAuthError),
        (status = 401, description = "Wrong client credential or bad user credentials", body = OAuthError),
    ),
    security(("basic" = []))
)]
#[expect(dead_code, reason = "documents a route the router answers directly")]
fn token() {}

/// Refresh an access token (`grant_type=refresh_token`).
#[utoipa::path(
    post, path = "/api/oauth/token", tag = "oauth",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "A new access token", body = TokenResponse),
        (status = 401, description = "An unknown or expired refresh token", body = OAuthError),
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
        ErrorResponse, ErrorDetail, TokenResponse, OAuthError, TokenForm,
    )),
    modifiers(&Security)
)]
struct ApiDoc;

/// The document as pretty JSON.
pub fn document() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| ApiDoc::openapi().to_pretty_json().unwrap_or_else(|_| "{}".to_owned()))
}

pub(super) fn reply() -> Reply {
    let mut resp = Response::new(Full::new(Bytes::from_static(document().as_bytes())));
    *resp.status_mut() = StatusCode::OK;
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}
