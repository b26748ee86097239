//! Every verifier (Standard Webhooks, Basic, header, URL and field secrets, any-of) on
//! arbitrary headers and bodies. None may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| escalator_adapters::fuzzing::verify(data));
