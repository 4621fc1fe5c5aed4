/* Stash2Plex status page and scene badge (UI plugin). Placeholder: the page itself is written in ui/ by the
   UI work of issue 16; Stash serves this file at /plugin/Stash2Plex/javascript (manifest ui: section). */
