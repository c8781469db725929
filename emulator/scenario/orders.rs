//! The orders of a scenario as the driver contract's JSON lines (spec/driver.md): what the
//! runner writes to an integration's stdin, and what `payterm serve --scenario` prints.

use serde_json::{Value, json};

use super::model::{Operation, Order, VoidTarget};

/// One order as its JSON line; a void of another order's sale names it with `of` until its
/// AMS id is known.
pub fn order_json(order: &Order) -> Value {
    let mut line = json!({
        "id": order.id,
        "operation": order.operation.as_str(),
        "surface": order.surface.as_str(),
        "tid": order.tid.as_str(),
        "currency": order.currency.code(),
        "reference": order.reference,
        "deadline_s": order.deadline.as_millis() / 1000,
    });
    let obj = line.as_object_mut().map(std::mem::take).unwrap_or_default();
    let mut obj = obj;
    if let Some(amount) = order.amount {
        obj.insert("amount".into(), json!(amount));
    }
    if let Some(tip) = order.tip {
        obj.insert("tip".into(), json!(tip));
    }
    if order.operation == Operation::Sale {
        obj.insert("method".into(), json!(order.method.as_str()));
    }
    match &order.void_target {
        Some(VoidTarget::AmsId(ams)) => {
            obj.insert("amsId".into(), json!(ams));
        }
        Some(VoidTarget::Order(of)) => {
            obj.insert("of".into(), json!(of));
        }
        None => {}
    }
    if let Some(print) = order.print_by_payment_app {
        obj.insert("printByPaymentApp".into(), json!(print));
    }
    Value::Object(obj)
}

/// The JSON Schema of one order line (`payterm schema orders`): what [`order_json`] writes.
/// Service mode adds `payterm`, the contract (spec/driver.md).
pub fn json_schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Order",
        "description": "One order the harness gives the integration: a line on stdin (command mode) or a POST body (service mode).",
        "type": "object",
        "required": ["id", "operation", "surface", "tid", "currency", "reference", "deadline_s"],
        "properties": {
            "id": {"type": "string", "description": "The order's id; every event names it."},
            "operation": {"enum": ["sale", "void", "close_batch", "invoice"]},
            "surface": {"enum": ["cloud", "app2app", "initiator"]},
            "tid": {"type": "string", "description": "The terminal the order is for."},
            "currency": {"type": "string", "description": "ISO 4217 code, e.g. CZK."},
            "reference": {"type": "string", "description": "Passed on to the payment service (attribution); for an invoice, the invoice id."},
            "deadline_s": {"type": "integer", "minimum": 0, "description": "Virtual seconds the integration has to reach an outcome."},
            "amount": {"type": "integer", "minimum": 0, "description": "In minor units."},
            "tip": {"type": "integer", "minimum": 0, "description": "In minor units."},
            "method": {"type": "string", "description": "For a sale: the payment method (CARD, CASH, …)."},
            "amsId": {"type": "string", "description": "For a void: the sale to void."},
            "of": {"type": "string", "description": "For a void: the order whose sale it voids (amsId follows once known)."},
            "printByPaymentApp": {"type": "boolean", "description": "Whether the payment app prints the receipt."},
            "fiscals": {"description": "For an invoice: fiscal data to pass on."},
            "payterm": {
                "type": "object",
                "description": "Service mode only: the contract of this scenario's run.",
                "required": ["url", "app2app_url", "events_url", "time_scale", "credentials", "initiator"],
                "properties": {
                    "url": {"type": "string"},
                    "app2app_url": {"type": "string"},
                    "events_url": {"type": "string"},
                    "time_scale": {"type": "number"},
                    "min_poll_interval_s": {"type": "number"},
                    "patience_s": {"type": "number"},
                    "credentials": {"type": "object"},
                    "initiator": {"type": "string", "description": "Full path of the configured initiator program."}
                }
            }
        },
        "additionalProperties": false
    })
}
