//! Configuration Web Services calls (SOAP, HTTP Basic): the scheduled callback
//! (`addRecordToList`, §3a), connector registration (`createWebConnector`,
//! `modifyWebConnector`, `deleteWebConnector`, `getWebConnectors`, §7) and the live usage
//! counters (`getCallCountersState`, §6), plus the documented per-domain limits.

use jiff::Timestamp;
use reqwest::header::CONTENT_TYPE;

use super::registration::{connector_xml, WebConnector};
use super::soap::{self, element, elements, first_text, first_u64, texts};
use super::{Five9Client, SoapRequest};
use crate::outbound::CallError;

/// Path of the v13 admin service under the region's host.
pub const ADMIN_SERVICE_PATH: &str = "/wsadmin/v13/AdminWebService";

/// Concurrent requests one admin user may have in flight: a second session with the same
/// credentials closes the first (`SessionClosedFault`), so run one worker per admin user.
pub const ADMIN_CONCURRENCY_PER_USER: usize = 1;

/// The request families Five9 counts separately (§6, per domain).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdminOperationClass {
    /// `get*` (incl. `getWebConnectors`, `getCallCountersState`).
    Query,
    /// `create*`/`modify*`/`delete*` (incl. the connector calls).
    Modify,
    /// `addRecordToList`, `deleteRecordFromList`, `updateCrmRecord`.
    SingleRecordImport,
    /// `asyncAddRecordsToList` and friends (≤100 records each).
    AsyncImport,
    RunReport,
    ReportRetrieval,
    /// `addToList`, `addToListCsv`… (≤50,000 records).
    BulkUpload,
}

/// Requests allowed per wall-clock window (data-center time zone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationLimits {
    pub per_minute: u32,
    pub per_hour: u32,
    pub per_day: u32,
}

/// The documented table (§6), for the dispatcher's throttle.
pub const ADMIN_LIMITS: [(AdminOperationClass, OperationLimits); 7] = [
    entry(AdminOperationClass::Query),
    entry(AdminOperationClass::Modify),
    entry(AdminOperationClass::SingleRecordImport),
    entry(AdminOperationClass::AsyncImport),
    entry(AdminOperationClass::RunReport),
    entry(AdminOperationClass::ReportRetrieval),
    entry(AdminOperationClass::BulkUpload),
];

const fn entry(class: AdminOperationClass) -> (AdminOperationClass, OperationLimits) {
    (class, class.limits())
}

const fn limits(per_minute: u32, per_hour: u32, per_day: u32) -> OperationLimits {
    OperationLimits {
        per_minute,
        per_hour,
        per_day,
    }
}

impl AdminOperationClass {
    pub const fn limits(self) -> OperationLimits {
        match self {
            AdminOperationClass::Query => limits(450, 15_000, 172_800),
            AdminOperationClass::Modify => limits(140, 7_200, 172_800),
            AdminOperationClass::SingleRecordImport => limits(160, 7_200, 172_800),
            AdminOperationClass::AsyncImport => limits(20, 1_000, 2_000),
            AdminOperationClass::RunReport => limits(16, 120, 800),
            AdminOperationClass::ReportRetrieval => limits(20, 200, 1_000),
            AdminOperationClass::BulkUpload => limits(20, 400, 2_000),
        }
    }
}

/// One dialing-list record whose campaign calls the customer back (§3a).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackRecord {
    /// A list already attached to an outbound campaign staffed by the team's skill:
    /// `callTime` is honoured only then.
    pub list_name: String,
    /// E.164; sent as Five9 dials it (see [`five9_dial_number`]).
    pub number: String,
    /// When to call; `None` queues the record to be called now (`callNowMode=ANY`).
    pub call_at: Option<Timestamp>,
    /// Further contact fields, CRM field name → value (e.g. `first_name`, a note field).
    /// Every field must exist in the domain's contact database.
    pub fields: Vec<(String, String)>,
}

/// `listImportResult` of `addRecordToList`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListImportResult {
    pub list_name: Option<String>,
    pub call_now_queued: u64,
    pub crm_records_inserted: u64,
    pub crm_records_updated: u64,
    pub list_records_inserted: u64,
    pub list_records_deleted: u64,
    pub upload_duplicates: u64,
    pub upload_errors: u64,
    /// Sum of the `warningsCount` entries.
    pub warnings: u64,
}

