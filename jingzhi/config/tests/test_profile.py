"""The profile helpers: where the audit key comes from, and which task backend each profile gets."""

from __future__ import annotations

import environ

from jingzhi.config.profile import audit_key, tasks_config


def test_the_key_comes_from_the_environment_a_file_or_is_generated_for_the_embedded_profile(
    tmp_path, monkeypatch
):
    for name in ("JINGZHI_AUDIT_KEY", "JINGZHI_AUDIT_KEY_FILE", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    env = environ.Env()
    generated = audit_key(env, tmp_path)
    assert len(generated) == 64 and (tmp_path / "audit_key").read_text() == generated
    assert oct((tmp_path / "audit_key").stat().st_mode)[-3:] == "600"
    assert audit_key(env, tmp_path) == generated  # read back, not regenerated
    key_file = tmp_path / "key.txt"
    key_file.write_text("from-file\n")
    monkeypatch.setenv("JINGZHI_AUDIT_KEY_FILE", str(key_file))
    assert audit_key(env, tmp_path) == "from-file"
    monkeypatch.setenv("JINGZHI_AUDIT_KEY", "from-env")
    assert audit_key(env, tmp_path) == "from-env"
    monkeypatch.delenv("JINGZHI_AUDIT_KEY")
    monkeypatch.delenv("JINGZHI_AUDIT_KEY_FILE")
    monkeypatch.setenv("DATABASE_URL", "postgres://x@127.0.0.1/y")
    assert audit_key(env, tmp_path / "prod") == ""  # production: none generated, the check warns


def test_both_profiles_queue_jobs_in_the_outbox_and_only_the_embedded_one_runs_them_inline(monkeypatch):
    monkeypatch.delenv("JINGZHI_JOBS_INLINE", raising=False)
    env = environ.Env()
    embedded, production = tasks_config("", env), tasks_config("redis://127.0.0.1:6379/0", env)
    assert (
        embedded["default"]["BACKEND"]
        == production["default"]["BACKEND"]
        == "jingzhi.core.jobs.OutboxBackend"
    )
    assert embedded["default"]["OPTIONS"] == {"inline": True}
    assert production["default"]["OPTIONS"] == {"inline": False}
    monkeypatch.setenv("JINGZHI_JOBS_INLINE", "0")
    assert tasks_config("", env)["default"]["OPTIONS"] == {"inline": False}
