"""What went wrong (hubtui.cloud.failures), worded: one line each; and the phrases the cloud part holds as text
(errors.said): what a call does or a wait is for, what is listed, an error's own line."""

from __future__ import annotations

LOGIN_HINT = "run `az login` (or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET)"


def short_error(e: object) -> str:
    """One line from an SDK exception (a fact's `cause`, held as `object`, too)."""
    text = str(e).strip() or type(e).__name__
    return text.splitlines()[0][:300]


def text(fact) -> str:
    from ..cloud import failures as f

    match fact:
        # base.py: how it stood when a wait ended
        case f.LeftInState(state):
            return f"left in state {state}"
        case f.AzureOperationStatus(status):
            return f"status {status}; Azure is still deleting it"
        case f.AzureGroupState(state):
            return f"provisioning state {state}; Azure is still deleting it"
        # base.py
        case f.StillNotDone(what, timeout, now):
            extra = f" ({text(now)})" if now is not None else ""
            return f"{what}: still not done after {timeout:g}s{extra}"
        case f.NoCloudPart(provider, providers):
            return f"provider {provider!r} has no cloud part (one of {', '.join(providers)})"
        case f.DiscoveryFailed(provider, cause):
            return f"{provider} discovery failed: {short_error(cause)}"
        case f.TagMatchesPlanned(provider, labels):
            return f"{provider} discovery put matches by tag only in the plan ({', '.join(labels)}); nothing is planned"
        case f.CreatedAgain(created, planned):
            return (f"recreated since the plan (created {created or 'at an unknown time'}, planned {planned}): not "
                    "deleted; plan again")
        case f.OtherUid(uid, planned):
            return f"recreated since the plan (now id {uid or 'unknown'}, planned {planned}): not deleted; plan again"
        case f.OtherId(now_id, planned):
            return f"recreated since the plan (now {now_id}, planned {planned}): not deleted; plan again"
        case f.SdkNotInstalled(provider, needs, extra):
            what = needs if isinstance(needs, str) else text(needs)
            return (f"the {provider} teardown needs {what}, which is not installed: install hubtui with its "
                    f"[{extra}] extra (pipx install 'hubtui[{extra}]', or pip install 'hubtui[{extra}]')")
        # base.py: phrases held as text
        case f.ErrorLine(cause):
            return short_error(cause)
        case f.LeftOut(label):
            return f"{label} (not included)"
        case f.ToBeDeleted(what):
            return f"{what} to be deleted"
        # aws.py
        case f.AwsConfigBroken(cause):
            return f"AWS configuration: {short_error(cause)}: fix AWS_PROFILE or ~/.aws/config"
        case f.NoAwsRegion():
            return "no AWS region: set AWS_REGION"
        case f.NoAwsCredentials():
            return "no AWS credentials: set AWS_PROFILE (then `aws sso login`) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
        case f.AwsUnreachable(cause):
            return f"cannot reach AWS ({short_error(cause)}): check the network or AWS_ENDPOINT_URL"
        case f.AwsCredentialsRefused(code, cause):
            return (f"AWS refused the credentials ({code or short_error(cause)}): renew them (`aws sso login` or new "
                    "keys) and try again")
        case f.AwsIdentityUnanswered(code, _cause):
            return (f"AWS did not answer whose the credentials are ({code}: busy or unavailable; they were not "
                    "refused): try again in a minute")
        case f.AwsCredentialsFailed(cause):
            return f"AWS credentials: {short_error(cause)}"
        case f.AwsListingFailed(what, cause):
            return f"AWS: listing {what} failed: {short_error(cause)}"
        case f.NotAnAwsPlan(provider):
            return f"not an AWS plan: {provider}"
        case f.OtherAwsAccount(account, planned):
            return (f"the AWS credentials are for account {account}, but the plan was made for {planned}: use the "
                    "same credentials, or plan again")
        case f.AwsCannotDelete(kind):
            return f"hubtui cannot delete a {kind} on AWS"
        case f.RdsProtectionOn():
            return "deletion protection is on; confirm switching it off"
        case f.RdsProtectionSwitchedOn():
            return "deletion protection was switched on after the plan was made; plan again"
        # aws.py: phrases held as text
        case f.EksClusters():
            return "EKS clusters"
        case f.RdsInstances():
            return "RDS instances"
        case f.RedisGroups():
            return "ElastiCache replication groups"
        case f.MskClusters():
            return "MSK clusters"
        case f.AwsDescribe(step):
            return f"{step}: describe"
        case f.AwsDelete(step):
            return f"{step}: delete"
        case f.AwsSwitchOff(step):
            return f"{step}: switch off deletion protection"
        # gcp.py
        case f.GoogleLibraries(missing):
            return f"the Google Cloud client libraries ({missing})"
        case f.NoGcpProject():
            return "set GCP_PROJECT to the project that holds the hub"
        case f.NoGcpRegion():
            return "set GCP_REGION to the region the hub runs in (e.g. europe-west1)"
        case f.NoGcpCredentials():
            return ("no Google Cloud credentials: run `gcloud auth application-default login` (or set "
                    "GOOGLE_APPLICATION_CREDENTIALS)")
        case f.GcpUnreachable(cause):
            return f"cannot reach Google Cloud: {short_error(cause)}"
        case f.GcpListingRefused(what, project, cause):
            return f"GCP refused listing {what} in project {project}: {short_error(cause)}"
        case f.GcpCredentialsRefused(cause):
            return f"Google Cloud credentials refused: {short_error(cause)}; run `gcloud auth application-default login`"
        case f.GcpSignInUnreachable(cause):
            return (f"cannot reach Google's sign-in service to use the credentials ({short_error(cause)}): check the "
                    "network, then try again")
        case f.GcpNetworkUnreadable(name, project, cause):
            return f"GCP refused reading VPC network {name} in project {project}: {short_error(cause)}"
        case f.NotAGcpPlan(provider):
            return f"a {provider} plan cannot be torn down by the GCP part"
        case f.OtherGcpProject(planned, project):
            return f"the plan is for {planned} but GCP_PROJECT is {project}: make a new plan"
        case f.DeletionFailed(what, error):
            return f"the deletion of {what} failed: {error}"
        case f.OperationErrors(what, errors):
            return f"waiting for {what}: {'; '.join(errors)}"
        case f.EarlierDeletionEnded(state):
            return f"the deletion an earlier run started ended without deleting it (state {state}): run the cleanup again"
        case f.SqlProtectionSwitchedOn(name):
            return (f"deletion protection of Cloud SQL instance {name} was switched on after the plan was made: it "
                    "stays on; plan again to confirm it")
        case f.SqlProtectionOn(name):
            return (f"deletion protection is on for Cloud SQL instance {name}: confirm switching it off, or switch it "
                    "off yourself, then run the teardown again")
        case f.Peering(name):
            return f"peering {name}"
        case f.VmInstance(name, zone):
            return f"instance {name} ({zone})"
        case f.ForwardingRule(name, scope):
            return f"forwarding rule {name} ({scope})"
        case f.NetworkInUse(network, users):
            more = f" and {len(users) - 5} more" if len(users) > 5 else ""
            return (f"{network} is still used by {', '.join(text(u) for u in users[:5])}{more}: nothing in it was "
                    "deleted (its firewall rules and subnetworks stay); remove those first, then resume")
        case f.PartElsewhere(network, part, now):
            return (f"the plan's {part} of {network} now belongs to another network ({now.rsplit('/', 1)[-1]}): made "
                    "again under its name since the plan; nothing of the network was deleted; plan again")
        # gcp.py: phrases held as text
        case f.GkeClusters():
            return "GKE clusters"
        case f.SqlInstances():
            return "Cloud SQL instances"
        case f.MemorystoreInstances():
            return "Memorystore instances"
        case f.PubSubTopics():
            return "Pub/Sub topics"
        case f.FirewallRules():
            return "firewall rules"
        case f.VpcNetwork():
            return "VPC network"
        case f.Clusters():
            return "clusters"
        case f.Instances():
            return "instances"
        case f.GkeLookedUpEverywhere(project):
            return f"GKE clusters looked up in every location of project {project} (locations/-)"
        case f.MemorystoreLookedUpEverywhere(project):
            return f"Memorystore instances looked up in every region of project {project} (locations/-)"
        case f.FirewallRule(name):
            return f"firewall rule {name}"
        case f.Subnetwork(name):
            return f"subnetwork {name}"
        case f.Reading(what):
            return f"reading {what}"
        case f.Deleting(what):
            return f"deleting {what}"
        case f.Checking(what):
            return f"checking {what}"
        case f.ListingOperations(label):
            return f"listing operations of {label}"
        case f.SwitchingProtectionOff(label):
            return f"switching off deletion protection of {label}"
        case f.ProtectionToBeOff(label):
            return f"deletion protection of {label} to be off"
        case f.OperationToEnd(operation, label):
            return f"operation {operation} on {label} to end"
        # azure.py
        case f.NoAzureSubscription():
            return "no Azure subscription: set AZURE_SUBSCRIPTION_ID"
        case f.AzureCredentialsRefused(cause):
            return f"Azure credentials missing or refused: {LOGIN_HINT} ({short_error(cause)})"
        case f.AzureRefused(what, subscription, cause):
            return (f"Azure refused to {what} in subscription {subscription}: check the subscription id and your "
                    f"role, or {LOGIN_HINT} ({short_error(cause)})")
        case f.AzureSubscriptionNotFound(subscription):
            return f"Azure subscription {subscription} not found: check AZURE_SUBSCRIPTION_ID"
        case f.AzureUnreachable(cause):
            return f"cannot reach Azure Resource Manager: {short_error(cause)}"
        case f.AzureReadFailed(what, cause):
            return f"Azure: could not {what}: {short_error(cause)}"
        case f.OtherAzureSubscription(planned, subscription):
            return (f"the plan was made for {planned}, but AZURE_SUBSCRIPTION_ID is {subscription}: nothing was "
                    "deleted; set it back, or plan again")
        case f.GroupDeletionEnded(state, by_this_run):
            started_by = "this run" if by_this_run else "an earlier run"
            return (f"the deletion {started_by} started ended without deleting it (provisioning state {state}): run "
                    "the cleanup again to delete it")
        # azure.py: phrases held as text
        case f.AzureLogin():
            return LOGIN_HINT
        case f.ReadGroups():
            return "read resource groups"
        case f.ReadGroup(label):
            return f"read {label}"
        case f.DeleteGroup(label):
            return f"delete {label}"
        case f.GroupDeletion(label):
            return f"deletion of {label}"
        case f.DeletingGroup(name):
            return f"deleting resource group {name} and everything in it"
        case f.DeletionEndedAs(status, code, message):
            why = ": ".join(str(part) for part in (code, message) if part)
            return short_error(f"the deletion ended {status}" + (f": {why}" if why else ""))
    raise LookupError(f"no wording for {fact!r}")
