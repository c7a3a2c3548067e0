"""Cloud discovery and teardown, one module per provider. The cloud SDKs are imported only in these modules,
and only when a provider is used (never at hubtui's start-up)."""
