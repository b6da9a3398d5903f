"""The guided-action engine: one self-describing rule per module, an explicit registry, a set-based
``evaluate(session, now)`` that creates and expires actions, and the state changes users make to them.

docs/guided-actions.md is the authority; every rule module's docstring mirrors its "Creates when" /
"Expires when" lines so the two can be read side by side.
"""
