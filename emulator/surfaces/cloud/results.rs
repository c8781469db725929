//! Results after a task completed: `GET /v1/transactions/{amsId}` and
//! `GET /v1/batches/{amsId}` (`OPEN` for the open batch so far).

use http::StatusCode;

use super::CloudApi;
use super::auth::{TokenProblem, target_tid};
use super::dto::{BatchResultResponse, ErrorResponse, TransactionResultResponse};
use crate::http::ApiRequest;
use crate::http::{ApiError, Reply, json};
use crate::world::ids::AmsId;

/// The transaction result.
#[utoipa::path(
    get, path = "/v1/transactions/{amsId}", tag = "results",
    params(("amsId" = String, Path, description = "The amsId from the completed task"), ("tid" = Option<String>, Query, description = "The terminal the task, transaction or batch is on; mandatory with a master-account token"),),
    responses(
        (status = 200, description = "The transaction; `result` -9 while the card is awaited", body = TransactionResultResponse),
        (status = 400, description = "A master-account token without `tid`", body = ErrorResponse),
        (status = 401, description = "No valid token", body = ErrorResponse),
        (status = 403, description = "The token may not see terminal `tid` (`TID_NOT_ALLOWED`)", body = ErrorResponse),
        (status = 404, description = "No such transaction for this token", body = ErrorResponse),
    ),
    security(("bearer" = []))
)]
pub(super) fn transaction(api: &CloudApi, req: &ApiRequest, ams_id: &str) -> Result<Reply, ApiError> {
    let world = api.sim.world();
    let claims = api.verify(&req.headers, world.now()).map_err(TokenProblem::into_error)?;
    let tid = target_tid(&claims, req.query("tid"), &world)?;
    let tx = world.transaction(&AmsId::from(ams_id)).filter(|tx| tx.tid == tid).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "TRANSACTION_NOT_FOUND",
            format!("no transaction `{ams_id}` for this token"),
        )
    })?;
    let merchant = world.terminal(&tx.tid).map(|t| t.merchant_id.clone()).unwrap_or_default();
    Ok(json(StatusCode::OK, &TransactionResultResponse::from_transaction(tx, &merchant)))
}

/// A closed batch, or the open one.
#[utoipa::path(
    get, path = "/v1/batches/{amsId}", tag = "results",
    params(
        ("amsId" = String, Path, description = "The amsId from the completed close-batch task, or OPEN", example = "OPEN"),
        ("tid" = Option<String>, Query, description = "The terminal the task, transaction or batch is on; mandatory with a master-account token"),
    ),
    responses(
        (status = 200, description = "The batch", body = BatchResultResponse),
        (status = 400, description = "A master-account token without `tid`", body = ErrorResponse),
        (status = 401, description = "No valid token", body = ErrorResponse),
        (status = 403, description = "The token may not see terminal `tid` (`TID_NOT_ALLOWED`)", body = ErrorResponse),
        (status = 404, description = "No such batch for this token", body = ErrorResponse),
    ),
    security(("bearer" = []))
)]
pub(super) fn batch(api: &CloudApi, req: &ApiRequest, ams_id: &str) -> Result<Reply, ApiError> {
    let world = api.sim.world();
    let claims = api.verify(&req.headers, world.now()).map_err(TokenProblem::into_error)?;
    let tid = target_tid(&claims, req.query("tid"), &world)?;
    if ams_id.eq_ignore_ascii_case("OPEN") {
        let terminal = world.terminal(&tid).ok_or_else(|| {
            ApiError::new(StatusCode::NOT_FOUND, "TERMINAL_NOT_FOUND", format!("no terminal has TID {tid}"))
        })?;
        return Ok(json(StatusCode::OK, &BatchResultResponse::open(&terminal.batch, terminal.currency)));
    }
    let batch = world.batch(&AmsId::from(ams_id)).filter(|b| b.tid == tid).ok_or_else(|| {
        ApiError::new(StatusCode::NOT_FOUND, "BATCH_NOT_FOUND", format!("no batch `{ams_id}` for this token"))
    })?;
    Ok(json(StatusCode::OK, &BatchResultResponse::closed(batch)))
}
