"""Static files in production: whitenoise's compressed, hashed storage, also hashing what our own files point at.

Django rewrites the URLs inside CSS to their hashed names, but not a JavaScript module's imports or the icons listed
in the web app manifest: left as they are, the browser would fetch unhashed names, which whitenoise serves without
far-future caching (and which a new release would change under a cached page). Only our own files are read for
these, never a third party's minified JavaScript, where an `import(` inside a string is not an import.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage

_OUR_MODULE_IMPORTS = (
    r"""(?P<matched>import(?s:(?P<import>[\s\{].*?))\s*from\s*["'](?P<url>[./].*?)["']\s*;)""",
    """import%(import)s from "%(url)s";""",
)
_MANIFEST_ICONS = (r"""(?P<matched>"src"\s*:\s*"(?P<url>[^"]+)")""", '''"src": "%(url)s"''')


class HashedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Every file under a hashed name, and every reference between our files to a hashed name (docs/deploy.md)."""

    patterns = (
        *CompressedManifestStaticFilesStorage.patterns,
        ("js/*.js", (_OUR_MODULE_IMPORTS,)),
        ("build/assets/manifest.json", (_MANIFEST_ICONS,)),
    )
