"""Settings: a `Secret` never shows itself, an `Endpoint` takes only a clean base URL, and a
missing key names the variable to set (STYLE B5)."""

from __future__ import annotations

import copy
import pickle

import pytest

from migrate.errors import ConfigError
from migrate.settings import ClientSettings, Endpoint, Secret, api_key_from_env, check_base_url, public_url

KEY = "tw-canary-5b1f0c9e-7d2a-4e8b-a3f6-91c2d4e5f607"


def test_a_secret_masks_its_repr_and_str() -> None:
    secret = Secret(KEY)
    for text in (repr(secret), str(secret), f"{secret}", f"{secret!r}", repr([secret]), repr({"key": secret})):
        assert KEY not in text and "*" in text
    assert secret.reveal() == KEY


def test_a_secret_refuses_pickling() -> None:
    with pytest.raises(TypeError, match="not picklable"):
        pickle.dumps(Secret(KEY))
    with pytest.raises(TypeError):
        copy.deepcopy(Secret(KEY))


def test_secrets_compare_by_value_without_showing_it() -> None:
    assert Secret(KEY) == Secret(KEY) and Secret(KEY) != Secret("other")


def test_an_endpoint_keeps_its_url_without_trailing_slash_and_hides_the_key() -> None:
    endpoint = Endpoint("https://crm.example.com/", Secret(KEY))
    assert endpoint.url == "https://crm.example.com"
    assert KEY not in repr(endpoint) and KEY not in repr(ClientSettings())


@pytest.mark.parametrize("url", ["crm.example.com", "ftp://crm.example.com", "localhost:3000", "", "https://"])
def test_an_endpoint_without_a_scheme_and_host_is_a_config_error(url: str) -> None:
    with pytest.raises(ConfigError, match=r"must be a URL such as https://api\.twenty\.com"):
        Endpoint(url, Secret(KEY))


def test_credentials_in_the_url_are_refused_without_being_echoed() -> None:
    with pytest.raises(ConfigError) as caught:
        Endpoint(f"https://admin:{KEY}@crm.example.com", Secret(KEY))
    assert "must not carry credentials" in str(caught.value)
    assert KEY not in str(caught.value) and "admin" not in str(caught.value)


@pytest.mark.parametrize("url", [f"https://crm.example.com/?token={KEY}", f"https://crm.example.com/#{KEY}"])
def test_a_query_string_or_fragment_is_refused_without_being_echoed(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Endpoint(url, Secret(KEY))
    assert "must not carry a query string or fragment (https://crm.example.com)" in str(caught.value)
    assert KEY not in str(caught.value)


def test_a_malformed_url_with_credentials_is_not_echoed_either() -> None:
    with pytest.raises(ConfigError) as caught:
        check_base_url(f"ftp://user:{KEY}@crm.example.com/?x={KEY}", name="TWENTY_SOURCE_URL")
    assert str(caught.value).startswith("TWENTY_SOURCE_URL must be a URL")
    assert KEY not in str(caught.value)


def test_public_url_drops_credentials_query_and_fragment() -> None:
    assert public_url(f"https://u:{KEY}@Crm.example.com:8443/base/?token={KEY}#x") == "https://crm.example.com:8443/base"


def test_api_key_from_env_names_the_variable_when_missing() -> None:
    with pytest.raises(ConfigError, match="set the environment variable TWENTY_SOURCE_API_KEY"):
        api_key_from_env("TWENTY_SOURCE_API_KEY", {})
    with pytest.raises(ConfigError, match="TWENTY_TARGET_API_KEY"):
        api_key_from_env("TWENTY_TARGET_API_KEY", {"TWENTY_TARGET_API_KEY": "   "})


def test_api_key_from_env_returns_a_secret() -> None:
    secret = api_key_from_env("TWENTY_SOURCE_API_KEY", {"TWENTY_SOURCE_API_KEY": f" {KEY}\n"})
    assert isinstance(secret, Secret) and secret.reveal() == KEY


def test_api_key_from_env_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWENTY_SOURCE_API_KEY", KEY)
    assert api_key_from_env("TWENTY_SOURCE_API_KEY").reveal() == KEY
