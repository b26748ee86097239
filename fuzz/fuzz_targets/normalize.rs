//! Every normalizer and routing-request parser, on arbitrary bodies and query strings,
//! as POST (JSON, form, untyped) and GET. None may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| escalator_adapters::fuzzing::normalize(data));
