//! OAuth for the Cloud API: the password and refresh grants, JWT access tokens that expire on
//! the virtual clock, master-account tokens, and checking a bearer token on every call.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine;
use http::{HeaderMap, StatusCode, header};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use utoipa::ToSchema;

use crate::http::{ApiError, Reply, json};
use crate::profile::Profile;
use crate::time::VirtualTime;
use crate::world::World;
use crate::world::ids::{IdGen, Tid};

/// The vendor's documented client credential (`atom:ashfuf4e5fa`).
pub const DOCUMENTED_CLIENT_ID: &str = "atom";
/// The secret of the documented client credential.
pub const DOCUMENTED_CLIENT_SECRET: &str = "ashfuf4e5fa";

/// What an access token says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The merchant login.
    pub sub: String,
    /// The merchant id.
    pub mid: String,
    /// The terminal, or `None` for a master-account token.
    pub tid: Option<String>,
    /// Issued at, virtual seconds since the epoch.
    pub iat: i64,
    /// Issued at, virtual milliseconds: a scripted expiry revokes what was issued up to its
    /// own millisecond, not every token of its second (one refreshed just after stays valid).
    pub iat_ms: i64,
    /// Expires at, virtual seconds since the epoch.
    pub exp: i64,
    /// Token id.
    pub jti: String,
    /// Scope.
    pub scope: String,
    /// The OAuth client.
    pub client_id: String,
}

/// The token endpoint's answer.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// The JWT to send as `Authorization: Bearer …`.
    pub access_token: String,
    /// Always `bearer`.
    pub token_type: String,
    /// Trade it for a new access token at `/api/oauth/token`.
    pub refresh_token: String,
    /// Seconds the access token lives (3600, or 86399 for a master account).
    pub expires_in: i64,
    /// Always `read write`.
    pub scope: String,
    /// The terminal, or `null` for a master account.
    pub tid: Option<String>,
    /// The token id.
    pub jti: String,
}

/// An OAuth error answer (RFC 6749 § 5.2).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct OAuthError {
    /// `invalid_client`, `invalid_grant`, `invalid_request` or `unsupported_grant_type`.
    pub error: String,
    /// What is wrong.
    pub error_description: String,
}

fn oauth_error(status: StatusCode, error: &str, description: impl Into<String>) -> Reply {
    let mut resp = json(status, &OAuthError { error: error.to_owned(), error_description: description.into() });
    if status == StatusCode::UNAUTHORIZED {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, http::HeaderValue::from_static("Basic realm=\"oauth\""));
    }
    resp
}

/// What a refresh token says. It is signed like an access token but with a key of its own, so
/// neither is ever taken for the other, and the server keeps nothing per grant: memory stays
/// flat however many logins it answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct RefreshClaims {
    /// The merchant login.
    sub: String,
    /// The terminal, or `None` for a master account.
    tid: Option<String>,
    /// Expires at, virtual milliseconds since the epoch.
    exp_ms: i64,
    /// Token id.
    jti: String,
    /// Always `refresh`.
    typ: String,
}

/// Where the secret that signs tokens comes from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TokenSecret {
    /// Fresh randomness from the OS: a second server, even with the same seed, cannot mint
    /// tokens this one accepts.
    #[default]
    Fresh,
    /// Derived from the seed, for tests that compare tokens across servers.
    FromSeed,
}

/// Why a token service could not be made.
#[derive(Debug, thiserror::Error)]
#[error("failed to draw the token-signing secret from the OS: {0}")]
pub struct EntropyError(String);

/// Issues and checks tokens.
pub struct TokenService {
    client_id: String,
    client_secret: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    refresh_encoding: EncodingKey,
    refresh_decoding: DecodingKey,
    validation: Validation,
    ids: Mutex<IdGen>,
    /// Tokens already verified: checking a signature costs more than the rest of a poll.
    verified: Mutex<HashMap<String, (String, std::sync::Arc<Claims>)>>,
}

/// How many verified tokens the cache keeps before it starts afresh.
const VERIFIED_CACHE: usize = 4096;

/// Why a bearer token was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenProblem {
    /// No `Authorization: Bearer` header.
    Missing,
    /// Not a token this server signed.
    Invalid,
    /// Signed here, but past its `exp` on the virtual clock.
    Expired,
}

impl TokenProblem {
    /// The 401 answer.
    pub fn into_error(self) -> ApiError {
        let (code, message, rfc) = match self {
            TokenProblem::Missing => (
                "UNAUTHORIZED",
                "the request has no bearer token\n(hint: get one at POST /cloud/oauth/token and send `Authorization: Bearer <access_token>`)",
                "Bearer realm=\"cloud\"",
            ),
            TokenProblem::Invalid => (
                "INVALID_TOKEN",
                "the bearer token is not one this server issued",
                "Bearer realm=\"cloud\", error=\"invalid_token\", error_description=\"invalid\"",
            ),
            TokenProblem::Expired => (
                "TOKEN_EXPIRED",
                "the access token has expired\n(hint: trade the refresh token for a new one at POST /api/oauth/token with grant_type=refresh_token)",
                "Bearer realm=\"cloud\", error=\"invalid_token\", error_description=\"expired\"",
            ),
        };
        ApiError::new(StatusCode::UNAUTHORIZED, code, message).with_header(header::WWW_AUTHENTICATE, rfc)
    }
}