impl ListImportResult {
    /// The record was already on the list (a repeat of an earlier, successful request).
    pub fn was_duplicate(&self) -> bool {
        self.list_records_inserted == 0 && self.upload_duplicates > 0
    }
}

/// One connector as `getWebConnectors` returns it; constant values (our secret) are not
/// kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebConnectorSummary {
    pub name: String,
    pub description: Option<String>,
    pub url: Option<String>,
    pub trigger: Option<String>,
    pub post_method: Option<bool>,
    pub execute_in_browser: Option<bool>,
    pub trigger_dispositions: Vec<String>,
    pub constant_keys: Vec<String>,
    /// Parameter name → placeholder.
    pub variables: Vec<(String, String)>,
}

/// One usage counter from `getCallCountersState`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallCounter {
    /// Five9's `apiOperationType` name.
    pub operation_type: String,
    pub limit: u64,
    pub value: u64,
}

/// The counters of one window (`timeout` seconds: 60, 3600, 86400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallCounterWindow {
    pub timeout_secs: u64,
    pub counters: Vec<CallCounter>,
}

/// Five9 dials 10-digit North American numbers and `011`-prefixed international ones
/// (the `AddRecordToListFault` text); E.164 `+1…` becomes 10 digits, other `+…` gets
/// `011`. Anything else is refused rather than guessed.
pub fn five9_dial_number(e164: &str) -> Result<String, CallError> {
    let digits: String = e164.chars().filter(char::is_ascii_digit).collect();
    let plus = e164.trim_start().starts_with('+');
    let refuse = || CallError::Unactionable("callback number is not an E.164 number".into());
    if !plus
        || e164
            .chars()
            .any(|c| !(c.is_ascii_digit() || " +-().".contains(c)))
    {
        return Err(refuse());
    }
    match digits.strip_prefix('1') {
        Some(national) if national.len() == 10 => Ok(national.to_string()),
        Some(_) => Err(refuse()),
        // 011 + up to 15 digits exceeds Five9's 16-digit maximum only for the longest
        // numbers; the platform answers those with a permanent fault.
        None if (8..=15).contains(&digits.len()) => Ok(format!("011{digits}")),
        None => Err(refuse()),
    }
}

/// The `addRecordToList` request (element order follows the v13 WSDL sequence:
/// `basicImportSettings` first, then the `listUpdateSettings` extension).
pub fn add_record_to_list_request(
    admin_base: &str,
    record: &CallbackRecord,
) -> Result<SoapRequest, CallError> {
    if record.list_name.trim().is_empty() {
        return Err(CallError::Unactionable(
            "no callback list configured".into(),
        ));
    }
    let number = five9_dial_number(&record.number)?;
    let mut columns: Vec<(&str, &str, bool)> = vec![("number1", &number, true)];
    for (field, value) in &record.fields {
        let field = field.trim();
        if field.is_empty()
            || columns
                .iter()
                .any(|(f, _, _)| f.eq_ignore_ascii_case(field))
        {
            return Err(CallError::Unactionable(format!(
                "callback field {field:?} is empty or repeated"
            )));
        }
        columns.push((field, value, false));
    }
    let mut inner = element("listName", record.list_name.trim());
    inner.push_str("<listUpdateSettings>");
    for (i, (field, _, key)) in columns.iter().enumerate() {
        inner.push_str(&format!(
            "<fieldsMapping><columnNumber>{}</columnNumber>{}<key>{key}</key></fieldsMapping>",
            i + 1,
            element("fieldName", field),
        ));
    }
    inner.push_str("<skipHeaderLine>false</skipHeaderLine>");
    match record.call_at {
        Some(at) => inner.push_str(&format!(
            "<callNowMode>NONE</callNowMode><callTime>{}</callTime>",
            at.as_millisecond()
        )),
        None => inner.push_str("<callNowMode>ANY</callNowMode>"),
    }
    inner.push_str(
        "<cleanListBeforeUpdate>false</cleanListBeforeUpdate><crmAddMode>ADD_NEW</crmAddMode>\
         <crmUpdateMode>UPDATE_FIRST</crmUpdateMode><listAddMode>ADD_FIRST</listAddMode>\
         </listUpdateSettings><record>",
    );
    for (_, value, _) in &columns {
        inner.push_str(&element("fields", value));
    }
    inner.push_str("</record>");
    Ok(SoapRequest::new(
        admin_base,
        "addRecordToList",
        AdminOperationClass::SingleRecordImport,
        &inner,
        None,
    ))
}

