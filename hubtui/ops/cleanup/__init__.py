"""Cleanup: plan what exists, confirm with typed phrases, then tear it down step by step.

plan.py (inputs, discovery, the frozen plan), confirm.py (the typed phrases), runner.py (the steps, in order,
with the journal of journal.py and the audit log), backup.py, kube_steps.py (drain, namespaces),
local_state.py (kubeconfig entries, working files). The cloud part lives in hubtui/cloud/.
"""
