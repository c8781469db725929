//! The task endpoints: create a sale or void (`POST /v1/tasks/TRANSACTION`), a close batch
//! (`POST /v1/tasks/BATCH`), poll one (`GET /v1/tasks/{taskId}`), list a terminal's
//! (`GET /v1/tasks`), and withdraw one that has not started (`DELETE /v1/tasks/{taskId}`).

use http::StatusCode;

use super::CloudApi;
use super::auth::{TokenProblem, target_tid};
use super::dto::{
    CloudTaskDetailApiResponse, CloudTransactionType, CreateCloudTaskBatchApiRequest,
    CreateCloudTaskTransactionApiRequest, ErrorResponse, TaskListResponse, named_tid,
};
use crate::http::ApiRequest;
use crate::http::{ApiError, Reply, json, read_json};
use crate::profile::Profile;
use crate::world::codes::EcrResult;
use crate::world::ids::{AmsId, TaskId};
use crate::world::money::Currency;
use crate::world::task::{CloseBatchRequest, ReceiptOptions, SaleRequest, TaskRequest, TaskState, VoidRequest};
use crate::world::{CreateRefusal, TaskRefusal};

/// Create a sale or a void task.
#[utoipa::path(
    post, path = "/v1/tasks/TRANSACTION", tag = "tasks",
    request_body = CreateCloudTaskTransactionApiRequest,
    responses(
        (status = 201, description = "The task is queued", body = CloudTaskDetailApiResponse),
        (status = 400, description = "A field is missing or malformed; `field` names it", body = ErrorResponse),
        (status = 401, description = "No token, a forged one, or an expired one", body = ErrorResponse),
        (status = 403, description = "The token may not act on the `tid` the body names (`TID_NOT_ALLOWED`)", body = ErrorResponse),
        (status = 404, description = "The token's terminal no longer exists (`TERMINAL_NOT_FOUND`)", body = ErrorResponse),
        (status = 409, description = "A semi-integrated terminal is busy (`TERMINAL_BUSY`)", body = ErrorResponse),
        (status = 422, description = "A business rule refuses it: wrong currency, or a void that is not allowed", body = ErrorResponse),
    ),
    security(("bearer" = []))
)]
pub(super) fn create_transaction(api: &CloudApi, req: &ApiRequest) -> Result<Reply, ApiError> {
    let body = read_json::<CreateCloudTaskTransactionApiRequest>(&req.body);
    api.sim.act(|world| {
        let claims = api.verify(&req.headers, world.now()).map_err(TokenProblem::into_error)?;
        let body = body?;
        let tid = target_tid(&claims, named_tid(&body.tid), world)?;
        let result = validate_transaction(body, world.profile())
            .and_then(|request| world.create_task(&tid, request).map_err(refusal))
            .and_then(|id| created(world, &id));
        Ok(acted_on(&tid, result))
    })
}

/// The answer of a request that acted on terminal `tid`, with that fact for the journal: a
/// refusal names no terminal in its body, but the judge needs to know where a void was sent.
fn acted_on(tid: &crate::world::ids::Tid, result: Result<Reply, ApiError>) -> Reply {
    use crate::http::JsonResponse;
    let mut reply = result.into_reply();
    crate::journal::Annotations { tid: Some(tid.as_str().to_owned()), ..Default::default() }.attach(&mut reply);
    reply
}

/// Create a close-batch task.
#[utoipa::path(
    post, path = "/v1/tasks/BATCH", tag = "tasks",
    request_body(content = CreateCloudTaskBatchApiRequest, description = "Optional: no body at all is the same as `{}`."),
    responses(
        (status = 201, description = "The task is queued", body = CloudTaskDetailApiResponse),
        (status = 400, description = "A field is malformed, or the body is not a JSON object", body = ErrorResponse),
        (status = 401, description = "No valid token", body = ErrorResponse),
        (status = 403, description = "The token may not act on the `tid` the body names (`TID_NOT_ALLOWED`)", body = ErrorResponse),
        (status = 404, description = "The token's terminal no longer exists (`TERMINAL_NOT_FOUND`)", body = ErrorResponse),
        (status = 409, description = "A semi-integrated terminal is busy (`TERMINAL_BUSY`)", body = ErrorResponse),
    ),
    security(("bearer" = []))
)]
pub(super) fn create_batch(api: &CloudApi, req: &ApiRequest) -> Result<Reply, ApiError> {
    let body = batch_body(&req.body);
    api.sim.act(|world| {
        let claims = api.verify(&req.headers, world.now()).map_err(TokenProblem::into_error)?;
        let body = body?;
        let tid = target_tid(&claims, named_tid(&body.tid), world)?;
        let result = validate_reference(body.origin_reference_num, world.profile()).and_then(|reference| {
            let request = TaskRequest::CloseBatch(CloseBatchRequest {
                reference,
                receipt: ReceiptOptions { print_by_payment_app: body.print_by_payment_app, ..Default::default() },
            });
            let id = world.create_task(&tid, request).map_err(refusal)?;
            created(world, &id)
        });
        Ok(acted_on(&tid, result))
    })
}

