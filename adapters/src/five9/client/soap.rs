//! SOAP 1.1 plumbing for the Configuration Web Services (§5–§6 of `shared/vendors/five9.md`):
//! envelopes, XML escaping, a small tolerant reader for the few response elements we use,
//! and the classification of SOAP faults into [`CallError`].
//!
//! No XML crate is in the dependency tree; Five9's responses are flat JAXB output, so
//! reading elements by local name (any namespace prefix) is enough and keeps us tolerant
//! of `ns2:`/`env:`/`S:` prefixes changing between versions.

use std::time::Duration;

use http::HeaderMap;
use jiff::Timestamp;

use super::admin::AdminOperationClass;
use crate::outbound::{retry_after, CallError};

/// Namespace of the v13 admin service (v2 used `…/v2/`).
pub(super) const ADMIN_NS: &str = "http://service.admin.ws.five9.com/";
const ENVELOPE_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";

/// Faults the Five9 fault table says are transient ("server error", "resubmit the
/// request", "another session … concurrently", "being modified by another client").
const RETRYABLE_FAULTS: &[&str] = &[
    "ServerFault",
    "ServiceUnavailableFault",
    "SessionClosedFault",
    "AdminSessionClosedFault",
    "InternalImportFault",
    "ConcurrentModificationFault",
    "OperationsLimitExceededFault",
];

/// `AddRecordToListFault` texts that ask for a re-send (the fault also carries many
/// permanent data errors, so only these are retried).
const RETRYABLE_ADD_RECORD_TEXTS: &[&str] = &[
    "re-send the request",
    "temporary unavailable",
    "temporarily unavailable",
    "no resources",
    "number of requests exceed",
];

/// A full envelope around one operation element; children are unqualified, as the
/// WSDL's `elementFormDefault` is unqualified.
pub(super) fn envelope(operation: &str, inner: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<env:Envelope xmlns:env=\"{ENVELOPE_NS}\" xmlns:ser=\"{ADMIN_NS}\">\
<env:Header/><env:Body><ser:{operation}>{inner}</ser:{operation}></env:Body></env:Envelope>"
    )
}

/// Text escaped for element content. Characters XML 1.0 cannot carry at all (most C0
/// controls) are dropped: Five9's parser would reject the whole request otherwise.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// `<name>escaped text</name>`.
pub(super) fn element(name: &str, text: &str) -> String {
    format!("<{name}>{}</{name}>", escape(text))
}

/// The raw content of every element whose local name (prefix ignored) is `name`, in
/// document order; nested elements of the same name stay inside their outer match.
pub(super) fn elements<'a>(xml: &'a str, name: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(tag) = next_tag(xml, pos) {
        pos = tag.end;
        if tag.kind != TagKind::Open || tag.local != name {
            continue;
        }
        if tag.self_closing {
            out.push("");
            continue;
        }
        let content_start = tag.end;
        let mut depth = 1usize;
        let mut scan = content_start;
        while let Some(inner) = next_tag(xml, scan) {
            scan = inner.end;
            if inner.local != name {
                continue;
            }
            match inner.kind {
                TagKind::Open if !inner.self_closing => depth += 1,
                TagKind::Close => {
                    depth -= 1;
                    if depth == 0 {
                        out.push(&xml[content_start..inner.start]);
                        break;
                    }
                }
                _ => {}
            }
        }
        pos = scan;
    }
    out
}

/// The unescaped text of the first element named `name`.
pub(super) fn first_text(xml: &str, name: &str) -> Option<String> {
    elements(xml, name).first().map(|raw| unescape(raw))
}

/// The unescaped texts of every element named `name`.
pub(super) fn texts(xml: &str, name: &str) -> Vec<String> {
    elements(xml, name).into_iter().map(unescape).collect()
}

/// The first number in element `name`, when it parses.
pub(super) fn first_u64(xml: &str, name: &str) -> Option<u64> {
    first_text(xml, name).and_then(|t| t.trim().parse().ok())
}

