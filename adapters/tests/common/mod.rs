//! The mock kit the vendor client contract tests share: auth headers and HTTP clients,
//! canned replies, one route answered differently from one request to the next (429s and
//! 5xx bursts), and assertions on how an error is classified and what it may show.
//!
//! A vendor's test binary takes it in with `#[path = "../common/mod.rs"] mod common;`.

// Each test binary compiles its own copy and uses only part of it.
#![allow(dead_code)]

pub mod assertions;
pub mod clients;
pub mod in_turn;
pub mod replies;
