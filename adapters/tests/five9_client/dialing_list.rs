//! Callbacks as records added to a dialing list over SOAP (`addRecordToList`): at a set
//! time, or called now, and numbers that cannot be dialled.

use escalator_adapters::five9::CallbackRecord;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer};

use crate::common::assertions::assert_unactionable;
use crate::kit::{client, soap_ok, ADMIN_BASIC, SOAP_PATH};

#[tokio::test]
async fn scheduled_callback_is_a_dialing_list_record_with_call_time() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SOAP_PATH))
        .and(header("authorization", ADMIN_BASIC))
        .and(header("soapaction", "\"\""))
        .and(header("content-type", "text/xml;charset=UTF-8"))
        .and(body_string_contains(
            "xmlns:ser=\"http://service.admin.ws.five9.com/\"",
        ))
        .and(body_string_contains(
            "<ser:addRecordToList><listName>Escalation-Callbacks</listName><listUpdateSettings>\
             <fieldsMapping><columnNumber>1</columnNumber><fieldName>number1</fieldName><key>true</key></fieldsMapping>\
             <fieldsMapping><columnNumber>2</columnNumber><fieldName>first_name</fieldName><key>false</key></fieldsMapping>\
             <fieldsMapping><columnNumber>3</columnNumber><fieldName>escalation_note</fieldName><key>false</key></fieldsMapping>\
             <skipHeaderLine>false</skipHeaderLine><callNowMode>NONE</callNowMode><callTime>1774452600000</callTime>\
             <cleanListBeforeUpdate>false</cleanListBeforeUpdate><crmAddMode>ADD_NEW</crmAddMode>\
             <crmUpdateMode>UPDATE_FIRST</crmUpdateMode><listAddMode>ADD_FIRST</listAddMode></listUpdateSettings>\
             <record><fields>4155550123</fields><fields>Dana &amp; Co</fields><fields>ESC-1 | legal</fields></record>\
             </ser:addRecordToList>",
        ))
        .respond_with(soap_ok(
            "<ns2:addRecordToListResponse xmlns:ns2=\"http://service.admin.ws.five9.com/\"><return>\
             <callNowQueued>0</callNowQueued><crmRecordsInserted>1</crmRecordsInserted>\
             <crmRecordsUpdated>0</crmRecordsUpdated><listName>Escalation-Callbacks</listName>\
             <listRecordsDeleted>0</listRecordsDeleted><listRecordsInserted>1</listRecordsInserted>\
             <uploadDuplicatesCount>0</uploadDuplicatesCount><uploadErrorsCount>0</uploadErrorsCount>\
             <warningsCount/></return></ns2:addRecordToListResponse>",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let record = CallbackRecord {
        list_name: "Escalation-Callbacks".into(),
        number: "+1 415 555 0123".into(),
        call_at: Some("2026-03-25T15:30:00Z".parse().unwrap()),
        fields: vec![
            ("first_name".into(), "Dana & Co".into()),
            ("escalation_note".into(), "ESC-1 | legal".into()),
        ],
    };
    let result = client.add_record_to_list(&record).await.unwrap();
    assert_eq!(result.list_records_inserted, 1);
    assert_eq!(result.crm_records_inserted, 1);
    assert!(!result.was_duplicate());
}

#[tokio::test]
async fn callback_without_a_time_is_called_now_and_bad_input_is_refused() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SOAP_PATH))
        .and(body_string_contains(
            "<skipHeaderLine>false</skipHeaderLine><callNowMode>ANY</callNowMode><cleanListBeforeUpdate>",
        ))
        .and(body_string_contains("<fields>011442079460958</fields>"))
        .respond_with(soap_ok(
            "<ns2:addRecordToListResponse><return><listRecordsInserted>0</listRecordsInserted>\
             <uploadDuplicatesCount>1</uploadDuplicatesCount><uploadErrorsCount>0</uploadErrorsCount>\
             </return></ns2:addRecordToListResponse>",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let mut record = CallbackRecord {
        list_name: "CB".into(),
        number: "+442079460958".into(),
        call_at: None,
        fields: vec![],
    };
    assert!(client
        .add_record_to_list(&record)
        .await
        .unwrap()
        .was_duplicate());
    record.number = "4155550123".into();
    assert_unactionable(client.add_record_to_list(&record).await);
}