/// Local name of the first element in a fragment (the fault type inside `<detail>`).
fn first_child_name(xml: &str) -> Option<&str> {
    let tag = next_tag(xml, 0)?;
    (tag.kind == TagKind::Open).then_some(tag.local)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TagKind {
    Open,
    Close,
}

struct Tag<'a> {
    kind: TagKind,
    local: &'a str,
    self_closing: bool,
    start: usize,
    end: usize,
}

/// The next start or end tag at or after `from`, skipping comments, CDATA, processing
/// instructions and declarations.
fn next_tag(xml: &str, from: usize) -> Option<Tag<'_>> {
    let bytes = xml.as_bytes();
    let mut i = from;
    loop {
        let lt = i + xml.get(i..)?.find('<')?;
        let rest = &xml[lt..];
        if rest.starts_with("<!--") {
            i = lt + rest.find("-->")? + 3;
            continue;
        }
        if rest.starts_with("<![CDATA[") {
            i = lt + rest.find("]]>")? + 3;
            continue;
        }
        if rest.starts_with("<?") || rest.starts_with("<!") {
            i = lt + rest.find('>')? + 1;
            continue;
        }
        let (kind, name_start) = if rest.starts_with("</") {
            (TagKind::Close, lt + 2)
        } else {
            (TagKind::Open, lt + 1)
        };
        // The end of the tag: the first '>' outside a quoted attribute value.
        let mut j = name_start;
        let mut quote: Option<u8> = None;
        while j < bytes.len() {
            let b = bytes[j];
            match quote {
                Some(q) if b == q => quote = None,
                Some(_) => {}
                None if b == b'"' || b == b'\'' => quote = Some(b),
                None if b == b'>' => break,
                None => {}
            }
            j += 1;
        }
        if j >= bytes.len() {
            return None;
        }
        let name_end = xml[name_start..j]
            .find(|c: char| c.is_whitespace() || c == '/')
            .map_or(j, |k| name_start + k);
        let qualified = &xml[name_start..name_end];
        let local = qualified.rsplit(':').next().unwrap_or(qualified);
        return Some(Tag {
            kind,
            local,
            self_closing: kind == TagKind::Open && bytes[j - 1] == b'/',
            start: lt,
            end: j + 1,
        });
    }
}

/// Element content → text: CDATA kept verbatim, entities resolved, child tags dropped.
pub(super) fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("<![CDATA[") {
            let end = after.find("]]>").unwrap_or(after.len());
            out.push_str(&after[..end]);
            rest = after.get(end + 3..).unwrap_or("");
        } else if rest.starts_with('<') {
            let end = rest.find('>').map_or(rest.len(), |e| e + 1);
            rest = &rest[end..];
        } else if rest.starts_with('&') {
            let end = rest.find(';').filter(|&e| e <= 10);
            let decoded = end.and_then(|e| entity(&rest[1..e]));
            match (end, decoded) {
                (Some(e), Some(c)) => {
                    out.push(c);
                    rest = &rest[e + 1..];
                }
                _ => {
                    out.push('&');
                    rest = &rest[1..];
                }
            }
        } else {
            let end = rest.find(['<', '&']).unwrap_or(rest.len());
            out.push_str(&rest[..end]);
            rest = &rest[end..];
        }
    }
    out
}

fn entity(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let code = if let Some(hex) = name.strip_prefix("#x").or(name.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok()?
            } else {
                name.strip_prefix('#')?.parse().ok()?
            };
            char::from_u32(code)
        }
    }
}

/// The parts of a `<Fault>` we act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Fault {
    /// `Server`/`Receiver` (true) or `Client`/`Sender` (false); unknown codes count as
    /// server-side so that only the fault name decides.
    pub server: bool,
    /// Local name of the first element in `<detail>` (e.g. `ObjectNotFoundFault`).
    pub name: Option<String>,
    pub message: String,
    pub limit: Option<u64>,
}

