"""What went wrong in a cloud teardown, as data: hubtui.errors.HubError holds one of these, and
hubtui.present.cloud_failures words it (what an operator reads lives in present/).

The phrases the cloud part holds as text (what a call does or a wait is for, what a listing names, an error's
own line: the str fields of hubtui.facts' events and outcomes) are facts here too: the engine holds each as
`errors.said(fact)`, in the words present/ gives it.

A field typed `object` named `cause` holds the SDK's own exception: its first line is said with the fact."""

from __future__ import annotations

from ..frozen import frozen


# ----- base.py: how a resource stood when a wait ended (wait_until's `describe`) ------------------------
@frozen
class LeftInState:
    """The resource was last seen in state `state` (AWS)."""
    state: str


@frozen
class AzureOperationStatus:
    """ARM's deletion operation last said `status`: Azure goes on deleting the group."""
    status: str


@frozen
class AzureGroupState:
    """The resource group was last seen in provisioning state `state`: Azure goes on deleting it."""
    state: str


Seen = LeftInState | AzureOperationStatus | AzureGroupState


# ----- base.py: waiting, the provider, discovery, identity, the SDK -------------------------------------
@frozen
class StillNotDone:
    """A wait for `what` (a phrase: "rds-instance db to be deleted") ended after `timeout` seconds without it
    happening; `now`: how it stood then (None: the waiter cannot say)."""
    what: str
    timeout: float
    now: Seen | None = None


@frozen
class NoCloudPart:
    """`provider` is none of `providers`, the providers hubtui has a cloud part for."""
    provider: str
    providers: tuple[str, ...]


@frozen
class DiscoveryFailed:
    """`provider`'s discovery failed with an error nobody foresaw (`cause`)."""
    provider: str
    cause: object


@frozen
class TagMatchesPlanned:
    """`provider`'s discovery put resources that match by tag only (`labels`) in the plan: a bug; nothing is
    planned."""
    provider: str
    labels: tuple[str, ...]


@frozen
class CreatedAgain:
    """The resource was created at `created` (None: unknown), not at `planned` as the plan saw: not deleted."""
    created: str | None
    planned: str


@frozen
class OtherUid:
    """The resource's unique id is `uid` (None: none given), not `planned` as the plan saw: not deleted."""
    uid: str | None
    planned: str


@frozen
class OtherId:
    """The resource answers with id `now`, not `planned` as the plan saw: not deleted."""
    now: str
    planned: str


@frozen
class SdkNotInstalled:
    """The `provider` teardown needs `needs` (a package, or GoogleLibraries), which is not installed; hubtui's
    extra `extra` brings it."""
    provider: str
    needs: str | GoogleLibraries
    extra: str


# ----- base.py: phrases the engine holds as text (errors.said): an error's line, a label, what a wait is for ---
@frozen
class ErrorLine:
    """An error (`cause`: an SDK's exception, a HubError) as one line: its own first line (TryingAgain's,
    LookingAgain's `error`, CloudError's `text`, …)."""
    cause: object


@frozen
class LeftOut:
    """The name, among the other clusters' endpoints, of a cluster the plan found but left out (`label`)."""
    label: str


@frozen
class ToBeDeleted:
    """What a wait is for (wait_until's `what`): `what` (a resource's or a part's label) to be deleted."""
    what: str


# ----- aws.py ---------------------------------------------------------------------------------------------
@frozen
class AwsConfigBroken:
    """The AWS configuration (profile, ~/.aws/config) could not be read: `cause`."""
    cause: object


@frozen
class NoAwsRegion:
    """No AWS region is set, and the AWS configuration names none."""


@frozen
class NoAwsCredentials:
    """No AWS credentials were found."""


@frozen
class AwsUnreachable:
    """AWS did not answer: `cause`."""
    cause: object


@frozen
class AwsCredentialsRefused:
    """AWS refused the credentials, with error code `code` ('' none; then `cause` says why)."""
    code: str
    cause: object


@frozen
class AwsIdentityUnanswered:
    """AWS did not say whose the credentials are: it throttled the identity check, or failed on its side (`code`:
    Throttling, ServiceUnavailable, "HTTP 503"...), through botocore's own new tries. Not a refusal."""
    code: str
    cause: object


@frozen
class AwsCredentialsFailed:
    """The AWS credentials could not be used: `cause`."""
    cause: object


@frozen
class AwsListingFailed:
    """Listing `what` (e.g. "RDS instances") failed: `cause`; nothing is planned."""
    what: str
    cause: object


@frozen
class NotAnAwsPlan:
    """The AWS part was given a plan of `provider`."""
    provider: str