/// The close-batch body: none at all means every default; anything sent must be a JSON object.
/// Public so the fuzz targets and property tests reach the exact code the handler runs.
pub fn batch_body(bytes: &[u8]) -> Result<CreateCloudTaskBatchApiRequest, ApiError> {
    if bytes.is_empty() {
        return Ok(CreateCloudTaskBatchApiRequest::default());
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        // Whitespace is not a JSON text: a client that sends it meant to send something else.
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_JSON",
            "the request body holds only whitespace, which is not JSON\n(hint: send a JSON object, or no body at all)",
        ));
    }
    read_json::<CreateCloudTaskBatchApiRequest>(bytes)
}

fn created(world: &crate::world::World, id: &TaskId) -> Result<Reply, ApiError> {
    let task = world.task(id).ok_or_else(|| ApiError::not_found("the task vanished"))?;
    Ok(json(StatusCode::CREATED, &CloudTaskDetailApiResponse::from_task(task)))
}

/// Poll one task.
#[utoipa::path(
    get, path = "/v1/tasks/{taskId}", tag = "tasks",
    params(("taskId" = String, Path, description = "The task id"), ("tid" = Option<String>, Query, description = "The terminal the task, transaction or batch is on; mandatory with a master-account token"),),
    responses(
        (status = 200, description = "The task", body = CloudTaskDetailApiResponse),
        (status = 400, description = "A master-account token without `tid`", body = ErrorResponse),
        (status = 401, description = "No valid token", body = ErrorResponse),
        (status = 403, description = "The token may not see terminal `tid` (`TID_NOT_ALLOWED`)", body = ErrorResponse),
        (status = 404, description = "No such task for this token", body = ErrorResponse),
    ),
    security(("bearer" = []))
)]
pub(super) fn get(api: &CloudApi, req: &ApiRequest, id: &str) -> Result<Reply, ApiError> {
    api.sim.act(|world| {
        let claims = api.verify(&req.headers, world.now()).map_err(TokenProblem::into_error)?;
        let tid = target_tid(&claims, req.query("tid"), world)?;
        // A task the script drives moves along its timeline with each poll.
        world.poll_task(&TaskId::from(id));
        let task = world.task(&TaskId::from(id)).filter(|t| t.tid == tid).ok_or_else(|| task_not_found(id))?;
        // Polls far outnumber changes: reuse the rendered answer while the task stands still.
        let generation = api.sim.generation();
        let body = match api.rendered.get(task, generation) {
            Some(body) => body,
            None => {
                let rendered = serde_json::to_vec(&CloudTaskDetailApiResponse::from_task(task)).unwrap_or_default();
                let body = bytes::Bytes::from(rendered);
                api.rendered.put(task, generation, body.clone());
                body
            }
        };
        Ok(crate::http::json_bytes(StatusCode::OK, body))
    })
}

