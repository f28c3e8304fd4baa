"""What goes into the frozen app, and what is left out: read by coachadmin.spec and build_bundle.py.

PyInstaller follows every import it can see, including moto's imports of its 150
other AWS services under ``if TYPE_CHECKING`` and the Qt libraries that Qt plugins
we never use link to (QtPdf through the PDF image plugin, QtQuick3D and friends
through the virtual keyboard). Everything that decides the bundle's contents is
here, in one place, so the build script can check the result against the same
lists the spec used.
"""

from __future__ import annotations

import fnmatch
import pkgutil
from collections.abc import Callable, Iterable
from pathlib import Path, PurePath

#: moto packages the demo environment really imports at run time (found by running
#: the demo with S3 calls, a multipart upload and a backend sign-in, then reading
#: sys.modules). moto loads backends by name, so these are collected whole as
#: hidden imports; every other moto service package is excluded.
MOTO_KEEP = (
    "backend_index",
    "backends",
    "cloudwatch",
    "core",
    "events",
    "iam",
    "moto_api",
    "moto_server",
    "s3",
    "s3bucket_path",
    "settings",
    "sts",
    "utilities",
)

#: botocore service models the app needs: S3 itself, and STS/SSO for AWS profiles
#: that assume a role or sign in with IAM Identity Center. The other 400 services'
#: models are 27 MB the app never reads.
BOTOCORE_SERVICES = ("s3", "sts", "sso", "sso-oidc")

#: Python modules never needed at run time (development tools, other GUI toolkits,
#: Qt modules the app does not use).
EXCLUDES = (
    # Python's readline module links GNU readline (GPL-3) and serves interactive prompts;
    # the app has none (pdb, cmd and code fall back to plain input without it).
    "readline",
    "tkinter",
    "_tkinter",
    "IPython",
    "matplotlib",
    "numpy",
    "pandas",
    "pytest",
    "pytestqt",
    "mypy",
    "awscli",
    "docker",
    "cfnlint",
    "sympy",
    "openapi_spec_validator",
    "jsonschema_path",
    "PyInstaller",
    "PyQt5",
    "PyQt6",
    "PySide2",
    *(
        f"PySide6.{name}"
        for name in (
            "Qt3DAnimation",
            "Qt3DCore",
            "Qt3DExtras",
            "Qt3DInput",
            "Qt3DLogic",
            "Qt3DRender",
            "QtCharts",
            "QtDataVisualization",
            "QtDesigner",
            "QtGraphs",
            "QtGraphsWidgets",
            "QtHelp",
            "QtLocation",
            "QtPdf",
            "QtPdfWidgets",
            "QtQuick3D",
            "QtQuickControls2",
            "QtQuickWidgets",
            "QtRemoteObjects",
            "QtScxml",
            "QtSensors",
            "QtSerialBus",
            "QtSerialPort",
            "QtSql",
            "QtTest",
            "QtTextToSpeech",
            "QtUiTools",
            "QtWebChannel",
            "QtWebEngineCore",
            "QtWebEngineQuick",
            "QtWebEngineWidgets",
            "QtWebSockets",
            "QtWebView",
            "QtBluetooth",
            "QtNfc",
            "QtPositioning",
            "QtHttpServer",
            "QtNetworkAuth",
            "QtSpatialAudio",
        )
    ),
)

#: Libraries that must never be in the bundle, whatever pulls them in: (file name prefix,
#: why). The contents check fails on any of them.
FORBIDDEN_LIBRARIES = (("libreadline", "GNU readline is GPL-3; the readline module is excluded"),)

#: Qt shared libraries (Linux ``libQt6X.so.6``, Windows ``Qt6X.dll``, macOS
#: ``QtX.framework``) that must not be in the bundle. QtQuick and QtQml stay: the
#: FFmpeg multimedia plugin links to them.
QT_EXCLUDED_LIBRARIES = (
    "3D*",
    "Bluetooth",
    "Charts*",
    "DataVisualization*",
    "Designer*",
    "EglFS*",  # only the eglfs platforms, left out below
    "EglFs*",
    "Graphs*",
    "Help",
    "HttpServer",
    "Location",
    "Nfc",
    "Pdf*",
    "Positioning*",
    "Quick3D*",
    "QuickControls2*",
    "QuickDialogs2*",
    "QuickParticles",
    "QuickShapes*",
    "QuickTest",
    "QuickTimeline*",
    "QuickVectorImage*",
    "RemoteObjects*",
    "Scxml*",
    "Sensors*",
    "SerialBus",
    "SerialPort",
    "ShaderTools",
    "SpatialAudio",
    "Sql",
    "Test",
    "TextToSpeech",
    "UiTools",
    "VirtualKeyboard*",
    "WaylandCompositor*",
    "WebChannel*",
    "WebEngine*",
    "WebSockets",
    "WebView*",
)

#: Qt plugins left out, as ``plugins/<type>/<name>`` patterns (name without the
#: platform's prefix and suffix). Kept: platforms offscreen, xcb, wayland, cocoa,
#: windows; every other image format; the SVG icon engine; multimedia (FFmpeg);
#: the XDG portal theme (native file dialogs); TLS and network information.
QT_EXCLUDED_PLUGINS = (
    "imageformats/*pdf",  # pulls in QtPdf; the app never shows PDFs as images
    "platforminputcontexts/*virtualkeyboard*",  # pulls in QtQuick3D, QtQuickControls2...
    "platforms/*eglfs*",
    "platforms/*linuxfb",
    "platforms/*minimal*",
    "platforms/*vnc",
    "platforms/*vkkhrdisplay",
    "egldeviceintegrations/*",
    "generic/*",
    # GTK's theme plugin would drag half of the build machine's GTK stack (cairo, pango...)
    # into the bundle, to clash with the user's; the XDG portal theme gives native dialogs.
    "platformthemes/*gtk3",
    "sqldrivers/*",
    "qmltooling/*",
    "position/*",
    "sensors/*",
    "texttospeech/*",
    "designer/*",
    "renderers/*",
    "sceneparsers/*",
    "assetimporters/*",
    "geometryloaders/*",
    "renderplugins/*",
    "wayland-graphics-integration-server/*",
)