/// The fault in a response body, if it is one.
pub(super) fn parse_fault(xml: &str) -> Option<Fault> {
    let fault = *elements(xml, "Fault").first()?;
    // SOAP 1.1 `faultcode`, or SOAP 1.2 `Code/Value`.
    let code = first_text(fault, "faultcode")
        .or_else(|| {
            elements(fault, "Code")
                .first()
                .and_then(|c| first_text(c, "Value"))
        })
        .unwrap_or_default();
    let local = code.trim().rsplit(':').next().unwrap_or("").to_string();
    let server = !(local.starts_with("Client") || local.starts_with("Sender"));
    let detail = elements(fault, "detail")
        .first()
        .copied()
        .or_else(|| elements(fault, "Detail").first().copied())
        .unwrap_or("");
    let name = first_child_name(detail).map(str::to_string);
    let message = first_text(fault, "faultstring")
        .or_else(|| {
            elements(fault, "Reason")
                .first()
                .and_then(|r| first_text(r, "Text"))
        })
        .filter(|m| !m.trim().is_empty())
        .or_else(|| first_text(detail, "message"))
        .unwrap_or_default();
    Some(Fault {
        server,
        name,
        message: message.trim().to_string(),
        limit: first_u64(detail, "limit"),
    })
}

/// A SOAP fault → [`CallError`]: client faults are permanent; server faults are retried
/// only when Five9's fault table calls them transient; a server fault without a named
/// detail is a generic server error and is retried.
pub(super) fn classify_fault(
    status: u16,
    headers: &HeaderMap,
    fault: &Fault,
    class: AdminOperationClass,
    now: Timestamp,
) -> CallError {
    let name = fault.name.as_deref();
    let message = bounded(&match name {
        Some(n) => format!("{n}: {}", fault.message),
        None => fault.message.clone(),
    });
    let status = if status == 0 || (200..300).contains(&status) {
        500
    } else {
        status
    };
    if !fault.server {
        return CallError::Permanent { status, message };
    }
    let retryable = match name {
        None => true,
        Some("AddRecordToListFault") => {
            let text = fault.message.to_ascii_lowercase();
            RETRYABLE_ADD_RECORD_TEXTS.iter().any(|t| text.contains(t))
        }
        Some(n) => RETRYABLE_FAULTS.contains(&n),
    };
    if !retryable {
        return CallError::Permanent { status, message };
    }
    let hint = retry_after(headers, now).or_else(|| match name {
        Some("OperationsLimitExceededFault") => Some(limit_wait(class, fault.limit, now)),
        Some("AddRecordToListFault")
            if fault
                .message
                .to_ascii_lowercase()
                .contains("number of requests") =>
        {
            Some(until_next(now, 60))
        }
        _ => None,
    });
    CallError::Retryable {
        status,
        retry_after: hint,
        message,
    }
}

/// How long until an exceeded window resets. The fault names the limit that was hit but
/// not its window, so the window is found by matching the limit against the documented
/// table for the operation's class. Windows reset on wall-clock boundaries in the data
/// center's time zone (unknown here): minutes are zone-free; for hours the next :00 or
/// :30 is used (the earliest boundary any zone can have, so at worst one early retry);
/// a daily limit is probed hourly; an unknown limit waits one minute.
pub(super) fn limit_wait(
    class: AdminOperationClass,
    limit: Option<u64>,
    now: Timestamp,
) -> Duration {
    let limits = class.limits();
    match limit {
        Some(l) if l == u64::from(limits.per_minute) => until_next(now, 60),
        Some(l) if l == u64::from(limits.per_hour) => until_next(now, 1800),
        Some(l) if l == u64::from(limits.per_day) => Duration::from_secs(3600),
        _ => until_next(now, 60),
    }
}

/// Time from `now` to the next multiple of `period` seconds since the epoch, plus one
/// second of slack so the retry lands inside the new window.
fn until_next(now: Timestamp, period: i64) -> Duration {
    let secs = now.as_second();
    let next = (secs.div_euclid(period) + 1) * period;
    Duration::from_secs(u64::try_from(next - secs).unwrap_or(1) + 1)
}