/// `createWebConnector {connector}`.
pub fn create_web_connector_request(admin_base: &str, connector: &WebConnector) -> SoapRequest {
    connector_request(admin_base, "createWebConnector", connector)
}

/// `modifyWebConnector {connector}`: same body, for a connector that already exists.
pub fn modify_web_connector_request(admin_base: &str, connector: &WebConnector) -> SoapRequest {
    connector_request(admin_base, "modifyWebConnector", connector)
}

fn connector_request(admin_base: &str, operation: &'static str, c: &WebConnector) -> SoapRequest {
    SoapRequest::new(
        admin_base,
        operation,
        AdminOperationClass::Modify,
        &format!("<connector>{}</connector>", connector_xml(c, false)),
        Some(&format!(
            "<connector>{}</connector>",
            connector_xml(c, true)
        )),
    )
}

/// `deleteWebConnector {name}`.
pub fn delete_web_connector_request(admin_base: &str, name: &str) -> SoapRequest {
    SoapRequest::new(
        admin_base,
        "deleteWebConnector",
        AdminOperationClass::Modify,
        &element("name", name),
        None,
    )
}

/// `getWebConnectors {namePattern}`; the pattern is a regular expression.
pub fn get_web_connectors_request(admin_base: &str, name_pattern: &str) -> SoapRequest {
    SoapRequest::new(
        admin_base,
        "getWebConnectors",
        AdminOperationClass::Query,
        &element("namePattern", name_pattern),
        None,
    )
}

