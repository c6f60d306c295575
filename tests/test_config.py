"""Settings: defaults, project config file, validation."""

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
