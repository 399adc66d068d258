//! Policy documents as text: rendering in the guide's layout, tolerant decoding of what IAM
//! returns, normalisation for comparison, and a line diff for the plan.

use percent_encoding::percent_decode_str;
use serde_json::Value;

/// The order in which IAM policy keys are written, so that a rendered document reads like
/// the guide's (serde_json's map sorts keys alphabetically, which puts `Statement` first).
const KEY_ORDER: &[&str] = &[
    "Version",
    "Id",
    "Statement",
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

/// Renders `value` as JSON indented by four spaces, with policy keys in the guide's order
/// (other keys follow in alphabetical order).
pub(crate) fn render(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, 0);
    out
}

fn write_value(out: &mut String, value: &Value, depth: usize) {
    match value {
        Value::Array(items) if !items.is_empty() => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                write_value(out, item, depth + 1);
            }
            newline(out, depth);
            out.push(']');
        }
        Value::Object(map) if !map.is_empty() => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by_key(|k| {
                (
                    KEY_ORDER
                        .iter()
                        .position(|o| o == k)
                        .unwrap_or(KEY_ORDER.len()),
                    k.as_str(),
                )
            });
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                out.push_str(&Value::String(key.clone()).to_string());
                out.push_str(": ");
                write_value(out, &map[key], depth + 1);
            }
            newline(out, depth);
            out.push('}');
        }
        // Scalars and empty containers: serde_json's compact form is already right.
        other => out.push_str(&other.to_string()),
    }
}

fn newline(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("    ");
    }
}

/// Decodes a policy document as IAM returns it.
///
/// AWS URL-encodes documents in GetPolicyVersion and GetRole; moto returns some of them raw.
/// Parsing as JSON first and percent-decoding only when that fails accepts both, and never
/// decodes twice (a raw document may legitimately contain `%`).
pub(crate) fn decode_document(text: &str) -> Result<Value, String> {
    if let Ok(value) = serde_json::from_str(text) {
        return Ok(value);
    }
    let decoded = percent_decode_str(text)
        .decode_utf8()
        .map_err(|e| format!("not JSON and not valid percent-encoded UTF-8: {e}"))?;
    serde_json::from_str(&decoded).map_err(|e| format!("not a JSON document: {e}"))
}

/// The normal form used for comparison: keys sorted (serde_json's map does that), and
/// the one-element-array versus single-string spellings that IAM treats as equal made equal.
pub(crate) fn normalise(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = normalise(v);
                    let v = match v {
                        Value::Array(mut items) if items.len() == 1 && is_list_key(k) => {
                            items.pop().unwrap_or(Value::Null)
                        }
                        other => other,
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(normalise).collect()),
        other => other.clone(),
    }
}

/// Keys whose value IAM accepts either as one string or as a list of strings.
fn is_list_key(key: &str) -> bool {
    matches!(
        key,
        "Action" | "NotAction" | "Resource" | "NotResource" | "Statement"
    )
}

/// Whether two documents mean the same to IAM, by their normal forms.
pub(crate) fn same_document(a: &Value, b: &Value) -> bool {
    normalise(a) == normalise(b)
}

/// A unified-style line diff (`-` current, `+` desired, two spaces for common lines) of the
/// two documents' normal forms, pretty-printed.
pub(crate) fn diff(current: &Value, desired: &Value) -> String {
    let a = render(&normalise(current));
    let b = render(&normalise(desired));
    let a: Vec<&str> = a.lines().collect();
    let b: Vec<&str> = b.lines().collect();
    // Longest common subsequence table; policy documents are a few dozen lines, so the
    // quadratic table is small.
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = String::new();
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push_str("  ");
            out.push_str(a[i]);
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            // Removals before additions, as unified diffs show them.
            out.push_str("- ");
            out.push_str(a[i]);
            i += 1;
        } else {
            out.push_str("+ ");
            out.push_str(b[j]);
            j += 1;
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_raw_and_url_encoded_documents() {
        let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/100%"}]});
        let raw = doc.to_string();
        assert_eq!(decode_document(&raw).unwrap(), doc);
        let encoded: String =
            percent_encoding::utf8_percent_encode(&raw, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        assert_eq!(decode_document(&encoded).unwrap(), doc);
        assert!(decode_document("%7Bnot json").is_err());
    }

    #[test]
    fn normal_form_ignores_layout_key_order_and_single_item_lists() {
        let a = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]});
        let b: Value = serde_json::from_str(
            r#"{"Statement":{"Resource":["*"],"Action":"s3:GetObject","Effect":"Allow"},"Version":"2012-10-17"}"#,
        )
        .unwrap();
        assert!(same_document(&a, &b));
        let c = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}]});
        assert!(!same_document(&a, &c));
    }

    #[test]
    fn diff_marks_changed_lines() {
        let a = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]});
        let b = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]});
        let d = diff(&a, &b);
        let minus = d
            .lines()
            .position(|l| l.starts_with('-') && l.contains("s3:GetObject"));
        let plus = d
            .lines()
            .position(|l| l.starts_with('+') && l.contains("s3:PutObject"));
        assert!(minus.unwrap() < plus.unwrap(), "{d}");
        assert!(
            d.lines()
                .any(|l| l.starts_with('+') && l.contains("s3:PutObject")),
            "{d}"
        );
        assert!(
            d.lines()
                .any(|l| l.starts_with("  ") && l.contains("Version")),
            "{d}"
        );
    }
}
