"""Deal insights: permission-filtered context, CRM risk signals, the LLM chain and its cache."""