/// A regular expression matching exactly `name` (for `getWebConnectors`).
pub fn exact_name_pattern(name: &str) -> String {
    let mut out = String::from("^");
    for c in name.chars() {
        if "\\.^$|?*+()[]{}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('$');
    out
}

/// `getCallCountersState` (no arguments).
pub fn call_counters_state_request(admin_base: &str) -> SoapRequest {
    SoapRequest::new(
        admin_base,
        "getCallCountersState",
        AdminOperationClass::Query,
        "",
        None,
    )
}

/// The fault type of a permanent or retryable SOAP error (`ObjectAlreadyExistsFault`
/// after a repeated `createWebConnector`, `AddRecordToListFault`…), for callers that
/// treat some as "already done".
pub fn soap_fault_name(err: &CallError) -> Option<&str> {
    let message = match err {
        CallError::Retryable { message, .. } | CallError::Permanent { message, .. } => message,
        _ => return None,
    };
    let (name, _) = message.split_once(':')?;
    (name.ends_with("Fault") && name.chars().all(|c| c.is_ascii_alphanumeric())).then_some(name)
}

impl Five9Client {
    /// Schedules a callback as a dialing-list record (§3a). Not idempotent: a repeat of a
    /// request that was applied comes back as a duplicate (`was_duplicate()`) or as an
    /// `AddRecordToListFault` ("Specified record already exist in the list").
    pub async fn add_record_to_list(
        &self,
        record: &CallbackRecord,
    ) -> Result<ListImportResult, CallError> {
        let request = add_record_to_list_request(&self.config.admin_base, record)?;
        let body = self.send_soap(&request).await?;
        let result = parse_list_import_result(&body);
        if result.list_records_inserted == 0 && result.upload_errors > 0 {
            // Five9 answered without a fault but took nothing: the record is unusable.
            let reason = first_text(&body, "failureMessage").unwrap_or_default();
            return Err(CallError::Permanent {
                status: 200,
                message: soap::bounded(&format!(
                    "record not added ({} upload errors) {reason}",
                    result.upload_errors
                )),
            });
        }
        Ok(result)
    }

    /// Creates one Web Connector (§7). Not idempotent: a repeat fails with
    /// `ObjectAlreadyExistsFault` (permanent); use [`Self::modify_web_connector`] then.
    pub async fn create_web_connector(&self, connector: &WebConnector) -> Result<(), CallError> {
        let request = create_web_connector_request(&self.config.admin_base, connector);
        self.send_soap(&request).await.map(drop)
    }

    /// Replaces an existing connector's definition (idempotent).
    pub async fn modify_web_connector(&self, connector: &WebConnector) -> Result<(), CallError> {
        let request = modify_web_connector_request(&self.config.admin_base, connector);
        self.send_soap(&request).await.map(drop)
    }

    /// Deletes a connector by name; a repeat fails with `ObjectNotFoundFault`.
    pub async fn delete_web_connector(&self, name: &str) -> Result<(), CallError> {
        let request = delete_web_connector_request(&self.config.admin_base, name);
        self.send_soap(&request).await.map(drop)
    }

    /// Connectors whose name matches the regular expression (see [`exact_name_pattern`]).
    pub async fn get_web_connectors(
        &self,
        name_pattern: &str,
    ) -> Result<Vec<WebConnectorSummary>, CallError> {
        let request = get_web_connectors_request(&self.config.admin_base, name_pattern);
        let body = self.send_soap(&request).await?;
        Ok(elements(&body, "return")
            .into_iter()
            .map(parse_connector)
            .collect())
    }

    /// The domain's live usage per window (§6), to seed or correct the throttle.
    pub async fn call_counters_state(&self) -> Result<Vec<CallCounterWindow>, CallError> {
        let request = call_counters_state_request(&self.config.admin_base);
        let body = self.send_soap(&request).await?;
        Ok(parse_call_counters(&body))
    }

    /// One SOAP request; the response body on success, else the classified fault.
    pub(super) async fn send_soap(&self, request: &SoapRequest) -> Result<String, CallError> {
        crate::ratelimit::acquire(self.budget.as_ref()).await;
        let admin = self.config.admin.as_ref().ok_or_else(|| {
            CallError::Unactionable(
                "no Five9 admin (Configuration Web Services) user configured".into(),
            )
        })?;
        let response = self
            .http
            .post(&request.url)
            .header(CONTENT_TYPE, "text/xml;charset=UTF-8")
            .header("SOAPAction", "\"\"")
            .basic_auth(&admin.username, Some(admin.password.expose()))
            .body(request.body().to_string())
            .send()
            .await
            .map_err(|e| CallError::from_reqwest(&e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response
            .text()
            .await
            .map_err(|e| CallError::from_reqwest(&e))?;
        if let Some(fault) = soap::parse_fault(&text) {
            return Err(soap::classify_fault(
                status,
                &headers,
                &fault,
                request.class,
                Timestamp::now(),
            ));
        }
        if (200..300).contains(&status) {
            return Ok(text);
        }
        // Not a SOAP answer (a gateway page, an auth challenge): the body is not Five9's
        // message, so only the status is reported.
        Err(match status {
            401 | 403 => CallError::Permanent {
                status,
                message: "admin credentials rejected by the Configuration Web Services".into(),
            },
            _ => CallError::from_status(status, &headers, String::new()),
        })
    }
}

fn parse_list_import_result(body: &str) -> ListImportResult {
    let scope = elements(body, "return").first().copied().unwrap_or(body);
    let n = |name: &str| first_u64(scope, name).unwrap_or(0);
    let warnings = elements(scope, "warningsCount")
        .first()
        .map(|w| {
            let entries = texts(w, "value");
            if entries.is_empty() {
                soap::unescape(w).trim().parse().unwrap_or(0)
            } else {
                entries
                    .iter()
                    .filter_map(|v| v.trim().parse::<u64>().ok())
                    .sum()
            }
        })
        .unwrap_or(0);
    ListImportResult {
        list_name: first_text(scope, "listName"),
        call_now_queued: n("callNowQueued"),
        crm_records_inserted: n("crmRecordsInserted"),
        crm_records_updated: n("crmRecordsUpdated"),
        list_records_inserted: n("listRecordsInserted"),
        list_records_deleted: n("listRecordsDeleted"),
        upload_duplicates: n("uploadDuplicatesCount"),
        upload_errors: n("uploadErrorsCount"),
        warnings,
    }
}

fn parse_connector(xml: &str) -> WebConnectorSummary {
    let flag = |name: &str| first_text(xml, name).map(|v| v.trim().eq_ignore_ascii_case("true"));
    let pairs = |name: &str| -> Vec<(String, String)> {
        elements(xml, name)
            .into_iter()
            .map(|p| {
                (
                    first_text(p, "key").unwrap_or_default(),
                    first_text(p, "value").unwrap_or_default(),
                )
            })
            .collect()
    };
    WebConnectorSummary {
        name: first_text(xml, "name").unwrap_or_default(),
        description: first_text(xml, "description"),
        url: first_text(xml, "url"),
        trigger: first_text(xml, "trigger"),
        post_method: flag("postMethod"),
        execute_in_browser: flag("executeInBrowser"),
        trigger_dispositions: texts(xml, "triggerDispositions"),
        constant_keys: pairs("constants").into_iter().map(|(k, _)| k).collect(),
        variables: pairs("variables"),
    }
}

fn parse_call_counters(body: &str) -> Vec<CallCounterWindow> {
    elements(body, "return")
        .into_iter()
        .map(|window| CallCounterWindow {
            timeout_secs: first_u64(window, "timeout").unwrap_or(0),
            counters: elements(window, "callCounterStates")
                .into_iter()
                .map(|c| CallCounter {
                    operation_type: first_text(c, "operationType").unwrap_or_default(),
                    limit: first_u64(c, "limit").unwrap_or(0),
                    value: first_u64(c, "value").unwrap_or(0),
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_has_its_limits() {
        for (class, l) in ADMIN_LIMITS {
            assert_eq!(class.limits(), l);
            assert!(l.per_minute > 0);
        }
        assert_eq!(
            AdminOperationClass::SingleRecordImport.limits().per_minute,
            160
        );
    }

    #[test]
    fn dial_numbers() {
        assert_eq!(five9_dial_number("+14155550123").unwrap(), "4155550123");
        assert_eq!(
            five9_dial_number("+44 20 7946 0958").unwrap(),
            "011442079460958"
        );
        for bad in ["4155550123", "+1415555", "+1 415 555 0123 x1", "", "+12"] {
            assert!(five9_dial_number(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn exact_patterns_escape_regex_syntax() {
        assert_eq!(
            exact_name_pattern("Escalator - Call (A).x"),
            r"^Escalator - Call \(A\)\.x$"
        );
    }

    #[test]
    fn fault_names_are_read_back() {
        let e = CallError::Permanent {
            status: 500,
            message: "ObjectAlreadyExistsFault: exists".into(),
        };
        assert_eq!(soap_fault_name(&e), Some("ObjectAlreadyExistsFault"));
        let e = CallError::Permanent {
            status: 400,
            message: "LOGIN 3: no".into(),
        };
        assert_eq!(soap_fault_name(&e), None);
    }

    #[test]
    fn parses_import_result_and_counters() {
        let r = parse_list_import_result(
            "<ns2:addRecordToListResponse><return><callNowQueued>0</callNowQueued>\
             <crmRecordsInserted>1</crmRecordsInserted><crmRecordsUpdated>0</crmRecordsUpdated>\
             <listName>CB</listName><listRecordsDeleted>0</listRecordsDeleted>\
             <listRecordsInserted>1</listRecordsInserted><uploadDuplicatesCount>0</uploadDuplicatesCount>\
             <uploadErrorsCount>0</uploadErrorsCount><warningsCount><entry><key>W</key><value>2</value></entry></warningsCount>\
             </return></ns2:addRecordToListResponse>",
        );
        assert_eq!(r.list_records_inserted, 1);
        assert_eq!(r.warnings, 2);
        assert_eq!(r.list_name.as_deref(), Some("CB"));
        let c = parse_call_counters(
            "<return><callCounterStates><limit>160</limit><operationType>ImportRecord</operationType>\
             <value>3</value></callCounterStates><timeout>60</timeout></return>",
        );
        assert_eq!(c[0].timeout_secs, 60);
        assert_eq!(c[0].counters[0].value, 3);
    }
}
