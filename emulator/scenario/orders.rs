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
