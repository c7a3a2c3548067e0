"""Where the deployments screen looks: another namespace (n), every namespace (A), another context (K). Each
lists its choices off the UI thread, says a failure in one line, and rebuilds the screen on the new place
with the operator's modes kept (DeploymentsScreen.rebuilt)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work

from ...errors import HubError
from .modals import NamespacePicker

if TYPE_CHECKING:
    from textual.screen import Screen

    from ..app import HubApp
    from ..backend import Backend


class Switching:
    """A mixin of the deployments screen."""

    if TYPE_CHECKING:  # the screen's
        backend: Backend
        all_namespaces: bool
        hub: HubApp
        app: Any

        def rebuilt(self, backend: Backend) -> Screen: ...
        def report(self, fn, *args) -> None: ...
        def notify(self, message: str, **kwargs) -> None: ...

    def said_failed(self, message: str) -> None:
        self.notify(message, severity="error")

    @work(thread=True, exclusive=True, exit_on_error=False, group="namespaces")
    def action_all_namespaces(self) -> None:
        """A: every namespace's deployments, or back to the current namespace."""
        try:
            backend = self.backend.for_all_namespaces(not self.all_namespaces)
        except HubError as e:
            self.report(self.said_failed, str(e))
            return
        self.report(self._use_backend, backend)

    def _use_backend(self, backend: Backend) -> None:
        self.hub.backend = backend
        self.app.switch_screen(self.rebuilt(backend))

    @work(thread=True, exit_on_error=False, group="namespaces")
    def action_namespace(self) -> None:
        """n: choose another namespace."""
        try:
            names = self.backend.namespaces()
        except HubError as e:
            self.report(self.said_failed, str(e))
            return
        self.report(self.app.push_screen, NamespacePicker(names, self.backend.namespace), self.switch_namespace)

    @work(thread=True, exclusive=True, exit_on_error=False, group="contexts")
    def action_context(self) -> None:
        """K: choose another context of the kubeconfig."""
        try:
            names, current = self.backend.contexts()
        except HubError as e:
            self.report(self.said_failed, str(e))
            return
        self.report(self.app.push_screen, NamespacePicker(names, current, "Switch context"), self.switch_context)

    def switch_context(self, context: str | None) -> None:
        if context and context != self.backend.context:
            self.hub.switch_to_context(context)

    def switch_namespace(self, namespace: str | None) -> None:
        if namespace and namespace != self.backend.namespace:
            self.hub.switch_to_namespace(namespace)
