"""The wheel's layout, computed from the repository's folders (docs/install.md).

The repository keeps its plugins in `plugins/<name>/` and its theme in
`theme/`. Installed, each plugin is the Pelican namespace plugin
`pelican.plugins.commons_<name>` (listed by `pelican-plugins`, named
`commons_<name>` in PLUGINS) and the theme is package data, `commons/theme/`;
commons/layout.py finds both in either layout. A plugin folder added, renamed
or merged needs no edit here.
"""

from pathlib import Path

from setuptools import find_namespace_packages, find_packages, setup

ROOT = Path(__file__).resolve().parent
PLUGINS = ROOT / "plugins"
NAMESPACE = "pelican.plugins.commons_"
# Files a plugin reads beside its modules (the guard's served_types.json).
PLUGIN_DATA = ["*.json", "*.txt", "*.html", "*.js", "*.css"]


def plugin_packages() -> dict[str, str]:
    """Each plugin package and subpackage, by its installed name, with its folder."""
    mapping = {}
    for folder in sorted(PLUGINS.iterdir()):
        if not (folder / "__init__.py").is_file():
            continue
        name = NAMESPACE + folder.name
        mapping[name] = folder.relative_to(ROOT).as_posix()
        for sub in find_packages(str(folder)):
            mapping[f"{name}.{sub}"] = (folder / sub.replace(".", "/")).relative_to(ROOT).as_posix()
    return mapping


def data_packages(package: str, folder: Path) -> list[str]:
    """`package` and every folder under it: setuptools ships data by package."""
    return [package, *(f"{package}.{sub}" for sub in find_namespace_packages(str(folder)))]


plugins = plugin_packages()
machinery = find_packages(include=["commons", "commons.*"])
# Files copied as they are, folders and all: the theme, and the template of a new site.
data = [
    *data_packages("commons.theme", ROOT / "theme"),
    *data_packages("commons.site_template", ROOT / "commons" / "site_template"),
]

setup(
    packages=[*machinery, *data, *plugins],
    package_dir={"commons.theme": "theme", **plugins},
    package_data={
        **{name: ["*"] for name in data},
        **{name: PLUGIN_DATA for name in plugins},
    },
    exclude_package_data={"": ["__pycache__/*", "*.pyc"]},
)