/// Withdraw a task that has not started.
#[utoipa::path(
    delete, path = "/v1/tasks/{taskId}", tag = "tasks",
    params(("taskId" = String, Path, description = "The task id"), ("tid" = Option<String>, Query, description = "The terminal the task, transaction or batch is on; mandatory with a master-account token"),),
    responses(
        (status = 200, description = "The task, now CANCELLED", body = CloudTaskDetailApiResponse),
        (status = 400, description = "A master-account token without `tid`", body = ErrorResponse),
        (status = 401, description = "No valid token", body = ErrorResponse),
        (status = 403, description = "The token may not see terminal `tid` (`TID_NOT_ALLOWED`)", body = ErrorResponse),
        (status = 404, description = "No such task for this token", body = ErrorResponse),
        (status = 409, description = "The task has started or is final (`TASK_NOT_CANCELLABLE`)", body = ErrorResponse),
    ),
    security(("bearer" = []))
)]
pub(super) fn withdraw(api: &CloudApi, req: &ApiRequest, id: &str) -> Result<Reply, ApiError> {
    api.sim.act(|world| {
        let claims = api.verify(&req.headers, world.now()).map_err(TokenProblem::into_error)?;
        let tid = target_tid(&claims, req.query("tid"), world)?;
        let task_id = TaskId::from(id);
        if world.task(&task_id).is_none_or(|t| t.tid != tid) {
            return Err(task_not_found(id));
        }
        match world.withdraw_task(&task_id) {
            Ok(()) => {}
            Err(TaskRefusal::WrongState { state, .. }) => {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "TASK_NOT_CANCELLABLE",
                    format!("the task is {}; only QUEUED tasks can be withdrawn", state.as_str()),
                )
                .with("state", state.as_str()));
            }
            Err(other) => return Err(ApiError::not_found(other.to_string())),
        }
        let task = world.task(&task_id).ok_or_else(|| task_not_found(id))?;
        Ok(json(StatusCode::OK, &CloudTaskDetailApiResponse::from_task(task)))
    })
}

/// List a terminal's tasks, oldest first.
#[utoipa::path(
    get, path = "/v1/tasks", tag = "tasks",
    params(
        ("tid" = Option<String>, Query, description = "The terminal; mandatory with a master-account token"),
        ("state" = Option<TaskState>, Query, description = "Only tasks in this state"),
        ("reference" = Option<String>, Query, description = "Only tasks whose originReferenceNum is this: find a task whose create answer was lost"),
    ),
    responses(
        (status = 200, description = "The tasks", body = TaskListResponse),
        (status = 400, description = "An unknown or empty `state`, or a master-account token without `tid`", body = ErrorResponse),
        (status = 401, description = "No valid token", body = ErrorResponse),
        (status = 403, description = "The token may not see terminal `tid` (`TID_NOT_ALLOWED`)", body = ErrorResponse),
    ),
    security(("bearer" = []))
)]
pub(super) fn list(api: &CloudApi, req: &ApiRequest) -> Result<Reply, ApiError> {
    let world = api.sim.world();
    let claims = api.verify(&req.headers, world.now()).map_err(TokenProblem::into_error)?;
    let tid = target_tid(&claims, req.query("tid"), &world)?;
    // An empty `state=` names no state: refused like any other unknown one, not read as "any".
    let state_param = req.query.iter().rev().find(|(k, _)| k == "state").map(|(_, v)| v.as_str());
    let state = match state_param {
        None => None,
        Some(text) => Some(TaskState::parse(text).ok_or_else(|| {
            ApiError::field(
                "state",
                format!("unknown task state `{text}` (hint: QUEUED, IN_PROGRESS, COMPLETED, FAILED or CANCELLED)"),
            )
        })?),
    };
    let reference = req.query("reference");
    let tasks = world
        .tasks_of(&tid)
        .filter(|t| state.is_none_or(|s| t.state == s))
        .filter(|t| reference.is_none_or(|r| t.request.reference() == Some(r)))
        .map(CloudTaskDetailApiResponse::from_task)
        .collect();
    Ok(json(StatusCode::OK, &TaskListResponse { tasks }))
}

pub(super) fn task_not_found(id: &str) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "TASK_NOT_FOUND", format!("no task `{id}` for this token"))
}

fn mandatory(field: &str, what: &str) -> ApiError {
    ApiError::field(field, format!("`{field}` is mandatory {what}"))
}

fn validate_reference(reference: Option<String>, profile: &Profile) -> Result<Option<String>, ApiError> {
    let Some(r) = reference else { return Ok(None) };
    if r.chars().count() > profile.max_reference_len {
        return Err(ApiError::field(
            "originReferenceNum",
            format!("`originReferenceNum` is longer than {} characters", profile.max_reference_len),
        ));
    }
    if !r.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ') {
        return Err(ApiError::field(
            "originReferenceNum",
            "`originReferenceNum` may hold only ASCII letters, digits and spaces",
        ));
    }
    Ok(Some(r))
}