@frozen
class OtherAwsAccount:
    """The credentials are for AWS account `account`, the plan was made for `planned` (its identity)."""
    account: str
    planned: str


@frozen
class AwsCannotDelete:
    """The plan holds a `kind` the AWS part cannot delete."""
    kind: str


@frozen
class RdsProtectionOn:
    """The RDS instance's deletion protection is on, and the operator did not confirm switching it off."""


@frozen
class RdsProtectionSwitchedOn:
    """The RDS instance's deletion protection was switched on after the plan was made (nobody confirmed it)."""


# ----- aws.py: phrases held as text (errors.said): what is listed (AwsListingFailed's `what`), what a call
# does (retry's `what`, TryingAgain's) -------------------------------------------------------------------------
@frozen
class EksClusters:
    """The EKS clusters, as a listing names them."""


@frozen
class RdsInstances:
    """The RDS instances, as a listing names them."""


@frozen
class RedisGroups:
    """The ElastiCache replication groups, as a listing names them."""


@frozen
class MskClusters:
    """The MSK clusters, as a listing names them."""


@frozen
class AwsDescribe:
    """The describe call of step `step` ("aws: rds-instance db")."""
    step: str


@frozen
class AwsDelete:
    """The delete call of step `step`."""
    step: str


@frozen
class AwsSwitchOff:
    """The call of step `step` that switches deletion protection off."""
    step: str


# ----- gcp.py ---------------------------------------------------------------------------------------------
@frozen
class GoogleLibraries:
    """The Google Cloud client libraries, `missing` (the module not found, or the import's error) among them."""
    missing: str


@frozen
class NoGcpProject:
    """GCP_PROJECT is not set."""


@frozen
class NoGcpRegion:
    """GCP_REGION is not set."""


@frozen
class NoGcpCredentials:
    """No Application Default Credentials were found."""


@frozen
class GcpUnreachable:
    """Google Cloud did not answer: `cause`."""
    cause: object


@frozen
class GcpListingRefused:
    """GCP refused listing `what` (e.g. "GKE clusters") in `project`: `cause`; nothing is planned."""
    what: str
    project: str
    cause: object


@frozen
class GcpCredentialsRefused:
    """Google Cloud refused the credentials: `cause`."""
    cause: object


@frozen
class GcpSignInUnreachable:
    """The credentials could not be used: Google's sign-in service (the token endpoint) did not answer: `cause`.
    Not a refusal."""
    cause: object


@frozen
class GcpNetworkUnreadable:
    """GCP refused reading VPC network `name` in `project`: `cause`; nothing is planned."""
    name: str
    project: str
    cause: object


@frozen
class NotAGcpPlan:
    """The GCP part was given a plan of `provider`."""
    provider: str


@frozen
class OtherGcpProject:
    """The plan is for `planned` (its identity), but GCP_PROJECT is `project`: nothing is deleted."""
    planned: str
    project: str


@frozen
class DeletionFailed:
    """The deletion of `what` (a resource's or a part's label) ended with `error`: it was not deleted."""
    what: str
    error: str


@frozen
class OperationErrors:
    """The Cloud SQL operation awaited (`what`: a phrase, "… to be deleted") ended with `errors`."""
    what: str
    errors: tuple[str, ...]


@frozen
class EarlierDeletionEnded:
    """The deletion an earlier run started (Memorystore) ended with the instance still there, in state `state`."""
    state: str


@frozen
class SqlProtectionSwitchedOn:
    """The deletion protection of Cloud SQL instance `name` was switched on after the plan was made: it stays."""
    name: str


@frozen
class SqlProtectionOn:
    """The deletion protection of Cloud SQL instance `name` is on, and the operator did not confirm switching it
    off."""
    name: str


@frozen
class Peering:
    """A peering `name` of the network."""
    name: str


@frozen
class VmInstance:
    """A VM instance `name` (in `zone`) with an interface in the network."""
    name: str
    zone: str


@frozen
class ForwardingRule:
    """A forwarding rule `name` (a load balancer; `scope`: its region, or global) in the network."""
    name: str
    scope: str


NetworkUser = Peering | VmInstance | ForwardingRule


@frozen
class NetworkInUse:
    """Network `network` (its label) is still used by `users`: nothing in it was deleted."""
    network: str
    users: tuple[NetworkUser, ...]


@frozen
class PartElsewhere:
    """A part the plan listed for network `network` (its label), `part` ("firewall rule x"), now belongs to another
    network (`now`, its link): recreated under its name since the plan. Nothing of the network was deleted."""
    network: str
    part: str
    now: str


