//! How Five9's answers are classified, on the Agent REST API (429s, a 5xx burst, a
//! permanent error) and on the SOAP Configuration Web Services (operation limits, 429s,
//! 5xx, server and client faults, refused admin credentials).

use std::time::Duration;

use escalator_adapters::five9::{soap_fault_name, CallbackRecord, TransferMode};
use escalator_adapters::outbound::CallError;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::assertions::assert_retryable;
use crate::common::in_turn::in_turn;
use crate::kit::{
    assert_no_secrets, call_path, client, five9_error, mount_login, soap_fault, AGENT, CALL,
    SOAP_PATH,
};

#[tokio::test]
async fn rest_rate_limits_5xx_bursts_and_permanent_errors_are_classified() {
    let server = MockServer::start().await;
    mount_login(&server, 1).await;
    let transfer = call_path("transfer_to_skill");
    let slow_down = |status| five9_error(status, 9, "CALL", "slow down");
    in_turn(|| Mock::given(method("PUT")).and(path(transfer.as_str())))
        .once(slow_down(429).insert_header("Retry-After", "7"))
        .once(slow_down(429))
        .times(3, slow_down(503))
        .then_always(five9_error(400, 3, "CALL", "Call is not in TALKING state"))
        .mount(&server)
        .await;
    let client = client(&server);
    let go = || client.transfer_to_skill(AGENT, CALL, "45", TransferMode::Warm);
    assert_eq!(
        go().await,
        Err(CallError::Retryable {
            status: 429,
            retry_after: Some(Duration::from_secs(7)),
            message: "CALL 9: slow down".into()
        })
    );
    assert!(matches!(
        go().await,
        Err(CallError::Retryable {
            status: 429,
            retry_after: None,
            ..
        })
    ));
    for _ in 0..3 {
        assert_retryable(&go().await.unwrap_err(), 503);
    }
    let err = go().await.unwrap_err();
    assert_eq!(
        err,
        CallError::Permanent {
            status: 400,
            message: "CALL 3: Call is not in TALKING state".into()
        }
    );
    assert_no_secrets(&err);
}

#[tokio::test]
async fn soap_faults_limits_and_http_errors_are_classified() {
    let server = MockServer::start().await;
    in_turn(|| Mock::given(method("POST")).and(path(SOAP_PATH)))
        .once(soap_fault(
            "S:Server",
            "OperationsLimitExceededFault",
            "<limit>160</limit><operationType>ImportRecord</operationType>",
            "Operations limit exceeded",
        ))
        .once(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "9")
                .set_body_string("<html>Too Many Requests</html>"),
        )
        .statuses(&[429])
        .times(2, ResponseTemplate::new(503).set_body_string("<html>down</html>"))
        .once(soap_fault("S:Server", "ServerFault", "", "Web Services server error"))
        .once(soap_fault(
            "S:Server",
            "AddRecordToListFault",
            "",
            "Number 555 must either be 10 digits for dialing within North America or begin with 011 for International number.",
        ))
        .once(soap_fault("S:Client", "MissedArgumentFault", "", "listName is required"))
        .then_always(ResponseTemplate::new(401).set_body_string("<html>Unauthorized</html>"))
        .mount(&server)
        .await;
    let client = client(&server);
    let record = CallbackRecord {
        list_name: "CB".into(),
        number: "+14155550123".into(),
        call_at: None,
        fields: vec![],
    };
    let add = || client.add_record_to_list(&record);
    match add().await {
        Err(CallError::Retryable {
            status: 500,
            retry_after: Some(d),
            message,
        }) => {
            // Until the next minute boundary (+1 s slack).
            assert!(
                d >= Duration::from_secs(1) && d <= Duration::from_secs(61),
                "{d:?}"
            );
            assert!(message.starts_with("OperationsLimitExceededFault: "));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        add().await,
        Err(CallError::Retryable {
            status: 429,
            retry_after: Some(Duration::from_secs(9)),
            message: String::new()
        })
    );
    assert!(matches!(
        add().await,
        Err(CallError::Retryable {
            status: 429,
            retry_after: None,
            ..
        })
    ));
    for _ in 0..2 {
        assert_retryable(&add().await.unwrap_err(), 503);
    }
    assert_retryable(&add().await.unwrap_err(), 500);
    let err = add().await.unwrap_err();
    assert!(err.is_permanent(), "{err:?}");
    assert_eq!(soap_fault_name(&err), Some("AddRecordToListFault"));
    assert!(err.to_string().contains("must either be 10 digits"));
    let err = add().await.unwrap_err();
    assert!(err.is_permanent() && err.to_string().contains("MissedArgumentFault"));
    let err = add().await.unwrap_err();
    assert_eq!(
        err,
        CallError::Permanent {
            status: 401,
            message: "admin credentials rejected by the Configuration Web Services".into()
        }
    );
    assert_no_secrets(&err);
}
