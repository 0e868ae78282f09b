import pytest


@pytest.mark.django_db
def test_browser_asking_for_english_still_gets_chinese_first(client):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"
    assert "登录" in response.content.decode()


@pytest.mark.django_db
def test_language_cookie_switches_to_english(client):
    client.cookies["django_language"] = "en"
    response = client.get("/login/")
    assert response["Content-Language"] == "en"


@pytest.mark.django_db
def test_unknown_language_cookie_falls_back_to_chinese(client):
    client.cookies["django_language"] = "xx"
    response = client.get("/login/")
    assert response["Content-Language"] == "zh-hans"