/// Platform text, bounded so a large fault never floods logs.
pub(super) fn bounded(text: &str) -> String {
    text.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_elements_by_local_name() {
        let xml = r#"<S:Envelope xmlns:S="x"><S:Body><ns2:r xmlns:ns2="y">
            <return><name>A &amp; B</name><trigger>OnCallAccepted</trigger></return>
            <return><name><![CDATA[<C>]]></name><empty/></return>
            <returnValue>no</returnValue></ns2:r></S:Body></S:Envelope>"#;
        assert_eq!(texts(xml, "name"), vec!["A & B", "<C>"]);
        assert_eq!(elements(xml, "return").len(), 2);
        assert_eq!(elements(xml, "empty"), vec![""]);
        assert_eq!(
            first_text(xml, "trigger").as_deref(),
            Some("OnCallAccepted")
        );
        assert_eq!(unescape("&#65;&#x42;&bogus;&"), "AB&bogus;&");
    }

    #[test]
    fn nested_same_name_elements_stay_inside() {
        let xml = "<a><b><b>x</b></b><b>y</b></a>";
        assert_eq!(elements(xml, "b"), vec!["<b>x</b>", "y"]);
    }

    #[test]
    fn escapes_markup_and_drops_invalid_controls() {
        assert_eq!(escape("a<b>&\"'\u{1}\n"), "a&lt;b&gt;&amp;&quot;&apos;\n");
    }

    #[test]
    fn fault_classes() {
        let now: Timestamp = "2026-03-24T11:40:30Z".parse().unwrap();
        let h = HeaderMap::new();
        let f = |code: &str, detail: &str, msg: &str| {
            parse_fault(&format!(
                "<env:Envelope><env:Body><env:Fault><faultcode>{code}</faultcode>\
                 <faultstring>{msg}</faultstring><detail>{detail}</detail></env:Fault></env:Body></env:Envelope>"
            ))
            .unwrap()
        };
        let class = AdminOperationClass::SingleRecordImport;
        let limit = f(
            "S:Server",
            "<ns2:OperationsLimitExceededFault><limit>160</limit></ns2:OperationsLimitExceededFault>",
            "limit",
        );
        assert_eq!(
            classify_fault(500, &h, &limit, class, now),
            CallError::Retryable {
                status: 500,
                retry_after: Some(Duration::from_secs(31)),
                message: "OperationsLimitExceededFault: limit".into()
            }
        );
        let hourly = Fault {
            limit: Some(7200),
            ..limit.clone()
        };
        assert!(matches!(
            classify_fault(500, &h, &hourly, class, now),
            CallError::Retryable { retry_after: Some(d), .. } if d == Duration::from_secs(1171)
        ));
        let missing = f(
            "S:Server",
            "<ns2:ObjectNotFoundFault><id>1</id></ns2:ObjectNotFoundFault>",
            "gone",
        );
        assert!(classify_fault(500, &h, &missing, class, now).is_permanent());
        let client = f("soap:Client", "<ns2:ServerFault/>", "bad xml");
        assert!(classify_fault(500, &h, &client, class, now).is_permanent());
        let generic = f("env:Server", "", "NullPointerException");
        assert!(matches!(
            classify_fault(500, &h, &generic, class, now),
            CallError::Retryable {
                retry_after: None,
                ..
            }
        ));
        let resend = f(
            "S:Server",
            "<ns2:AddRecordToListFault/>",
            "There is no resources for processing the request at the moment. Please try to re-send the request.",
        );
        assert!(!classify_fault(500, &h, &resend, class, now).is_permanent());
        let bad_number = f(
            "S:Server",
            "<ns2:AddRecordToListFault/>",
            "Number 123 must either be 10 digits",
        );
        assert!(classify_fault(500, &h, &bad_number, class, now).is_permanent());
    }
}
