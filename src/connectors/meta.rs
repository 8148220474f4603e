//! Facebook Pages and Instagram webhooks. Being written.
