"""Cleanup: plan what exists, confirm with typed phrases, then tear it down step by step.

Done so far: the inputs and their validation, the Kubernetes part of the plan (frozen to a JSON file
with a hash), and the typed-phrase rules. Still to come (see issue 4): backup, drain, namespace
deletion, cloud discovery and teardown, journal and resume, the wizard.
"""
