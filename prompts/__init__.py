"""Jinja2 prompt templates (``*.j2``), shipped as package data; CRM text only ever enters as variables."""
