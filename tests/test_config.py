"""Settings: defaults, project config file, validation."""

from pathlib import Path

import pytest

from kamlib.config import Settings, load_settings
from kamlib.errors import ConfigError


def test_defaults_match_the_documented_values():
    s = Settings()
    assert (s.fiscal_year_start_month, s.grace_days, s.discount_rate, s.horizon_years) == \
        (1, 30, 0.10, 10)
    assert (s.gap_alert_days, s.conversion_window_days, s.currency) == (45, 180, "EUR")


def test_project_file_overrides(tmp_path):
    p = tmp_path / "kam.toml"
    p.write_text('[settings]\nfiscal_year_start_month = 4\ngrace_days = 45\ncurrency = "USD"\n')
    s = load_settings(p)
    assert (s.fiscal_year_start_month, s.grace_days, s.currency) == (4, 45, "USD")
    assert s.discount_rate == 0.10  # untouched settings keep their defaults


def test_env_var_points_at_the_file(tmp_path, monkeypatch):
    p = tmp_path / "other.toml"
    p.write_text("[settings]\nhorizon_years = 5\n")
    monkeypatch.setenv("KAM_CONFIG", str(p))
    assert load_settings().horizon_years == 5


@pytest.mark.parametrize("body, fragment", [
    ("[settings]\ngrace_dayz = 3\n", "unknown setting(s) grace_dayz"),
    ("[settings]\nfiscal_year_start_month = 13\n", "fiscal_year_start_month must be 1..12"),
    ("[settings\n", "not valid TOML"),
])
def test_bad_config_is_a_clear_error(tmp_path, body, fragment):
    p = tmp_path / "kam.toml"
    p.write_text(body)
    with pytest.raises(ConfigError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        load_settings(p)


def test_missing_explicit_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml")


# -- a typo never passes ---------------------------------------------------------------


def test_kam_config_naming_a_missing_file_is_an_error(tmp_path, monkeypatch):
    missing = tmp_path / "nowhere" / "kam.toml"
    monkeypatch.setenv("KAM_CONFIG", str(missing))
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(missing) in str(info.value) and "KAM_CONFIG" in str(info.value)


def test_kam_config_naming_a_folder_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("KAM_CONFIG", str(tmp_path))
    with pytest.raises(ConfigError, match="KAM_CONFIG"):
        load_settings()


def test_missing_project_file_gives_the_defaults(tmp_path, monkeypatch):
    import kamlib.config as C

    monkeypatch.delenv("KAM_CONFIG", raising=False)
    monkeypatch.setattr(C, "CONFIG_FILE", tmp_path / "kam.toml")
    assert load_settings() == Settings()


@pytest.mark.parametrize("body, fragments", [
    # a key above every section
    ("grace_days = 45\n[settings]\ncurrency = \"USD\"\n",
     ["grace_days", "outside [settings]", "allowed: [settings]"]),
    # a misspelt section: its keys would be ignored
    ("[setings]\ngrace_days = 45\n", ["[setings]", "did you mean [settings]", "allowed: [settings]"]),
    # [targets] is a section now (tests/test_targets_config.py); a misspelling is not
    ("[settings]\ngrace_days = 45\n[target]\nnrr = 1.1\n",
     ["[target]", "did you mean [targets]", "allowed: [settings], [targets]"]),
    # a table inside [settings]
    ("[settings.grace]\ndays = 45\n", ["grace", "unknown setting"]),
    ("[settings]\ngrace_dayz = 45\n", ["grace_dayz", "did you mean grace_days"]),
])
def test_keys_and_sections_outside_settings_are_errors(tmp_path, body, fragments):
    p = tmp_path / "kam.toml"
    p.write_text(body)
    with pytest.raises(ConfigError) as info:
        load_settings(p)
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)
    assert str(p) in str(info.value)


@pytest.mark.parametrize("line, fragment", [
    ('grace_days = "30"', "grace_days must be a whole number"),
    ("grace_days = 30.5", "grace_days must be a whole number"),
    ("grace_days = true", "grace_days must be a whole number"),
    ("grace_days = -1", "grace_days must be 0..366"),
    ('discount_rate = "0.1"', "discount_rate must be a number"),
    ("discount_rate = 10", "discount_rate must be in [0, 1)"),
    ("discount_rate = nan", "discount_rate must be in [0, 1)"),
    ("resolution_target_hours = inf", "resolution_target_hours must be a finite number"),
    ("resolution_target_hours = -2", "resolution_target_hours must be positive"),
    ("small_n = 0", "small_n must be >= 1"),
    ("min_group_size = 0", "min_group_size must be >= 1"),
    ("seed = -1", "seed must be >= 0"),
    ("currency = 978", "currency must be a text"),
    ('currency = ""', "currency must be"),
    ('currency = "Euros of the European Union"', "currency must be"),
    ("horizon_years = [10]", "horizon_years must be a whole number"),
])
def test_values_of_the_wrong_type_or_sign_are_errors_naming_the_key(tmp_path, line, fragment):
    p = tmp_path / "kam.toml"
    p.write_text(f"[settings]\n{line}\n")
    with pytest.raises(ConfigError) as info:
        load_settings(p)
    assert fragment in str(info.value), str(info.value)
    assert str(p) in str(info.value)