impl TokenService {
    /// A service for client `client_id:client_secret`; token ids come from `seed`, the signing
    /// secret from `secret`.
    pub fn new(client_id: &str, client_secret: &str, seed: u64, secret: TokenSecret) -> Result<Self, EntropyError> {
        let mut ids = IdGen::new(seed ^ 0x7061_7974_6572_6d00);
        // Drawn whatever the source, so token ids stay the same for a seed either way.
        let seeded: [u8; 32] = ids.bytes();
        let secret = match secret {
            TokenSecret::FromSeed => seeded,
            TokenSecret::Fresh => {
                let mut fresh = [0u8; 32];
                getrandom::fill(&mut fresh).map_err(|e| EntropyError(e.to_string()))?;
                fresh
            }
        };
        let refresh_secret: [u8; 32] =
            sha2::Sha256::new_with_prefix(b"payterm refresh token\0").chain_update(secret).finalize().into();
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is checked against the virtual clock below, not the machine's clock.
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        Ok(TokenService {
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            encoding: EncodingKey::from_secret(&secret),
            decoding: DecodingKey::from_secret(&secret),
            refresh_encoding: EncodingKey::from_secret(&refresh_secret),
            refresh_decoding: DecodingKey::from_secret(&refresh_secret),
            validation,
            ids: Mutex::new(ids),
            verified: Mutex::new(HashMap::new()),
        })
    }

