"""Cleanup: plan what exists, confirm with typed phrases, then tear it down step by step.

Done so far: the inputs and their validation, the Kubernetes part of the plan (frozen to a JSON file
with a hash), the typed-phrase rules, the backup (TimescaleDB and Redis verified, Kafka best effort) and the Kubernetes
steps (drain; namespace deletion with a diagnosis of stuck namespaces). Still to come (see issue 4): cloud
discovery and teardown, the runner with its journal and resume, local state cleanup, the wizard and
`hubtui cleanup` without --dry-run.
"""
