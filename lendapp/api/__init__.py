"""HTTP routes mounted beside the Reflex app (health, webhooks, downloads)."""