    /// The HTTP Basic credential clients must send to the token endpoint.
    pub fn basic_credential(&self) -> String {
        let raw = format!("{}:{}", self.client_id, self.client_secret);
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(raw))
    }

    fn next_id(&self) -> String {
        self.ids.lock().unwrap_or_else(|e| e.into_inner()).uuid()
    }

    /// Checks a bearer token from `headers` at virtual time `now`; tokens issued at or before
    /// virtual millisecond `revoked_through` count as expired (a script's token expiry).
    pub fn verify(
        &self,
        headers: &HeaderMap,
        now: VirtualTime,
        revoked_through: i64,
    ) -> Result<std::sync::Arc<Claims>, TokenProblem> {
        let value = headers.get(header::AUTHORIZATION).ok_or(TokenProblem::Missing)?;
        let text = value.to_str().map_err(|_| TokenProblem::Invalid)?;
        let token =
            text.strip_prefix("Bearer ").or_else(|| text.strip_prefix("bearer ")).ok_or(TokenProblem::Missing)?.trim();
        // Keyed by the signature segment (short to hash); the whole token is compared, so a
        // token with a borrowed signature but other claims is never taken for a cached one.
        let signature = token.rsplit('.').next().unwrap_or(token);
        let cached = self
            .verified
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(signature)
            .filter(|(full, _)| full == token)
            .map(|(_, claims)| claims.clone());
        let claims = match cached {
            Some(claims) => claims,
            None => {
                let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
                    .map_err(|_| TokenProblem::Invalid)?;
                let mut cache = self.verified.lock().unwrap_or_else(|e| e.into_inner());
                if cache.len() >= VERIFIED_CACHE {
                    cache.clear();
                }
                let claims = std::sync::Arc::new(data.claims);
                cache.insert(signature.to_owned(), (token.to_owned(), claims.clone()));
                claims
            }
        };
        let revoked = claims.iat_ms <= revoked_through;
        if claims.exp * 1000 <= now.0 || revoked {
            return Err(TokenProblem::Expired);
        }
        Ok(claims)
    }

    fn issue(
        &self,
        username: &str,
        merchant_id: &str,
        tid: Option<String>,
        refresh: Option<String>,
        now: VirtualTime,
        profile: &Profile,
    ) -> TokenResponse {
        let ttl = if tid.is_some() { profile.access_token_ttl } else { profile.master_token_ttl };
        let jti = self.next_id();
        let claims = Claims {
            sub: username.to_owned(),
            mid: merchant_id.to_owned(),
            tid: tid.clone(),
            iat: now.0 / 1000,
            iat_ms: now.0,
            exp: (now + ttl).0 / 1000,
            jti: jti.clone(),
            scope: "read write".to_owned(),
            client_id: self.client_id.clone(),
        };
        let access_token =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).unwrap_or_default();
        let refresh_token = refresh.unwrap_or_else(|| {
            let claims = RefreshClaims {
                sub: username.to_owned(),
                tid: tid.clone(),
                exp_ms: (now + profile.refresh_token_ttl).0,
                jti: self.next_id(),
                typ: "refresh".to_owned(),
            };
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.refresh_encoding).unwrap_or_default()
        });
        TokenResponse {
            access_token,
            token_type: "bearer".to_owned(),
            refresh_token,
            expires_in: ttl.as_millis() / 1000,
            scope: "read write".to_owned(),
            tid,
            jti,
        }
    }

    /// The token endpoint: `grant_type=password` or `grant_type=refresh_token`.
    pub fn token_endpoint(&self, headers: &HeaderMap, body: &[u8], world: &World) -> Reply {
        if !self.client_ok(headers) {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "the HTTP Basic client credential is missing or wrong (hint: the documented client is `Authorization: Basic YXRvbTphc2hmdWY0ZTVmYQ==`)",
            );
        }
        let form: HashMap<String, String> = form_urlencoded::parse(body).into_owned().collect();
        let now = world.now();
        match form.get("grant_type").map(String::as_str) {
            Some("password") => self.password_grant(&form, world, now),
            Some("refresh_token") => self.refresh_grant(&form, world, now),
            Some(other) => oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                format!("grant_type `{other}` is not supported (hint: use `password` or `refresh_token`)"),
            ),
            None => oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "the form has no grant_type (hint: send application/x-www-form-urlencoded with grant_type=password)",
            ),
        }
    }

    fn client_ok(&self, headers: &HeaderMap) -> bool {
        let Some(encoded) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Basic ").or_else(|| v.strip_prefix("basic ")))
        else {
            return false;
        };
        let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else { return false };
        let expected = format!("{}:{}", self.client_id, self.client_secret);
        raw == expected.as_bytes()
    }

    fn password_grant(&self, form: &HashMap<String, String>, world: &World, now: VirtualTime) -> Reply {
        let (Some(username), Some(password)) = (form.get("username"), form.get("password")) else {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "the password grant needs `username` and `password`",
            );
        };
        let Some(merchant) = world.merchant_by_login(username).filter(|m| &m.password == password) else {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_grant",
                "bad credentials: unknown username or wrong password",
            );
        };
        let tid = form.get("tid").map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        if let Some(tid) = &tid {
            let owned = world.terminal(&Tid::from(tid.as_str())).is_some_and(|t| t.merchant_id == merchant.merchant_id);
            if !owned {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    format!(
                        "tid `{tid}` is not a terminal of this merchant (hint: leave tid out for a master-account token)"
                    ),
                );
            }
        }
        let answer = self.issue(&merchant.username, &merchant.merchant_id, tid, None, now, world.profile());
        json(StatusCode::OK, &answer)
    }

    fn refresh_grant(&self, form: &HashMap<String, String>, world: &World, now: VirtualTime) -> Reply {
        let Some(token) = form.get("refresh_token") else {
            return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "the refresh grant needs `refresh_token`");
        };
        let grant = jsonwebtoken::decode::<RefreshClaims>(token, &self.refresh_decoding, &self.validation)
            .ok()
            .map(|data| data.claims)
            .filter(|c| c.typ == "refresh");
        let Some(grant) = grant else {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_grant",
                "the refresh token is not one this server issued",
            );
        };
        if grant.exp_ms <= now.0 {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_grant",
                "the refresh token has expired (hint: log in again with the password grant)",
            );
        }
        let Some(merchant) = world.merchant_by_login(&grant.sub) else {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_grant",
                "the merchant of this refresh token no longer exists",
            );
        };
        let answer =
            self.issue(&merchant.username, &merchant.merchant_id, grant.tid, Some(token.clone()), now, world.profile());
        json(StatusCode::OK, &answer)
    }
}

/// The terminal a call acts on: the token's own, or the `tid` a master token names.
pub fn target_tid(claims: &Claims, named: Option<&str>, world: &World) -> Result<Tid, ApiError> {
    match (&claims.tid, named) {
        (Some(own), None) => Ok(Tid::from(own.as_str())),
        (Some(own), Some(named)) if named == own => Ok(Tid::from(own.as_str())),
        (Some(own), Some(named)) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "TID_NOT_ALLOWED",
            format!(
                "this token is for terminal {own}, not {named} (hint: use a master-account token to act on several terminals)"
            ),
        )),
        (None, None) => Err(ApiError::field(
            "tid",
            "`tid` is mandatory with a master-account token (hint: name the destination terminal in the body's `tid`, or `?tid=` on reads)",
        )),
        (None, Some(named)) => {
            let tid = Tid::from(named);
            match world.terminal(&tid) {
                Some(t) if t.merchant_id == claims.mid => Ok(tid),
                _ => Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "TID_NOT_ALLOWED",
                    format!("terminal {named} does not belong to this merchant"),
                )),
            }
        }
    }
}
