//! Admin API authentication on every route of the OpenAPI document.
