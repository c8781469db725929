//! Canonical JSON (RFC 8785, JCS) for signing: object keys sorted by their UTF-16 code units,
//! no whitespace, strings escaped minimally, numbers as ECMAScript prints them.

use serde_json::Value;

/// The canonical form of `value`.
pub fn canonical(value: &Value) -> String {
    let mut out = String::new();
    write(&mut out, value);
    out
}

fn write(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number(n)),
        // serde_json escapes exactly JCS's set (", \, and control characters, as \b \f \n \r
        // \t or \u00xx in lower case) and leaves everything else, `/` and non-ASCII included.
        Value::String(s) => out.push_str(&Value::String(s.clone()).to_string()),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write(out, item);
            }
            out.push('}');
        }
    }
}

/// ECMAScript's Number-to-String for the values a certificate holds: integers as they are;
/// a float with no fraction without `.0`; others in their shortest round-trip form, which
/// is what ECMAScript prints between 1e-6 and 1e21.
fn number(n: &serde_json::Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    if f == 0.0 {
        "0".to_owned()
    } else if f.fract() == 0.0 && f.abs() < 1e21 {
        format!("{f:.0}")
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_sort_by_utf16_and_whitespace_goes() {
        let v = json!({"b": 1, "a": [true, null, "x"], "é": 2.0, "A": 0.01});
        assert_eq!(canonical(&v), r#"{"A":0.01,"a":[true,null,"x"],"b":1,"é":2}"#);
    }

    #[test]
    fn strings_escape_controls_in_lower_case_and_leave_slashes() {
        assert_eq!(canonical(&json!("a/b\u{1f}\n\"")), r#""a/b\u001f\n\"""#);
    }

    #[test]
    fn the_same_object_in_another_key_order_is_the_same_text() {
        let a: Value = serde_json::from_str(r#"{"x": {"q": 1, "p": 2}, "y": 3}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"y": 3, "x": {"p": 2, "q": 1}}"#).unwrap();
        assert_eq!(canonical(&a), canonical(&b));
    }
}
