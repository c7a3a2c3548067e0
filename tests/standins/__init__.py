"""Local stand-ins for the clouds at their real API boundary (moto for AWS; small HTTP servers for GCP and Azure), with their pytest fixtures. No test ever reaches a real cloud."""