def _qt_library_name(dest: PurePath) -> str | None:
    """``Pdf`` for libQt6Pdf.so.6, Qt6Pdf.dll or QtPdf.framework/...; None if not a Qt library."""
    for part in dest.parts:
        if part.startswith("Qt") and part.endswith(".framework"):
            return part[2 : -len(".framework")]
    name = dest.name
    for prefix in ("libQt6", "Qt6"):
        if name.startswith(prefix):
            return name[len(prefix) :].split(".", 1)[0]
    return None


def plugin_id(dest: PurePath) -> str | None:
    """``imageformats/qpdf`` for .../plugins/imageformats/libqpdf.so; None if not a plugin."""
    parts = dest.parts
    if "plugins" not in parts:
        return None
    at = len(parts) - 1 - parts[::-1].index("plugins")
    if len(parts) - at < 3:
        return None
    name = dest.name.split(".", 1)[0]
    name = name.removeprefix("lib")
    return "/".join((*parts[at + 1 : -1], name))


def excluded_binary(dest: str) -> str | None:
    """Why the binary at ``dest`` (its path in the bundle) is left out, or None to keep it."""
    path = PurePath(dest.replace("\\", "/"))
    plugin = plugin_id(path)
    if plugin is not None:
        for pattern in QT_EXCLUDED_PLUGINS:
            if fnmatch.fnmatchcase(plugin, pattern):
                return f"Qt plugin {plugin}"
        return None
    library = _qt_library_name(path)
    if library is not None:
        for pattern in QT_EXCLUDED_LIBRARIES:
            if fnmatch.fnmatchcase(library, pattern):
                return f"Qt library {library}"
    return None


def _botocore_data_excluded(dest: PurePath) -> bool:
    parts = dest.parts
    if len(parts) < 3 or parts[0] != "botocore" or parts[1] != "data":
        return False
    # Top-level files (endpoints.json, partitions.json, _retry.json...) are always needed.
    return len(parts) > 3 and parts[2] not in BOTOCORE_SERVICES


def excluded_data(dest: str) -> str | None:
    """Why the data file at ``dest`` is left out, or None to keep it."""
    path = PurePath(dest.replace("\\", "/"))
    if _botocore_data_excluded(path):
        return "botocore model of an unused service"
    in_qt = path.parts[:2] == ("PySide6", "Qt") and len(path.parts) > 2
    if in_qt and (path.parts[2] in ("qml", "resources") or "webengine" in path.name.lower()):
        return "QML or WebEngine file"
    if in_qt and path.parts[2] == "translations":
        # The app is in English and installs no QTranslator: Qt would never load these.
        return "Qt translation"
    if path.parts and path.parts[0] == "moto" and len(path.parts) > 1:
        package = path.parts[1]
        if "." not in package and package not in MOTO_KEEP:
            return "moto service the demo does not run"
    return excluded_binary(dest)


def moto_excludes(moto_dir: Path) -> list[str]:
    """``moto.<service>`` for every moto package the demo does not need."""
    return sorted(
        f"moto.{info.name}"
        for info in pkgutil.iter_modules([str(moto_dir)])
        if info.ispkg and info.name not in MOTO_KEEP
    )


TocEntry = tuple[str, str, str]


def filter_toc(
    entries: Iterable[TocEntry], *, data: bool = False
) -> tuple[list[TocEntry], list[tuple[TocEntry, str]]]:
    """Split a PyInstaller TOC into what stays and (entry, reason) for what goes."""
    kept: list[TocEntry] = []
    dropped: list[tuple[TocEntry, str]] = []
    check = excluded_data if data else excluded_binary
    for entry in entries:
        reason = check(entry[0])
        if reason is None:
            kept.append(entry)
        else:
            dropped.append((entry, reason))
    return kept, dropped


def orphaned_libraries(
    kept: list[TocEntry], dropped: list[TocEntry], imports: Callable[[str], set[str]]
) -> set[str]:
    """Top-level shared libraries that only the dropped binaries needed.

    PyInstaller collects each binary's dependencies before the filters above run, so a
    dropped plugin leaves its libraries behind (GTK's theme plugin: cairo, pango, atk).
    ``imports(src)`` gives the file names a binary links to. Only libraries at the
    bundle's top level, where dependencies land, are candidates.
    """
    by_name = {PurePath(dest).name: (dest, src) for dest, src, _ in kept}

    def closure(start: Iterable[str]) -> set[str]:
        seen: set[str] = set()
        todo = [name for src in start for name in imports(src)]
        while todo:
            name = todo.pop()
            if name in seen or name not in by_name:
                continue
            seen.add(name)
            todo.extend(imports(by_name[name][1]))
        return seen

    top_level = {name for name, (dest, _) in by_name.items() if len(PurePath(dest).parts) == 1}
    candidates = closure(src for _, src, _ in dropped) & top_level
    roots = [src for dest, src, _ in kept if PurePath(dest).name not in candidates]
    return {by_name[name][0] for name in candidates - closure(roots)}
