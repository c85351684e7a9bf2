"""The wheel, installed outside the repository, is a working Commons: its
command, its namespace plugins and its theme, with no checkout to lean on."""

from __future__ import annotations

import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

from commons import REPO_ROOT

PLUGIN_FOLDERS = sorted(
    folder.name
    for folder in (REPO_ROOT / "plugins").iterdir()
    if (folder / "__init__.py").is_file()
)


def test_the_wheel_declares_its_name_licence_dependencies_and_pelican_classifier(installed):
    print(
        "\n" + ", ".join(f"{step}: {seconds:.1f} s" for step, seconds in installed.timings.items())
    )
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = wheel.namelist()
        (metadata_name,) = [name for name in names if name.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(wheel.read(metadata_name).decode("utf-8"))
        licences = [name for name in names if name.endswith(".dist-info/licenses/LICENSE")]
        # The project's MIT licence itself, whole, as every copy must carry it.
        assert [wheel.read(name) for name in licences] == [(REPO_ROOT / "LICENSE").read_bytes()]
    assert metadata["Name"] == "pelican-commons"
    with (REPO_ROOT / "pyproject.toml").open("rb") as project:
        assert metadata["Version"] == tomllib.load(project)["project"]["version"]
    assert "Framework :: Pelican :: Plugins" in metadata.get_all("Classifier")
    requires = metadata.get_all("Requires-Dist")
    pelican = next(line for line in requires if line.startswith("pelican") and "<" in line)
    assert ">=4.12" in pelican and "<5" in pelican, pelican
    assert any(line.startswith("isso") and 'extra == "comments"' in line for line in requires)
    assert metadata["License-Expression"] == "MIT"
    assert any(name.endswith("licenses/LICENSE") for name in names)
    # No top-level `plugins` package, no copy of the repository's site.
    assert not [name for name in names if name.startswith(("plugins/", "content/", "tests/"))]


def test_every_plugin_is_a_namespace_plugin_pelican_lists(installed, tmp_path):
    listed = installed.run(["pelican-plugins"], cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    text = listed.stdout + listed.stderr
    for name in PLUGIN_FOLDERS:
        assert f"pelican.plugins.commons_{name}" in text, text


def test_commons_comes_from_the_environment_and_the_checkout_is_not_importable(installed, tmp_path):
    probe = installed.run(
        [
            "python",
            "-c",
            "import commons, importlib.util; "
            "print(commons.__file__); print(commons.theme_path()); "
            "print(importlib.util.find_spec('plugins'))",
        ],
        cwd=tmp_path,
    )
    assert probe.returncode == 0, probe.stderr
    module, theme, plugins = probe.stdout.splitlines()
    assert Path(module).is_relative_to(installed.root), module
    assert Path(theme).is_relative_to(installed.root) and (Path(theme) / "templates").is_dir()
    assert plugins == "None"
    assert not Path(module).is_relative_to(REPO_ROOT)


def test_the_command_outside_a_site_says_what_to_do(installed, tmp_path):
    outside = installed.run(["commons", "build"], cwd=tmp_path)
    assert outside.returncode == 2
    assert "not in a Commons site" in outside.stderr and "commons new" in outside.stderr


def test_the_command_lists_the_site_tasks(installed, tmp_path):
    helped = installed.run(["commons", "--help"], cwd=tmp_path)
    assert helped.returncode == 0, helped.stderr
    for command in (
        "new",
        "build",
        "serve",
        "check",
        "publish",
        "new-post",
        "import-wordpress",
        "import-disqus",
        "comments-backup",
        "comments-restore",
        "comments-move",
    ):
        assert f"    {command} " in helped.stdout or f"    {command}\n" in helped.stdout, command
    wordpress = installed.run(["commons", "import-wordpress", "--help"], cwd=tmp_path)
    assert "EXPORT" in wordpress.stdout and "--uploads" in wordpress.stdout


def test_new_refuses_a_used_folder_and_bad_choices_naming_the_fix(installed, tmp_path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.txt").write_text("mine")
    cases = [
        (["used"], "is not empty"),
        (["a", "--url", "javascript:alert(1)"], "is not a web address"),
        (["b", "--name", "Makers\u202e\x1b[31m"], "control characters"),
        (["c", "--timezone", "Mars/Olympus"], "is not a time zone"),
        (["d", "--lang", "en'; import os"], "is not a language tag"),
    ]
    for arguments, expected in cases:
        refused = installed.run(["commons", "new", *arguments], cwd=tmp_path)
        assert refused.returncode == 1, arguments
        assert expected in refused.stderr and "Fix:" in refused.stderr, refused.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["used"]
    assert (tmp_path / "used" / "notes.txt").read_text() == "mine"
