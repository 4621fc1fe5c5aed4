"""The Stash settings page for plugin settings, as a user clicks through it.

Why (stashapp/stash @ cf3489e ui/v2.5/src/components/Settings/SettingsPluginsPanel.tsx,
Inputs.tsx, context.tsx): what a plugin reads back is not what the user meant.
- BOOLEAN: an unset value is SHOWN off; the first click stores `true` (the negation of unset).
- NUMBER: shown as 0 when unset; the dialog stores `parseInt(text || "0")` — confirming
  untouched stores 0, a cleared box stores 0, "2.5" stores 2.
- STRING: the dialog starts from "" when unset and Confirm stores it: `""`.
- Every save sends the plugin's WHOLE map (the page's copy plus the change), and the page
  re-sends every plugin map it loaded (its copy may be stale: other keys are rewritten).
Saves go through real `configurePlugin` requests; the page's 500 ms debounce is not played.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.stash.sandbox import StashSandbox

CONFIG = "query SettingsPage { configuration { plugins } }"
SAVE = "mutation SavePlugin($plugin_id: ID!, $input: Map!) { configurePlugin(plugin_id: $plugin_id, input: $input) }"
_INT_PREFIX = re.compile(r"\s*([+-]?\d+)")


def parse_int(text: str) -> int | float:
    """JavaScript Number.parseInt(text, 10): the leading integer, NaN when there is none."""
    match = _INT_PREFIX.match(text)
    return int(match.group(1)) if match else math.nan


class SettingsUI:
    """One open settings page: loads every plugin's map once, then saves like the page does."""

    def __init__(self, box: StashSandbox) -> None:
        self.box = box
        result = box.graphql(CONFIG)
        if result.get("errors"):
            raise RuntimeError(f"settings page could not load: {result['errors']}")
        self.plugins: dict[str, dict[str, Any]] = dict(result["data"]["configuration"]["plugins"] or {})

    def shown(self, plugin_id: str, key: str, kind: str) -> Any:
        """What the page displays for a setting of type BOOLEAN / NUMBER / STRING."""
        value = self.plugins.get(plugin_id, {}).get(key)
        if value is not None:
            return value
        return {"BOOLEAN": False, "NUMBER": 0, "STRING": ""}[kind]

    def toggle(self, plugin_id: str, key: str) -> Any:
        """Click a BOOLEAN switch: stores the negation of the stored value (unset → true)."""
        return self._save(plugin_id, key, not self.plugins.get(plugin_id, {}).get(key))

    def edit_number(self, plugin_id: str, key: str, typed: str | None = None) -> Any:
        """Open a NUMBER dialog, optionally type `typed` (as the number box holds it; "" = cleared),
        and Confirm. Untouched, the dialog holds the shown value (0 when unset)."""
        value = self.shown(plugin_id, key, "NUMBER") if typed is None else parse_int(typed or "0")
        return self._save(plugin_id, key, value)

    def edit_string(self, plugin_id: str, key: str, typed: str | None = None) -> Any:
        """Open a STRING dialog, optionally replace its text with `typed`, and Confirm."""
        return self._save(plugin_id, key, self.shown(plugin_id, key, "STRING") if typed is None else typed)

    def _save(self, plugin_id: str, key: str, value: Any) -> Any:
        if isinstance(value, float) and math.isnan(value):
            value = None  # JSON has no NaN: the page's request carries null
        self.plugins[plugin_id] = {**self.plugins.get(plugin_id, {}), key: value}
        for pid, values in self.plugins.items():  # pendingPlugins starts from the whole loaded copy
            result = self.box.graphql(SAVE, {"plugin_id": pid, "input": values})
            if result.get("errors"):
                raise RuntimeError(f"configurePlugin({pid}) failed: {result['errors']}")
        return value