def test_whole_numbers_are_fine_where_fractions_are_allowed(tmp_path):
    p = tmp_path / "kam.toml"
    p.write_text("[settings]\nresolution_target_hours = 24\ndiscount_rate = 0\n")
    s = load_settings(p)
    assert (s.resolution_target_hours, s.discount_rate) == (24.0, 0.0)
    assert isinstance(s.resolution_target_hours, float)


# -- where files go ----------------------------------------------------------------------
_PATHS = ("import json, kamlib.config as C; print(json.dumps({k: str(getattr(C, k)) for k in "
          "('CHECKOUT', 'PROJECT_ROOT', 'REPORTS_DIR', 'CONFIG_FILE', 'CACHE_DIR', "
          "'NOTEBOOKS_DIR', 'SAMPLE_DIR')}))")


def _paths_seen(cwd, pythonpath, **env) -> dict:
    import json
    import os
    import subprocess
    import sys

    base = {k: v for k, v in os.environ.items() if k not in ("KAM_HOME", "XDG_CACHE_HOME")}
    r = subprocess.run([sys.executable, "-c", _PATHS], cwd=cwd, capture_output=True, text=True,
                       env={**base, "PYTHONPATH": str(pythonpath), **env}, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def _installed_copy(tmp_path):
    """kamlib as a wheel installs it: a package folder with its notebooks, no checkout."""
    import shutil

    from kamlib.config import NOTEBOOKS_DIR, PACKAGE_DIR

    site = tmp_path / "site-packages"
    shutil.copytree(PACKAGE_DIR, site / "kamlib", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(NOTEBOOKS_DIR, site / "kamlib" / "notebooks")
    return site


def test_outside_a_checkout_the_working_directory_is_the_project(tmp_path):
    site = _installed_copy(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    seen = _paths_seen(work, site, XDG_CACHE_HOME=str(tmp_path / "xdg"))
    assert seen["CHECKOUT"] == "None"
    assert seen["REPORTS_DIR"] == str(work / "reports")
    assert seen["CONFIG_FILE"] == str(work / "kam.toml")
    assert seen["SAMPLE_DIR"] == str(work / "data" / "sample")
    assert seen["NOTEBOOKS_DIR"] == str(site / "kamlib" / "notebooks")
    # caches go to the user's cache folder, never into the installed package
    assert Path(seen["CACHE_DIR"]).is_relative_to(tmp_path / "xdg")


def test_inside_a_checkout_its_root_is_the_project(tmp_path):
    from kamlib.config import PACKAGE_DIR, find_checkout

    root = PACKAGE_DIR.parent
    assert find_checkout(root / "notebooks") == root and find_checkout(tmp_path) is None
    # installed code run from a checkout's subfolder: the checkout is the project
    seen = _paths_seen(root / "notebooks", _installed_copy(tmp_path))
    assert seen["CHECKOUT"] == str(root)
    assert seen["REPORTS_DIR"] == str(root / "reports")
    assert seen["CACHE_DIR"] == str(root / ".cache")
    assert seen["CONFIG_FILE"] == str(root / "kam.toml")
    # KAM_HOME names the project whatever the working directory
    seen = _paths_seen(tmp_path, _installed_copy(tmp_path / "2"), KAM_HOME=str(tmp_path))
    assert seen["PROJECT_ROOT"] == str(tmp_path) and seen["CACHE_DIR"] == str(tmp_path / ".cache")


def test_kam_toml_targets_are_read(tmp_path):
    p = tmp_path / "kam.toml"
    p.write_text("[settings]\ngrace_days = 45\n[targets]\nnps = 30\nlogo_churn_rate = 0.02\n")
    s = load_settings(p)
    assert s.grace_days == 45 and s.targets == {"nps": 30.0, "logo_churn_rate": 0.02}
    p.write_text("[targets]\nnrr = 1.1\n")  # [targets] alone is fine too
    assert load_settings(p).targets == {"nrr": 1.1}
    assert Settings().targets == {}


@pytest.mark.parametrize("body, fragment", [
    ('[targets]\nnps = "high"\n', "targets.nps must be a finite number, got 'high'"),
    ("[targets]\nnps = true\n", "targets.nps must be a finite number, got True"),
    ("[targets]\nnps = inf\n", "targets.nps must be a finite number, got inf"),
    ("[targets]\nnps = [30]\n", "targets.nps must be a finite number"),
    ("targets = 3\n", "targets must be a section [targets], not a value"),
    ("[settings]\ntargets = 3\n", "targets is a section of its own"),
    ("[target]\nnps = 30\n", "did you mean [targets]"),
])
def test_kam_toml_targets_errors_name_the_file_and_key(tmp_path, body, fragment):
    p = tmp_path / "kam.toml"
    p.write_text(body)
    with pytest.raises(ConfigError) as info:
        load_settings(p)
    assert fragment in str(info.value) and str(p) in str(info.value), str(info.value)
