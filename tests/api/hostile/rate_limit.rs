//! Ingress rate limiting per source.
