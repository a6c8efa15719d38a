//! Blind Mirror's encrypted-scoring protocol, shared by the browser client and the server.