fn validate_amount(field: &str, amount: u64, profile: &Profile) -> Result<u64, ApiError> {
    if amount == 0 {
        return Err(ApiError::field(field, format!("`{field}` must be greater than 0 (minor units: 1000 = 10.00)")));
    }
    if amount > profile.max_amount {
        return Err(ApiError::field(
            field,
            format!("`{field}` is larger than the terminal's limit of {}", profile.max_amount),
        ));
    }
    Ok(amount)
}

/// Checks a transaction task's fields and turns them into a World request.
pub fn validate_transaction(
    b: CreateCloudTaskTransactionApiRequest,
    profile: &Profile,
) -> Result<TaskRequest, ApiError> {
    let kind = b.transaction_type.ok_or_else(|| mandatory("transactionType", "(SALE or VOID)"))?;
    let code = b.currency_code.ok_or_else(|| mandatory("currencyCode", "(ISO 4217 letters, e.g. CZK)"))?;
    let currency: Currency = code
        .parse()
        .map_err(|e: crate::world::money::UnknownCurrency| ApiError::field("currencyCode", e.to_string()))?;
    let reference = validate_reference(b.origin_reference_num, profile)?;
    if let Some(tip) = b.tip_amount.filter(|t| *t > profile.max_amount) {
        return Err(ApiError::field("tipAmount", format!("`tipAmount` {tip} is larger than the terminal's limit")));
    }
    let receipt = ReceiptOptions {
        print_by_payment_app: b.print_by_payment_app,
        preferable_receipt_type: b.preferable_receipt_type,
        client_info: b.client_info,
    };
    match kind {
        CloudTransactionType::Sale => {
            if b.origin_transaction_id.is_some() {
                return Err(ApiError::field("originTransactionID", "`originTransactionID` is only for VOID"));
            }
            let amount = b.amount.ok_or_else(|| mandatory("amount", "for SALE (minor units: 1000 = 10.00)"))?;
            let method = b.payment_method.ok_or_else(|| {
                mandatory(
                    "paymentMethod",
                    "for SALE (CARD, CASH, ACCOUNT_PAYMENT, BLIK_PAYMENT, PAYMENT_GATEWAY or GO_CRYPTO)",
                )
            })?;
            Ok(TaskRequest::Sale(SaleRequest {
                amount: validate_amount("amount", amount, profile)?,
                currency,
                method,
                tip_amount: b.tip_amount,
                tip_collect: b.tip_collect,
                reference,
                receipt,
            }))
        }
        CloudTransactionType::Void => {
            let origin = b
                .origin_transaction_id
                .map(|o| o.trim().to_owned())
                .filter(|o| !o.is_empty())
                .ok_or_else(|| mandatory("originTransactionID", "for VOID (the sale's amsId)"))?;
            let amount = b.amount.map(|a| validate_amount("amount", a, profile)).transpose()?;
            Ok(TaskRequest::Void(VoidRequest { origin: AmsId(origin), currency, amount, reference, receipt }))
        }
    }
}

/// The answer to a refused creation.
pub(super) fn refusal(r: CreateRefusal) -> ApiError {
    match r {
        CreateRefusal::UnknownTerminal(tid) => {
            ApiError::new(StatusCode::NOT_FOUND, "TERMINAL_NOT_FOUND", format!("no terminal has TID {tid}"))
        }
        CreateRefusal::CurrencyMismatch { expected, got } => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            EcrResult::PARAMETER_INVALID.name(),
            format!("currency {got} does not match the terminal's currency {expected}"),
        )
        .with("ecrResult", EcrResult::PARAMETER_INVALID.0)
        .with("reason", "CURRENCY_MISMATCH")
        .with("field", "currencyCode"),
        CreateRefusal::Busy(tid) => ApiError::new(
            StatusCode::CONFLICT,
            "TERMINAL_BUSY",
            format!(
                "terminal {tid} is busy with another task and has no queue (semi-integrated mode)\n(hint: wait until the running task is final, then create the next)"
            ),
        ),
        CreateRefusal::Void(v) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, v.ecr().name(), v.message())
            .with("ecrResult", v.ecr().0)
            .with("reason", v.reason()),
        // A close batch is checked when the terminal runs it (the task then FAILS), never on
        // creation; answered the same way should that ever change.
        CreateRefusal::TotalsDiffer(m) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "BATCH_TOTALS_MISMATCH", m.to_string())
        }
    }
}