# ----- gcp.py: phrases held as text (errors.said): what is listed (GcpListingRefused's, ApiDisabled's, and
# NoAnswerFrom's words), what the plan's notes say, a network's parts, what a call does or a wait is for ------
@frozen
class GkeClusters:
    """The GKE clusters, as a listing names them (and the API ApiDisabled names)."""


@frozen
class SqlInstances:
    """The Cloud SQL instances, as a listing names them."""


@frozen
class MemorystoreInstances:
    """The Memorystore instances, as a listing names them."""


@frozen
class PubSubTopics:
    """The Pub/Sub topics, as a listing names them."""


@frozen
class FirewallRules:
    """A network's firewall rules, as a listing names them."""


@frozen
class VpcNetwork:
    """What is not looked up when the Compute Engine API is not enabled (ApiDisabled's `what`)."""


@frozen
class Clusters:
    """The clusters a location holds (NoAnswerFrom's `things`, for GKE)."""


@frozen
class Instances:
    """The instances a location holds (NoAnswerFrom's `things`, for Memorystore)."""


@frozen
class GkeLookedUpEverywhere:
    """A plan's note: GKE clusters were looked up in every location of `project`."""
    project: str


@frozen
class MemorystoreLookedUpEverywhere:
    """A plan's note: Memorystore instances were looked up in every region of `project`."""
    project: str


@frozen
class FirewallRule:
    """A network's firewall rule `name` (a part deleted before its network)."""
    name: str


@frozen
class Subnetwork:
    """A network's subnetwork `name` (a part deleted before its network)."""
    name: str


@frozen
class Reading:
    """The call that reads `what` (a resource's or a part's label)."""
    what: str


@frozen
class Deleting:
    """The call that deletes `what` (a resource's or a part's label)."""
    what: str


@frozen
class Checking:
    """The call that looks again at what a wait is for (`what`: a phrase, "… to be deleted")."""
    what: str


@frozen
class ListingOperations:
    """The call that lists the operations running on `label`."""
    label: str


@frozen
class SwitchingProtectionOff:
    """The call that switches off the deletion protection of `label`."""
    label: str


@frozen
class ProtectionToBeOff:
    """What a wait is for: the deletion protection of `label` to be off."""
    label: str


@frozen
class OperationToEnd:
    """What a wait is for: another operation (`operation`) on `label` to end."""
    operation: str
    label: str


# ----- azure.py -------------------------------------------------------------------------------------------
@frozen
class NoAzureSubscription:
    """AZURE_SUBSCRIPTION_ID is not set."""


@frozen
class AzureCredentialsRefused:
    """No usable Azure credentials (none found, or ARM said 401): `cause`."""
    cause: object


@frozen
class AzureRefused:
    """Azure refused (403) to `what` (a phrase: "read resource groups") in `subscription`: `cause`."""
    what: str
    subscription: str
    cause: object


@frozen
class AzureSubscriptionNotFound:
    """Azure knows no subscription `subscription`."""
    subscription: str


@frozen
class AzureUnreachable:
    """Azure Resource Manager did not answer: `cause`."""
    cause: object


@frozen
class AzureReadFailed:
    """Azure could not `what` (a phrase: "read resource groups"): `cause`."""
    what: str
    cause: object


@frozen
class OtherAzureSubscription:
    """The plan was made for `planned` (its identity), but AZURE_SUBSCRIPTION_ID is `subscription`: nothing was
    deleted."""
    planned: str
    subscription: str


@frozen
class GroupDeletionEnded:
    """The deletion of a resource group (started by this run when `by_this_run`, else by an earlier one) ended
    with the group still there, in provisioning state `state`."""
    state: str
    by_this_run: bool = False


# ----- azure.py: phrases held as text (errors.said): how to sign in, what a call does, what a wait is for, a
# step's detail, how a deletion ended ---------------------------------------------------------------------------
@frozen
class AzureLogin:
    """How to sign in to Azure (CredentialsRefused's `hint`, and the refusals' lines)."""


@frozen
class ReadGroups:
    """What discovery does: read the subscription's resource groups (AzureRefused's, AzureReadFailed's `what`)."""


@frozen
class ReadGroup:
    """The call that reads `label` (a resource group's label)."""
    label: str


@frozen
class DeleteGroup:
    """The call that deletes `label` (a resource group's label)."""
    label: str


@frozen
class GroupDeletion:
    """What a wait is for: the deletion of `label` (a resource group's label)."""
    label: str


@frozen
class DeletingGroup:
    """What a resource group's step does (StepStarted's `detail`): deleting group `name` and all it holds."""
    name: str


@frozen
class DeletionEndedAs:
    """ARM's deletion operation ended `status` (not Succeeded), with its error's `code` and `message` (either may
    be missing): CloudError's `text`."""
    status: str
    code: object
    message: object
